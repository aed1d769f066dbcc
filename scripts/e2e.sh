#!/usr/bin/env bash
# End-to-end test of the real app windows (tests/e2e): two ticketdesk desktops under Xvfb, each on
# its own D-Bus session bus and driven through its own tauri-driver, signed in as two demo users,
# against a fresh database that the test creates on the PostgreSQL server of DATABASE_URL. The
# apps connect as a least-privileged desktop login made for the run; database and login are
# dropped afterwards.
#
# Needs: DATABASE_URL (a superuser URL, as scripts/test.sh exports), target/debug/ticketdesk
# built, and what scripts/deps.sh installs (Xvfb, dbus-x11, dunst, gdbus, webkit2gtk-driver,
# tauri-driver, Node.js).
# Optional: E2E_SCREENSHOT=PATH saves a screenshot of the window after creating the ticket;
# E2E_KEEP=1 keeps the work directory (logs, screenshot) even when the test passes.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="$HOME/.cargo/bin:$PATH"

: "${DATABASE_URL:?DATABASE_URL must name a PostgreSQL server (superuser) where the test may create a database}"
export TICKETDESK_BIN="${TICKETDESK_BIN:-$repo/target/debug/ticketdesk}"
[ -x "$TICKETDESK_BIN" ] || { echo "e2e: $TICKETDESK_BIN is missing: run cargo build"; exit 1; }
command -v tauri-driver >/dev/null || { echo "e2e: tauri-driver is missing: run scripts/deps.sh (cargo install tauri-driver --locked)"; exit 1; }
for tool in Xvfb dbus-run-session dbus-monitor dunst gdbus WebKitWebDriver psql node npm; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing: run scripts/deps.sh"; exit 1; }
done

# npm ci only when the lockfile changed since the last install. No package here needs an
# install script (and some of webdriverio's would try to download browser drivers).
stamp=tests/e2e/node_modules/.ticketdesk-lock
if [ ! -f "$stamp" ] || ! cmp -s tests/e2e/package-lock.json "$stamp"; then
  (cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp tests/e2e/package-lock.json "$stamp"
fi

if [ -n "${E2E_SCREENSHOT:-}" ]; then
  case "$E2E_SCREENSHOT" in /*) ;; *) E2E_SCREENSHOT="$repo/$E2E_SCREENSHOT" ;; esac
  export E2E_SCREENSHOT
fi

workdir=$(mktemp -d /tmp/ticketdesk-e2e.XXXXXX)
export E2E_WORKDIR="$workdir"
export E2E_PGID_FILE="$workdir/process-groups"
export E2E_DB_NAME="e2e_$$_$RANDOM"
# Roles are cluster-wide: the login is named after the database so runs never share or leak one.
export E2E_DESKTOP_LOGIN="${E2E_DB_NAME}_desk"

status=1
cleanup() {
  # The test cleans up after itself; this only catches what a killed test run left behind.
  if [ -f "$E2E_PGID_FILE" ]; then
    while read -r pgid; do
      [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null || true
    done <"$E2E_PGID_FILE"
  fi
  # The database first (FORCE ends the apps' connections), then the login it was made for.
  timeout 20 psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$E2E_DB_NAME\" WITH (FORCE)" \
    -c "DROP ROLE IF EXISTS \"$E2E_DESKTOP_LOGIN\"" >/dev/null 2>&1 ||
    echo "e2e: could not drop database $E2E_DB_NAME or role $E2E_DESKTOP_LOGIN"
  if [ "$status" = 0 ] && [ -z "${E2E_KEEP:-}" ]; then
    rm -rf "$workdir"
  else
    echo "e2e: logs kept in $workdir"
  fi
}
trap cleanup EXIT

# The test bounds each of its steps; this bounds the whole run should something still hang.
# In the background so that a TERM or INT reaching this script stops the run at once (bash
# would only run a trap after a foreground command ended). Stopping it kills `timeout`'s
# process group (the node runner and its test process, which handle TERM themselves); the
# EXIT trap then stops what the test had started and drops its database.
timeout -k 10 420 node --test --test-reporter=spec --test-concurrency=1 tests/e2e/*.test.js &
runner=$!
stop_runner() {
  status=$1
  kill -KILL -- "-$runner" 2>/dev/null || kill -KILL "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  exit "$1"
}
trap 'stop_runner 130' INT
trap 'stop_runner 143' TERM
status=0
wait "$runner" || status=$?
[ "$status" = 124 ] && echo "e2e: timed out after 300 s"
exit "$status"
