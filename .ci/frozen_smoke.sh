#!/usr/bin/env bash
# Smoke tests of the frozen app and the Linux packages (issue 5). Called by .ci/run after
# the test suite; runs on its own too:
#
#   .ci/frozen_smoke.sh              build, test the bundle, build + install + test + remove the .deb
#   .ci/frozen_smoke.sh --measure    the same, plus start-up timings (frozen vs source, medians)
#   SKIP_BUILD=1 .ci/frozen_smoke.sh reuse dist/canvas-export-manager/ as it is
#   SKIP_INSTALL=1 ...               do not install the .deb (no root)
#
# Needs (Debian): unzip dbus gnome-keyring desktop-file-utils binutils curl xvfb + the Qt
# runtime libraries .ci/run installs; root (or sudo) for the install step.
set -euo pipefail

MEASURE=0
[ "${1:-}" = "--measure" ] && MEASURE=1

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

NAME=canvas-export-manager
BUNDLE="$REPO/dist/$NAME"
GUI="$BUNDLE/Canvas Export Manager"
CLI="$BUNDLE/canvas-exports"
BUNDLE_BUDGET_MB="${BUNDLE_BUDGET_MB:-150}"
DEB_BUDGET_MB="${DEB_BUDGET_MB:-70}"
TIMEOUT="${SMOKE_TIMEOUT:-120}"

step() { printf '\n== frozen smoke: %s\n' "$*"; }
fail() { printf '\nFROZEN SMOKE TEST FAILED: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || fail "'$1' is not installed (apt-get install $2)"; }

need uv "python3-pip, then pip install uv"
need unzip unzip
need curl curl
need dbus-run-session dbus
need gnome-keyring-daemon gnome-keyring
need desktop-file-validate desktop-file-utils
need objdump binutils
need dpkg-deb dpkg
need timeout coreutils
need xvfb-run xvfb

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && SUDO="sudo" || { [ "${SKIP_INSTALL:-0}" = 1 ] || fail "installing the .deb needs root or sudo (or SKIP_INSTALL=1)"; }
fi

# Everything the frozen app writes (profiles, job store, keyring files) goes to a scratch
# home, never the developer's own.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cem-frozen-smoke.XXXXXX")"
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share" \
  XDG_CACHE_HOME="$WORK/home/.cache" XDG_STATE_HOME="$WORK/home/.local/state"
mkdir -p "$HOME"
unset CANVAS_TOKEN CANVAS_BASE_URL
SERVER_PID=""
INSTALLED=0
cleanup() {
  local status=$?
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [ "$INSTALLED" = 1 ]; then
    echo "frozen smoke: removing the installed package after a failure" >&2
    $SUDO apt-get remove -y -qq "$NAME" >/dev/null 2>&1 || true
  fi
  if [ $status -eq 0 ]; then rm -rf "$WORK"; else echo "frozen smoke: logs kept in $WORK" >&2; fi
}
trap cleanup EXIT

VERSION="$(sed -n 's/^__version__ *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' desktop_app/__init__.py)"
[ -n "$VERSION" ] || fail "no __version__ in desktop_app/__init__.py"

# ------------------------------------------------------------------------------ icons
step "generated icons match resources/icons/app.svg (resources/make_icons.py --check)"
uv run python resources/make_icons.py --check || fail "re-run: uv run python resources/make_icons.py, and commit the result"

# ------------------------------------------------------------------------------ build
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "building the bundle (uv run pyinstaller --noconfirm --clean build.spec)"
  start=$(date +%s.%N)
  uv run pyinstaller --noconfirm --clean --log-level WARN build.spec > "$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; fail "PyInstaller build failed (log above)"; }
  BUILD_SECONDS=$(awk "BEGIN {printf \"%.0f\", $(date +%s.%N) - $start}")
  echo "built in ${BUILD_SECONDS} s"
fi
[ -x "$GUI" ] || fail "no GUI executable at $GUI"
[ -x "$CLI" ] || fail "no CLI executable at $CLI"

step "bundle contents"
BUNDLE_MB=$(du -sm "$BUNDLE" | cut -f1)
echo "bundle: ${BUNDLE_MB} MB unpacked (budget ${BUNDLE_BUDGET_MB} MB)"
[ "$BUNDLE_MB" -le "$BUNDLE_BUDGET_MB" ] || fail "bundle is ${BUNDLE_MB} MB, over the ${BUNDLE_BUDGET_MB} MB budget"
gtk=$(find "$BUNDLE" -name 'libqgtk3*' -o -name 'libgtk-3*' -o -name 'libgdk-3*' | head -n 3)
[ -z "$gtk" ] || fail "GTK libraries are in the bundle (build.spec should drop them): $gtk"
[ -z "$(find "$BUNDLE" -path '*tkinter*' -o -name 'libtk*' -o -name 'libtcl*' | head -n 1)" ] || fail "Tk is in the bundle"
[ -f "$BUNDLE/_internal/certifi/cacert.pem" ] || fail "certifi's CA bundle is missing"
ls "$BUNDLE"/_internal/keyring-*.dist-info/entry_points.txt >/dev/null 2>&1 || fail "keyring's entry-point metadata is missing"
[ -f "$BUNDLE/_internal/resources/icons/app.svg" ] || fail "resources/icons/app.svg is missing from the bundle"

# ------------------------------------------------------------------------------ CLI
step "canvas-exports --version"
out="$(timeout "$TIMEOUT" "$CLI" --version 2>&1)" || fail "canvas-exports --version exited $?: $out"
echo "$out"
case "$out" in *"$VERSION"*) ;; *) fail "canvas-exports --version says '$out', expected $VERSION" ;; esac

