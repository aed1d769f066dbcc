# The README's two commands are `make run` and `make test`; everything else serves them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN := target/debug/ticketdesk
# The query macros check against .sqlx, so building needs no database (even with DATABASE_URL
# set); `make sqlx` is the one that talks to a server.
export SQLX_OFFLINE ?= true

.PHONY: help deps ui build run test e2e bindings sqlx package package-test

help:
	@echo "make run   - install what is missing, build, open ticketdesk in solo mode with demo data"
	@echo "make test  - install what is missing, then run every check and test"

deps:
	@scripts/deps.sh

ui: deps
	cd ui && npm run build

build: ui
	cargo build

run: build
	@scripts/run.sh

test: deps
	@scripts/test.sh

# A release .deb and .rpm of ticketdesk, made by Tauri's bundler (tauri.conf.json's `bundle`);
# prints their paths. No AppImage: its bundler downloads tools at build time.
package: ui
	@scripts/package.sh

# As root: installs that .deb, uses it as a throwaway non-root user in solo mode on Xvfb,
# upgrades it to a higher version and checks the user's data survived, then removes it all.
package-test: deps
	@scripts/package-test.sh

# The real-window test alone (needs `make build` and a database URL in DATABASE_URL).
e2e:
	@scripts/e2e.sh

# Regenerates .sqlx (the query macros' offline data; commit it) from DATABASE_URL, a database
# migrated by this checkout (`ticketdesk migrate`). Into an empty directory: no stale files.
sqlx:
	@scripts/sqlx.sh write
