#!/usr/bin/env bash
# The .deb that `make package` builds, installed and used as a user would (tests/package):
# installs it with apt-get, creates a throwaway non-root user who loads the demo data into solo
# mode and signs in to the installed app on Xvfb (through WebDriver), then installs the same
# package repacked with a higher version over it and checks that the user's data survived.
# Removes the package and the user at the end, so the machine is left as it was.
#
# Usage, as root: scripts/package-test.sh [PATH.deb]   (default: the .deb under
# CARGO_TARGET_DIR or target/, release/bundle/deb/). Needs what scripts/deps.sh installs.
# A ticketdesk package already installed is replaced, and removed at the end.
# Optional: PACKAGE_TEST_KEEP=1 keeps the work directory (logs, screenshots) after a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
pkg_user=td-pkg-test

[ "$(id -u)" = 0 ] || { echo "package-test: run as root (it installs a package and creates a user)"; exit 1; }
deb="${1:-}"
if [ -z "$deb" ]; then
  shopt -s nullglob
  debs=("${CARGO_TARGET_DIR:-target}"/release/bundle/deb/*.deb)
  shopt -u nullglob
  ((${#debs[@]} == 1)) || { echo "package-test: expected one .deb under ${CARGO_TARGET_DIR:-target}/release/bundle/deb (found ${#debs[@]}): run make package"; exit 1; }
  deb=${debs[0]}
fi
[ -f "$deb" ] || { echo "package-test: $deb is missing: run make package"; exit 1; }
for tool in apt-get dpkg-deb dpkg-query useradd userdel setpriv Xvfb dbus-run-session dbus-monitor dunst WebKitWebDriver gio desktop-file-validate update-desktop-database node npm; do
  command -v "$tool" >/dev/null || { echo "package-test: $tool is missing: run scripts/deps.sh"; exit 1; }
done
tauri_driver=$(command -v tauri-driver) || { echo "package-test: tauri-driver is missing: run scripts/deps.sh"; exit 1; }

# The e2e's npm packages (webdriverio, pg, x11), as scripts/e2e.sh installs them.
stamp=tests/e2e/node_modules/.ticketdesk-lock
if [ ! -f "$stamp" ] || ! cmp -s tests/e2e/package-lock.json "$stamp"; then
  (cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp tests/e2e/package-lock.json "$stamp"
fi

# Left by a run that was killed before its cleanup: the user, then the package.
if id "$pkg_user" >/dev/null 2>&1; then
  echo "package-test: removing the user $pkg_user left by an earlier run"
  userdel -r "$pkg_user" 2>/dev/null || true
fi
if dpkg-query -W -f='${Status}' ticketdesk 2>/dev/null | grep -q "install ok installed"; then
  echo "package-test: ticketdesk $(dpkg-query -W -f='${Version}' ticketdesk) is installed; removing it first"
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ticketdesk >/dev/null
fi

workdir=$(mktemp -d /tmp/ticketdesk-package.XXXXXX)
# The test user reads its logs' directory and runs the tauri-driver copy from here; apt's
# sandbox user (_apt) reads the packages.
chmod 755 "$workdir"
export E2E_PGID_FILE="$workdir/process-groups"

status=1
cleanup() {
  # The test cleans up after itself; this catches what a killed test run left behind.
  if [ -f "$E2E_PGID_FILE" ]; then
    while read -r pgid; do
      [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null || true
    done <"$E2E_PGID_FILE"
  fi
  if dpkg-query -W -f='${Status}' ticketdesk 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ticketdesk >/dev/null || echo "package-test: could not remove ticketdesk"
  fi
  if id "$pkg_user" >/dev/null 2>&1; then
    userdel -r "$pkg_user" 2>/dev/null || echo "package-test: could not remove the user $pkg_user"
  fi
  if [ "$status" = 0 ] && [ -z "${PACKAGE_TEST_KEEP:-}" ]; then
    rm -rf "$workdir"
  else
    echo "package-test: logs kept in $workdir"
  fi
}
trap cleanup EXIT

# The upgrade: the same package, its version raised. No second build: only the control
# file's Version changes (dpkg-deb -R / -b).
old_version=$(dpkg-deb -f "$deb" Version)
new_version="${old_version}+pkgtest1"
dpkg --compare-versions "$new_version" gt "$old_version"
cp "$deb" "$workdir/first.deb"
dpkg-deb -R "$deb" "$workdir/extracted"
sed -i "s/^Version: .*/Version: $new_version/" "$workdir/extracted/DEBIAN/control"
dpkg-deb --root-owner-group -b "$workdir/extracted" "$workdir/upgrade.deb" >/dev/null
rm -rf "$workdir/extracted"
[ "$(dpkg-deb -f "$workdir/upgrade.deb" Version)" = "$new_version" ]
chmod 644 "$workdir"/*.deb

useradd --create-home --shell /bin/bash --comment "ticketdesk package test (scripts/package-test.sh)" "$pkg_user"
# tauri-driver is installed under root's home, which the test user cannot enter.
mkdir -p "$workdir/bin"
install -m 755 "$tauri_driver" "$workdir/bin/tauri-driver"

echo "package-test: installing $(basename "$deb") ($old_version)"
start=$(date +%s%N)
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$workdir/first.deb" >"$workdir/apt-install.log" 2>&1 ||
  { cat "$workdir/apt-install.log"; exit 1; }
echo "package-test: installed in $(( ($(date +%s%N) - start) / 1000000 )) ms"
bin=$(dpkg -L ticketdesk | grep -E '/bin/ticketdesk$' | head -n 1)
[ -x "$bin" ] || { echo "package-test: the package installed no bin/ticketdesk"; exit 1; }

export PKG_USER="$pkg_user" PKG_BIN="$bin" PKG_OLD_VERSION="$old_version" PKG_NEW_VERSION="$new_version"
export PKG_UPGRADE_DEB="$workdir/upgrade.deb" PKG_TAURI_DRIVER="$workdir/bin/tauri-driver" PKG_WORKDIR="$workdir"
# Bounded as a whole, in the background so that TERM or INT stops it at once (see scripts/e2e.sh).
timeout -k 10 600 node --test --test-reporter=spec --test-concurrency=1 "$repo/tests/package/install.test.js" &
runner=$!
stop_runner() {
  status=$1
  kill -KILL -- "-$runner" 2>/dev/null || kill -KILL "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  exit "$1"
}
trap 'stop_runner 130' INT
trap 'stop_runner 143' TERM
test_status=0
wait "$runner" || test_status=$?
[ "$test_status" = 124 ] && echo "package-test: timed out after 600 s"
[ "$test_status" = 0 ] || { status=$test_status; exit "$status"; }

# Removing the package takes the app away and leaves the user's data alone.
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ticketdesk >/dev/null
! dpkg-query -W -f='${Status}' ticketdesk 2>/dev/null | grep -q "install ok installed" || { echo "package-test: ticketdesk is still installed"; exit 1; }
[ ! -e "$bin" ] || { echo "package-test: $bin is still there after apt-get remove"; exit 1; }
[ -f "$(getent passwd "$pkg_user" | cut -d: -f6)/.local/share/ticketdesk/solo/pgdata/PG_VERSION" ] || { echo "package-test: apt-get remove took the user's solo data"; exit 1; }
echo "package-test: removed; the user's data stayed"
status=0
