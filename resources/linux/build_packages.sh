#!/usr/bin/env bash
# Build the Linux packages from the PyInstaller bundle in dist/canvas-export-manager/:
#   dist/canvas-export-manager_<version>_<arch>.deb         (Debian 12+ / Ubuntu 22.04+)
#   dist/canvas-export-manager-<version>-linux-<arch>.tar.gz (the bundle as it is)
#
# Usage (from anywhere in the repo):  uv run pyinstaller --noconfirm build.spec && resources/linux/build_packages.sh
# Needs: dpkg-deb, binutils (objdump), ldd, tar, gzip, and desktop-file-validate (desktop-file-utils).
#
# The .deb installs the bundle under /opt/canvas-export-manager/, links /usr/bin/canvas-exports
# (CLI) and /usr/bin/canvas-export-manager (GUI), a validated .desktop entry and hicolor icons.
# Depends = the system libraries the bundle really links against outside itself (found with
# ldd and mapped to packages with dpkg -S on the build machine) plus a baseline for what is
# loaded at run time without being linked (fonts, GL/EGL drivers). No maintainer scripts:
# Debian's hicolor-icon-theme and desktop-file-utils packages refresh the icon cache and the
# desktop database through dpkg file triggers on the very directories this package fills.
set -euo pipefail

die() { echo "build_packages: ERROR: $*" >&2; exit 1; }
log() { echo "build_packages: $*"; }

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
NAME=canvas-export-manager
BUNDLE="dist/$NAME"
GUI_EXE="Canvas Export Manager"
CLI_EXE="canvas-exports"
ICONS="resources/icons/generated/hicolor"
DESKTOP="resources/linux/$NAME.desktop"

for tool in dpkg-deb dpkg objdump ldd tar gzip desktop-file-validate; do
  command -v "$tool" >/dev/null || die "'$tool' is missing (apt-get install dpkg binutils libc-bin tar gzip desktop-file-utils)"
done
[ -x "$BUNDLE/$GUI_EXE" ] && [ -x "$BUNDLE/$CLI_EXE" ] \
  || die "no bundle in $BUNDLE; build it first: uv run pyinstaller --noconfirm build.spec"

VERSION="$(sed -n 's/^__version__ *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' desktop_app/__init__.py)"
[ -n "$VERSION" ] || die "no __version__ in desktop_app/__init__.py"
BUNDLE_VERSION="$("$BUNDLE/$CLI_EXE" --version 2>&1 || true)"
case "$BUNDLE_VERSION" in
  *"$VERSION"*) ;;
  *) die "bundle reports '$BUNDLE_VERSION' but the source says $VERSION: rebuild the bundle" ;;
esac
ARCH="$(dpkg --print-architecture)"
# Reproducible timestamps: the last commit's time unless the caller set one.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

desktop-file-validate "$DESKTOP" || die "$DESKTOP does not pass desktop-file-validate"

# ---------------------------------------------------------------- Depends
# Every ELF file of the bundle, resolved the way the frozen app resolves them (the bootloader
# puts _internal/ on LD_LIBRARY_PATH; Qt plugins find Qt's libraries through their RUNPATH).
INTERNAL="$(cd "$BUNDLE/_internal" && pwd)"
BUNDLE_ABS="$(cd "$BUNDLE" && pwd)"
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
ELF_FILES=()
while IFS= read -r -d '' f; do
  is_elf "$f" && ELF_FILES+=("$f")
done < <(find "$BUNDLE_ABS" -type f \( -name '*.so*' -o -perm -u+x \) -print0)
[ "${#ELF_FILES[@]}" -gt 10 ] || die "found only ${#ELF_FILES[@]} ELF files in $BUNDLE"