start_demo_server() {  # $1 = the canvas-exports binary; sets BASE_URL, TOKEN, SERVER_PID
  local log="$WORK/demo-server.log" i
  "$1" demo-server --port 0 > "$log" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 1 300); do  # a start-up deadline, polling the server's own announcement
    grep -q '^Press Ctrl+C' "$log" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "demo-server exited during start-up"; }
    sleep 0.1
  done
  grep -q '^Press Ctrl+C' "$log" || { cat "$log" >&2; fail "demo-server did not announce itself within 30 s"; }
  BASE_URL="$(sed -n 's/^Simulated Canvas running at \(http[^ ]*\).*/\1/p' "$log")"
  TOKEN="$(sed -n 's/^ *teacher token: *\([^ ]*\).*/\1/p' "$log")"
  [ -n "$BASE_URL" ] && [ -n "$TOKEN" ] || { cat "$log" >&2; fail "could not read the base URL and teacher token"; }
}

create_and_verify() {  # $1 = the canvas-exports binary, $2 = label
  local dest="$WORK/downloads-$2" pkg manifest page_id course_id
  mkdir -p "$dest"
  course_id=101  # the demo's main course (desktop_app/simulator: sim.data.main_course_id)
  page_id="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE_URL/api/v1/courses/$course_id/pages?per_page=1" \
    | sed -n 's/.*"page_id": *\([0-9][0-9]*\).*/\1/p' | head -n 1)"
  [ -n "$page_id" ] || fail "could not read a page id from the demo Canvas"
  echo "exporting page $page_id of course:$course_id as Common Cartridge ($2)"
  CANVAS_TOKEN="$TOKEN" CANVAS_BASE_URL="$BASE_URL" timeout "$TIMEOUT" \
    "$1" create "course:$course_id" --type common_cartridge --select "pages=$page_id" --download "$dest" \
    > "$WORK/create-$2.out" 2> "$WORK/create-$2.err" \
    || { cat "$WORK/create-$2.err" >&2; fail "frozen 'canvas-exports create ... --download' failed ($2)"; }
  pkg="$(tail -n 1 "$WORK/create-$2.out")"
  [ -f "$pkg" ] || { cat "$WORK/create-$2.out" "$WORK/create-$2.err" >&2; fail "no package at '$pkg' ($2)"; }
  case "$pkg" in "$dest"/*) ;; *) fail "package saved outside the download folder: $pkg" ;; esac
  unzip -tq "$pkg" > /dev/null || fail "$pkg is not a valid zip"
  manifest="$(unzip -p "$pkg" imsmanifest.xml)" || fail "$pkg has no imsmanifest.xml"
  grep -q "identifier=\"wiki_page_$page_id\"" <<<"$manifest" || fail "imsmanifest.xml does not list page $page_id"
  [ "$(grep -c 'identifier="wiki_page_' <<<"$manifest")" -eq 1 ] || fail "the package holds more pages than selected"
  echo "verified: $(basename "$pkg") ($(du -h "$pkg" | cut -f1)), manifest lists wiki_page_$page_id"
}

batch_and_verify() {  # $1 = the canvas-exports binary: a bulk export, waited for and handed to a worker
  local dest="$WORK/batch" id i state shown
  CANVAS_TOKEN="$TOKEN" CANVAS_BASE_URL="$BASE_URL" timeout "$TIMEOUT" \
    "$1" batch start --mine --type zip --to "$dest" --wait > "$WORK/batch.out" 2> "$WORK/batch.err" \
    || { cat "$WORK/batch.err" >&2; fail "frozen 'canvas-exports batch start --mine --wait' failed"; }
  [ "$(tail -n 1 "$WORK/batch.out")" = "$dest/report.csv" ] || fail "batch --wait did not end with the report's path"
  (cd "$dest" && sha256sum -c --quiet SHA256SUMS) || fail "the batch's SHA256SUMS does not check"
  echo "verified: batch of $(($(wc -l < "$dest/report.csv") - 1)) courses, SHA256SUMS checks"
  # without --wait the frozen executable starts itself as the worker
  id="$(CANVAS_TOKEN="$TOKEN" CANVAS_BASE_URL="$BASE_URL" timeout "$TIMEOUT" \
    "$1" batch start --mine --type zip --to "$WORK/batch2" 2> "$WORK/batch2.err" | tail -n 1)" \
    || { cat "$WORK/batch2.err" >&2; fail "frozen 'canvas-exports batch start' (background) failed"; }
  for i in $(seq 1 600); do  # a deadline, polling the batch's own state
    shown="$(CANVAS_TOKEN="$TOKEN" CANVAS_BASE_URL="$BASE_URL" "$1" batch show "$id" --json)" \
      || fail "frozen 'canvas-exports batch show $id' failed"
    state="$(sed -n '1s/.*"state": "\([a-z_]*\)".*/\1/p' <<<"$shown")"
    [ "$state" = finished ] && break
    sleep 0.1
  done
  [ "$state" = finished ] || { cat "$WORK/batch2.err" >&2; fail "the frozen batch worker did not finish batch $id"; }
  echo "verified: batch $id finished by the frozen worker process"
}

