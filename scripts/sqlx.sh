#!/usr/bin/env bash
# The query macros' offline data (.sqlx) from a migrated database at $DATABASE_URL.
#   scripts/sqlx.sh write   regenerates .sqlx (commit it)
#   scripts/sqlx.sh check   fails when .sqlx differs from what the server gives now
# Into an empty directory each time, so a stale file shows too. The macros run (and write) only
# when the crate recompiles, hence the touch.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${DATABASE_URL:-}" ] || { echo "scripts/sqlx.sh: set DATABASE_URL to a migrated database"; exit 1; }
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
touch src-tauri/lib.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$fresh cargo check --lib --quiet
case "${1:-}" in
  write) rm -rf .sqlx && mkdir .sqlx && cp "$fresh"/*.json .sqlx/ ;;
  check)
    if ! diff -r .sqlx "$fresh"; then
      echo ".sqlx does not match the queries on a migrated server: run 'make sqlx' (DATABASE_URL" \
        "of a database migrated by this checkout) and commit .sqlx"
      exit 1
    fi ;;
  *) echo "usage: scripts/sqlx.sh write|check"; exit 2 ;;
esac
