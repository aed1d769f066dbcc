#!/usr/bin/env bash
# Every check and test, on real parts: a private PostgreSQL cluster started here, headless
# Chromium for the UI, the real app window under Xvfb + D-Bus for end-to-end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# The query macros check against .sqlx, not a live server: no build here needs a database (the
# step after the Rust tests checks .sqlx against one).
export SQLX_OFFLINE=true
# Each step says when it began (seconds into this script), so a slower CI run shows where.
step() { echo; echo "==> $* (at ${SECONDS} s)"; }

step "format and UI type check"
cargo fmt --check
(cd ui && npm run --silent check && npm run --silent build)

step "clippy"
cargo clippy --all-targets --quiet -- -D warnings

step "build"
cargo build --quiet

step "test database"
# Directly under /tmp: as root the server runs as `postgres`, which must reach the directory.
pgdir=$(mktemp -d /tmp/ticketdesk-test-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup() { target/debug/ticketdesk solo stop --dir "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
DATABASE_URL=$(target/debug/ticketdesk solo start --dir "$pgdir")
export DATABASE_URL

step "Rust unit and integration tests (real PostgreSQL)"
cargo test --quiet --no-fail-fast

step "compile-checked queries: .sqlx matches the migrated server"
TICKETDESK_DATABASE_URL=$DATABASE_URL target/debug/ticketdesk migrate
scripts/sqlx.sh check

step "benchmark harness runs (a few samples on the demo data; timings are not checked here)"
TICKETDESK_DATABASE_URL=$DATABASE_URL target/debug/ticketdesk demo-data --scale 2000
TICKETDESK_DATABASE_URL=$DATABASE_URL target/debug/ticketdesk bench --samples 3
TICKETDESK_DATABASE_URL=$DATABASE_URL xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- target/debug/ticketdesk bench --notify --samples 3 2>&1 | grep -v '^dbus-daemon'

step "footprint harness runs (the app and the empty window under Xvfb; timings are not checked here)"
scripts/footprint.sh --debug --runs 1 --settle 1

step "generated TypeScript types are committed"
if ! git diff --exit-code --stat -- ui/src/lib/bindings || [ -n "$(git ls-files --others --exclude-standard ui/src/lib/bindings)" ]; then
  echo "ui/src/lib/bindings is stale: run the tests and commit the regenerated files"; exit 1
fi

step "UI tests (headless Chromium)"
(cd ui && npm test --silent)

step "end-to-end: the real window under Xvfb + D-Bus, two desktops, WebDriver"
# The e2e may stop and start this server (the offline test): it is told where it lives.
E2E_PG_DIR=$pgdir scripts/e2e.sh

step "package: a release .deb and .rpm by Tauri's bundler (make package)"
scripts/package.sh

step "package test: the .deb installed, used as a non-root user in solo mode, upgraded in place"
scripts/package-test.sh