step "frozen demo-server + frozen create --download (httpx, CA bundle, engine, SQLite)"
start_demo_server "$CLI"
echo "demo Canvas at $BASE_URL"
create_and_verify "$CLI" bundle
step "frozen batch start --wait, and a batch handed to a frozen worker"
batch_and_verify "$CLI"

# ------------------------------------------------------------------------------ GUI
gui_self_test() {  # $1 = GUI binary, $2 = label
  local err="$WORK/gui-$2.err"
  # offscreen: Qt's own platform plugin; the app, the demo sign-in and the window
  QT_QPA_PLATFORM=offscreen timeout "$TIMEOUT" "$1" --self-test > "$WORK/gui-$2.out" 2> "$err" \
    || { cat "$WORK/gui-$2.out" "$err" >&2; fail "GUI --self-test exited non-zero ($2, offscreen)"; }
  if grep -q 'Traceback (most recent call last)' "$err"; then cat "$err" >&2; fail "GUI --self-test printed a traceback ($2)"; fi
  cat "$WORK/gui-$2.out"
  # xcb under Xvfb: what a Linux desktop loads; catches a missing xcb/xkb/GL library, the
  # classic "could not load the Qt platform plugin xcb" of frozen Qt apps.
  timeout "$TIMEOUT" xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb "$1" --self-test \
    > "$WORK/gui-$2-xcb.out" 2> "$WORK/gui-$2-xcb.err" \
    || { cat "$WORK/gui-$2-xcb.out" "$WORK/gui-$2-xcb.err" >&2; fail "GUI --self-test exited non-zero ($2, xcb under Xvfb)"; }
  echo "(xcb under Xvfb) $(tail -n 1 "$WORK/gui-$2-xcb.out")"
}
step "frozen GUI --self-test (demo sign-in, main window shown; offscreen and xcb under Xvfb)"
gui_self_test "$GUI" bundle