declare -A SYSLIBS=()
MISSING=()
for f in "${ELF_FILES[@]}"; do
  while read -r line; do
    case "$line" in
      *"=> not found"*) MISSING+=("$(basename "$f"): ${line%% *}") ;;
      *"=> /"*)
        path="${line#*=> }"; path="${path%% (*}"
        case "$path" in "$BUNDLE_ABS"/*) ;; *) SYSLIBS["$path"]=1 ;; esac ;;
    esac
  done < <(LD_LIBRARY_PATH="$INTERNAL:$INTERNAL/PySide6/Qt/lib" ldd "$f" 2>/dev/null || true)
done
if [ "${#MISSING[@]}" -gt 0 ]; then
  printf '  %s\n' "${MISSING[@]}" | sort -u >&2
  die "the libraries above are needed by the bundle but missing on this build machine"
fi

owner_of() {  # dpkg -S knows a file under the path it was installed as (/lib or /usr/lib)
  local p="$1" real cand
  real="$(readlink -f "$p")"
  for cand in "$p" "$real" "${p#/usr}" "${real#/usr}" "/usr$p" "/usr$real"; do
    dpkg -S "$cand" 2>/dev/null | head -n1 | cut -d: -f1 && return 0
  done
  return 1
}
declare -A PKGS=()
for lib in "${!SYSLIBS[@]}"; do
  pkg="$(owner_of "$lib")" || die "no Debian package owns $lib (needed by the bundle)"
  PKGS["$pkg"]=1
done
# glibc: the newest GLIBC_x.y symbol version any bundled binary asks for.
GLIBC_MIN="$(for f in "${ELF_FILES[@]}"; do objdump -T "$f" 2>/dev/null; done \
  | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)"
[ -n "$GLIBC_MIN" ] || die "could not read the glibc symbol versions of the bundle"
unset 'PKGS[libc6]'
# Loaded at run time, not linked: fonts (Qt draws boxes without any), the GL/EGL stack
# (PyInstaller never bundles it: it must match the machine's drivers), xcb and the X
# keyboard libraries the xcb platform plugin needs on a minimal system.
BASELINE=(fonts-dejavu-core libgl1 libegl1 libxcb1 libxcb-cursor0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3)
for pkg in "${BASELINE[@]}"; do PKGS["$pkg"]=1; done
DEPENDS="libc6 (>= $GLIBC_MIN)$(printf ', %s' $(printf '%s\n' "${!PKGS[@]}" | sed 's/:.*//' | sort -u))"
log "Depends: $DEPENDS"

# ---------------------------------------------------------------- the .deb tree
STAGE="build/deb/${NAME}_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/$NAME" "$STAGE/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$STAGE/opt/$NAME"
ln -s "/opt/$NAME/$CLI_EXE" "$STAGE/usr/bin/canvas-exports"
ln -s "/opt/$NAME/$GUI_EXE" "$STAGE/usr/bin/$NAME"
install -m 0644 "$DESKTOP" "$STAGE/usr/share/applications/$NAME.desktop"
# .imscc as a MIME type the .desktop entry handles (shared-mime-info's file trigger updates the database)
install -D -m 0644 "resources/linux/$NAME-mime.xml" "$STAGE/usr/share/mime/packages/$NAME.xml"
install -m 0644 resources/icons/app.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
for dir in "$ICONS"/*x*; do
  size="$(basename "$dir")"
  install -D -m 0644 "$dir/apps/$NAME.png" "$STAGE/usr/share/icons/hicolor/$size/apps/$NAME.png"
done
cat > "$STAGE/usr/share/doc/$NAME/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Canvas Export Manager

Files: *
Copyright: Canvas Export Manager developers
License: MIT

Files: opt/$NAME/_internal/*
Comment: Bundled by PyInstaller: CPython (PSF-2.0), Qt 6 and PySide6 (LGPL-3.0),
 httpx, keyring, platformdirs, certifi (MPL-2.0), cryptography (Apache-2.0 or BSD),
 and system libraries from Debian. Each keeps its own licence; the licence files that
 ship with the Python packages are in the *.dist-info folders beside them.
License: various
EOF
# Owner/permissions: dpkg-deb --root-owner-group makes everything root:root; modes are
# normalised here so a restrictive umask on the build machine cannot leak into the package.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE/opt" -type f -exec chmod u+rw,go+r,go-w {} +
chmod 0755 "$STAGE/opt/$NAME/$GUI_EXE" "$STAGE/opt/$NAME/$CLI_EXE"

INSTALLED_KB="$(du -sk --apparent-size "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<EOF
Package: $NAME
Version: $VERSION
Architecture: $ARCH
Maintainer: Canvas Export Manager developers <noreply@canvasexportmanager.org>
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: gnome-keyring | kwalletmanager | keepassxc
Section: education
Priority: optional
Description: desktop app and command line for Canvas LMS content exports
 Canvas Export Manager drives the Canvas LMS Content Exports API: pick a
 course, group or user, choose what to export, start Common Cartridge, QTI or
 zip exports, watch them progress and get verified packages saved on disk.
 .
 Includes the canvas-exports command line. Canvas access tokens are kept in
 the desktop's Secret Service keyring (GNOME Keyring, KWallet or KeePassXC).
EOF

DEB="dist/${NAME}_${VERSION}_${ARCH}.deb"
rm -f "$DEB"
log "building $DEB (xz)"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
dpkg-deb --info "$DEB" >/dev/null || die "dpkg-deb cannot read back $DEB"

# ---------------------------------------------------------------- the .tar.gz
TARBALL="dist/${NAME}-${VERSION}-linux-${ARCH}.tar.gz"
log "building $TARBALL"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -C dist -cf - "$NAME" | gzip -n -6 > "$TARBALL"

for f in "$DEB" "$TARBALL"; do
  log "$(du -h "$f" | cut -f1)  $f"
done
