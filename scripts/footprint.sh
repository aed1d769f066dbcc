#!/usr/bin/env bash
# App footprint (SPEC §10, issue 7): the time from launch to the first paint of the signed-in
# queue, and idle memory (PSS of the app and its WebKit processes, summed), each beside an empty
# Tauri window (bench/empty-window) built with the same toolchain and measured in the same run:
# alternating runs under one Xvfb + private D-Bus session, with the same environment (WebKit
# settings included). Prints a table and writes it as Markdown (target/footprint.md).
#
# Usage: scripts/footprint.sh [--runs N] [--settle SECONDS] [--debug] [--team] [--report FILE]
#                             [--nice N] [--app PATH] [--empty PATH] [--compare PATH]
#   --runs N       counted runs of each binary (default 9), after one warm-up run each. Each
#                  figure is its median with its spread (min–max, and the IQR from 5 runs); the
#                  verdict is on the ratio of the medians. A few runs are not enough: the empty
#                  window's own slow starts once made the ratio 0.89×, where three runs of
#                  --runs 3 gave 1.6×, 1.7× and 3.3×.
#   --settle S     seconds between "ready" and the memory reading (default 5)
#   --debug        measure the debug build (CI: checks that the measurement works, not the speed)
#   --team         the app connects as a team desktop (TICKETDESK_DATABASE_URL, least-privileged
#                  login) instead of solo mode (its own cluster under TICKETDESK_DATA_DIR, which
#                  it checks and migrates at every start)
#   --report FILE  where the Markdown goes (default target/footprint.md, or
#                  target/footprint-debug.md with --debug)
#   --nice N       run the windows, the database and the display at this nice value (e.g. -10,
#                  as root) when other work keeps the machine busy; both windows alike
#   --app PATH     measure this build of the app (e.g. a copy kept from before a change)
#   --empty PATH   and this build of the empty window (neither is then built here)
#   --compare PATH also measure this other build of the app, in the same rounds: what a change
#                  buys, side by side (keep a copy of target/release/ticketdesk before it)
# WebKit settings: WEBKIT_DISABLE_DMABUF_RENDERER=1 unless the caller sets it (an empty value
# unsets it); every WEBKIT_*, GDK_*, NO_AT_BRIDGE… of the caller reaches both binaries alike.
# FOOTPRINT_KEEP=1 keeps the work directory (per-run logs) even when all went well.
#
# Needs: what scripts/deps.sh installs (Xvfb, dbus-run-session, PostgreSQL binaries, Node.js).
# The app embeds ui/dist as last built (built here only if missing). The binaries are built in,
# and taken from, $CARGO_TARGET_DIR when it is set (else target/).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

runs=9
settle=5
profile=release
mode=solo
report=
nice=
app=
empty=
compare=
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --debug) profile=debug; shift ;;
    --team) mode=team; shift ;;
    --report) report=$2; shift 2 ;;
    --nice) nice=$2; shift 2 ;;
    --app) app=$(realpath "$2"); shift 2 ;;
    --empty) empty=$(realpath "$2"); shift 2 ;;
    --compare) compare=$(realpath "$2"); shift 2 ;;
    -h | --help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "footprint: unknown option $1 (see --help)"; exit 2 ;;
  esac
done
if [ -z "$report" ]; then
  report=target/footprint.md
  [ "$profile" = debug ] && report=target/footprint-debug.md
fi
case "$report" in /*) ;; *) report="$PWD/$report" ;; esac
for tool in xvfb-run dbus-run-session node cargo; do
  command -v "$tool" >/dev/null || { echo "footprint: $tool is missing: run scripts/deps.sh"; exit 1; }
done

[ -f ui/dist/index.html ] || (cd ui && npm run --silent build)
cargo_flags=(--quiet)
[ -z "$app" ] && cargo_flags+=(--bin ticketdesk)
[ -z "$empty" ] && cargo_flags+=(--example empty-window)
[ "$profile" = release ] && cargo_flags+=(--release)
if [ -z "$app" ] || [ -z "$empty" ]; then
  echo "footprint: cargo build ${cargo_flags[*]}"
  cargo build "${cargo_flags[@]}"
fi
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
app=${app:-$target_dir/$profile/ticketdesk}
empty=${empty:-$target_dir/$profile/examples/empty-window}

# Directly under /tmp: as root the solo server runs as `postgres`, which must reach it.
work=$(mktemp -d /tmp/ticketdesk-footprint.XXXXXX)
chmod 755 "$work"
status=1
cleanup() {
  TICKETDESK_DATA_DIR="$work/data" "$app" solo stop >/dev/null 2>&1 || true
  if [ "$status" = 0 ] && [ -z "${FOOTPRINT_KEEP:-}" ]; then
    rm -rf "$work"
  else
    echo "footprint: logs kept in $work"
  fi
}
trap cleanup EXIT

# From here on (database, display, bus, windows) at the asked-for priority.
[ -n "$nice" ] && renice -n "$nice" -p $$ >/dev/null

# The database: a private cluster with the demo data (user `dev`), started here and left
# running for every run, so no run pays for starting it.
# Whatever database the caller's environment names is left alone.
unset TICKETDESK_DATABASE_URL
export TICKETDESK_DATA_DIR="$work/data"
database_failed() { echo "footprint: could not prepare the database:"; tail -20 "$work/solo.log"; exit 1; }
owner_url=$("$app" solo start 2>"$work/solo.log") || database_failed
"$app" demo-data >/dev/null 2>>"$work/solo.log" || database_failed
if [ "$mode" = team ]; then
  TICKETDESK_DATABASE_URL=$(TICKETDESK_DATABASE_URL=$owner_url "$app" create-desktop-login \
    --name "footprint_$$" 2>>"$work/solo.log") || database_failed
  export TICKETDESK_DATABASE_URL
  unset TICKETDESK_DATA_DIR
fi
# The first (warm-up) run signs in with these and keeps the refresh token; every counted run
# resumes the session with it, as a user's desktop does.
export TICKETDESK_MEASURE_LOGIN=dev TICKETDESK_MEASURE_PASSWORD=ticketdesk-demo

if [ -z "${WEBKIT_DISABLE_DMABUF_RENDERER+set}" ]; then
  export WEBKIT_DISABLE_DMABUF_RENDERER=1
elif [ -z "$WEBKIT_DISABLE_DMABUF_RENDERER" ]; then
  unset WEBKIT_DISABLE_DMABUF_RENDERER
fi
unset DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY DATABASE_URL

echo "footprint: $runs run(s) each after a warm-up, ${settle} s settle, $profile build, $mode mode"
# The display's and the bus's chatter (dbus-daemon, portals) goes to a log; the measurement
# prints its progress, table and errors on stdout.
status=0
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  node scripts/footprint.mjs --app "$app" --empty "$empty" --runs "$runs" --settle "$settle" \
  --report "$report" --work "$work" --mode "$mode" --profile "$profile" \
  --nice "${nice:-0}" --compare "$compare" 2>"$work/session.log" |
  sed -u '/^SpiRegistry daemon is running/d' || status=$?
exit "$status"
