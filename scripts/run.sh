#!/usr/bin/env bash
# Opens ticketdesk. With no TICKETDESK_DATABASE_URL it runs in solo mode: a private PostgreSQL
# under the data directory, migrated and filled with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/ticketdesk

if [ -z "${TICKETDESK_DATABASE_URL:-}" ]; then
  echo "run: solo mode (no TICKETDESK_DATABASE_URL); loading demo data"
fi
"$bin" demo-data

cmd=("$bin")
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  cmd=(dbus-run-session -- "${cmd[@]}")
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display found, so the window opens on a virtual screen (Xvfb) you cannot see."
  echo "run: set DISPLAY to use a real one. Stop with Ctrl-C."
  cmd=(xvfb-run -a -s "-screen 0 1280x800x24" "${cmd[@]}")
fi
exec "${cmd[@]}"