# ------------------------------------------------------------------------------ keyring
keyring_check() {  # $1 = canvas-exports binary
  "$1" keyring-check --help >/dev/null 2>&1 \
    || fail "'canvas-exports keyring-check' is missing: the CLI must call desktop_app.keyring_check.main"
  # A private D-Bus session with gnome-keyring's Secret Service, unlocked with a throwaway
  # password (the keyring files live in the scratch HOME). The daemon forks before it owns
  # org.freedesktop.secrets on the bus: asking sooner makes D-Bus start a second daemon,
  # which finds the first one's half-written login keyring "invalid" and wants a password
  # prompt (seen on a loaded machine). So wait (at most 10 s) until the name is owned.
  dbus-run-session -- sh -c 'echo smoke-test-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
      && for _ in $(seq 100); do
           dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
             org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
           sleep 0.1
         done \
      && exec "$0" keyring-check --expect SecretService' "$1" 2> "$WORK/keyring.err" \
    || { grep -v 'fd limit' "$WORK/keyring.err" >&2; fail "the frozen app did not store/read/delete a secret in the Secret Service keyring"; }
}
step "frozen keyring: store, read back, delete a secret (Secret Service via gnome-keyring)"
keyring_check "$CLI"

# ------------------------------------------------------------------------------ timings
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_runs() {  # $1 = runs, rest = command; prints one duration (s) per run
  local n=$1 i t0; shift
  for i in $(seq 1 "$n"); do
    t0=$(date +%s.%N)
    QT_QPA_PLATFORM=offscreen "$@" --self-test > /dev/null 2>&1 || fail "self-test failed while timing: $*"
    awk "BEGIN {printf \"%.3f\n\", $(date +%s.%N) - $t0}"
  done
}
if [ "$MEASURE" = 1 ]; then
  step "start-up to a shown window (GUI --self-test wall time, 7 runs each, medians)"
  # The same command from source: the venv's gui-script, no uv in between.
  frozen=$(time_runs 7 "$GUI" | median)
  source_=$(time_runs 7 "$REPO/.venv/bin/canvas-export-manager" | median)
  echo "frozen: ${frozen} s   from source: ${source_} s"
fi

