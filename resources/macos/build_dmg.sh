#!/usr/bin/env bash
# macOS: smoke-test the .app that build.spec's BUNDLE step made, sign it, and wrap it in a .dmg.
# NOT YET EXERCISED on macOS: written from the PyInstaller, codesign and hdiutil documentation;
# the release workflow (.github/workflows/release.yml) is the first place it runs.
#
#   uv run pyinstaller --noconfirm build.spec      # -> dist/Canvas Export Manager.app
#   resources/macos/build_dmg.sh                   # -> dist/canvas-export-manager-<version>-macos-<arch>.dmg
#
# Optional environment:
#   CODESIGN_IDENTITY="Developer ID Application: ..."  sign with hardened runtime (default: ad-hoc "-")
#   NOTARY_PROFILE=name   notarize with `xcrun notarytool --keychain-profile name` and staple the .dmg
set -euo pipefail

die() { echo "build_dmg: ERROR: $*" >&2; exit 1; }
log() { echo "build_dmg: $*"; }

[ "$(uname -s)" = Darwin ] || die "this script runs on macOS only"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
APP_NAME="Canvas Export Manager"
APP="dist/$APP_NAME.app"
[ -d "$APP" ] || die "no $APP; build it first: uv run pyinstaller --noconfirm build.spec"
VERSION="$(sed -n 's/^__version__ *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' desktop_app/__init__.py)"
[ -n "$VERSION" ] || die "no __version__ in desktop_app/__init__.py"
ARCH="$(uname -m)"   # arm64 or x86_64: the bundle has the build machine's Python architecture
DMG="dist/canvas-export-manager-$VERSION-macos-$ARCH.dmg"

plist_version="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$APP/Contents/Info.plist")"
[ "$plist_version" = "$VERSION" ] || die "Info.plist says $plist_version, the package says $VERSION"

log "smoke test of the .app"
"$APP/Contents/MacOS/canvas-exports" --version | grep -q "$VERSION" || die "canvas-exports --version failed"
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/$APP_NAME" --self-test || die "GUI --self-test failed"

IDENTITY="${CODESIGN_IDENTITY:--}"
log "signing with identity '$IDENTITY'"
if [ "$IDENTITY" = "-" ]; then
  # Ad-hoc: enough for Apple Silicon to run it locally; Gatekeeper will still warn downloaders.
  codesign --force --deep --sign - "$APP"
else
  codesign --force --deep --options runtime --timestamp \
    --entitlements resources/macos/entitlements.plist --sign "$IDENTITY" "$APP"
fi
codesign --verify --deep --strict "$APP" || die "codesign --verify failed"

log "creating $DMG"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"   # drag-to-install
rm -f "$DMG"
hdiutil create -volname "$APP_NAME" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
hdiutil verify "$DMG" || die "hdiutil verify failed"

if [ -n "${NOTARY_PROFILE:-}" ]; then
  [ "$IDENTITY" != "-" ] || die "notarization needs CODESIGN_IDENTITY (a Developer ID certificate)"
  log "notarizing"
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
fi
log "$(du -h "$DMG" | cut -f1)  $DMG"