# ------------------------------------------------------------------------------ packages
step "Linux packages (.deb, .tar.gz)"
start=$(date +%s.%N)
resources/linux/build_packages.sh
PKG_SECONDS=$(awk "BEGIN {printf \"%.0f\", $(date +%s.%N) - $start}")
ARCH="$(dpkg --print-architecture)"
DEB="$REPO/dist/${NAME}_${VERSION}_${ARCH}.deb"
TARBALL="$REPO/dist/${NAME}-${VERSION}-linux-${ARCH}.tar.gz"
[ -f "$DEB" ] && [ -f "$TARBALL" ] || fail "build_packages.sh did not produce $DEB and $TARBALL"
DEB_MB=$(( ($(stat -c %s "$DEB") + 1048575) / 1048576 ))
echo "packages built in ${PKG_SECONDS} s; .deb ${DEB_MB} MB (budget ${DEB_BUDGET_MB} MB)"
[ "$DEB_MB" -le "$DEB_BUDGET_MB" ] || fail ".deb is ${DEB_MB} MB, over the ${DEB_BUDGET_MB} MB budget"
contents="$(dpkg-deb -c "$DEB")"
for path in "./opt/$NAME/canvas-exports" "./opt/$NAME/Canvas Export Manager" "./usr/bin/canvas-exports" \
            "./usr/bin/$NAME" "./usr/share/applications/$NAME.desktop" \
            "./usr/share/icons/hicolor/256x256/apps/$NAME.png" "./usr/share/icons/hicolor/scalable/apps/$NAME.svg"; do
  grep -qF -- "$path" <<<"$contents" || fail ".deb lacks $path"
done
tar -tzf "$TARBALL" | grep -qx "$NAME/canvas-exports" || fail "the .tar.gz lacks $NAME/canvas-exports"

if [ "${SKIP_INSTALL:-0}" = 1 ]; then
  step "SKIP_INSTALL=1: not installing the .deb"
else
  step "apt-get install ./$(basename "$DEB")"
  if dpkg-query -W -f='${Status}' "$NAME" 2>/dev/null | grep -q "install ok installed"; then
    fail "$NAME is already installed on this machine; remove it first (apt-get remove $NAME)"
  fi
  INSTALLED=1
  apt_install() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" \
                    >> "$WORK/apt-install.log" 2>&1; }
  # A Depends not yet on the machine needs fresh package lists (CI images often ship none).
  apt_install || { echo "apt-get install failed; refreshing package lists and retrying"; \
                   $SUDO apt-get update -qq >> "$WORK/apt-install.log" 2>&1; apt_install; } \
    || { cat "$WORK/apt-install.log" >&2; fail "apt-get install of the .deb failed"; }
  [ -L /usr/bin/canvas-exports ] && [ -L "/usr/bin/$NAME" ] || fail "/usr/bin links are missing after install"
  desktop-file-validate "/usr/share/applications/$NAME.desktop" || fail "installed .desktop entry is invalid"

  step "installed app: /usr/bin/canvas-exports --version, create, keyring; /usr/bin/$NAME --self-test"
  out="$(timeout "$TIMEOUT" /usr/bin/canvas-exports --version 2>&1)" || fail "/usr/bin/canvas-exports --version failed: $out"
  echo "$out"
  case "$out" in *"$VERSION"*) ;; *) fail "installed canvas-exports says '$out', expected $VERSION" ;; esac
  create_and_verify /usr/bin/canvas-exports installed
  keyring_check /usr/bin/canvas-exports
  gui_self_test "/usr/bin/$NAME" installed

  step "apt-get remove $NAME"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$NAME" > "$WORK/apt-remove.log" 2>&1 \
    || { cat "$WORK/apt-remove.log" >&2; fail "apt-get remove failed"; }
  INSTALLED=0
  [ ! -e "/opt/$NAME" ] || fail "/opt/$NAME is still there after apt-get remove"
  [ ! -e /usr/bin/canvas-exports ] && [ ! -e "/usr/bin/$NAME" ] || fail "/usr/bin links are still there after remove"
  [ ! -e "/usr/share/applications/$NAME.desktop" ] || fail "the .desktop entry is still there after remove"
  if dpkg-query -W -f='${Status}' "$NAME" 2>/dev/null | grep -q "installed"; then
    fail "dpkg still lists $NAME as installed"
  fi
fi

kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
step "all frozen smoke tests passed"
echo "bundle ${BUNDLE_MB} MB unpacked, .deb ${DEB_MB} MB, tar.gz $(du -m "$TARBALL" | cut -f1) MB${BUILD_SECONDS:+, PyInstaller build ${BUILD_SECONDS} s}, packages ${PKG_SECONDS} s"
