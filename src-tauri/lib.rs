//! ticketdesk: a desktop ticketing app for DevOps teams.
//!
//! - `domain`   pure rules and types (no IO)
//! - `db`       SQL per aggregate, migrations
//! - `generate` the demo data and the synthetic load for the benchmarks
//! - `commands` thin Tauri adapters; `state` what they share (session, store, backend);
//!   `app` builds the window and runs its background tasks; `backend` an opened database
//! - `notify`   LISTEN/NOTIFY delivery and native notifications, `tray` the system tray
//! - `solo`     the private PostgreSQL cluster, `config` which database to use
//! - `cli`      the command line of the one binary, `bench` its benchmark
//! - `autostart` starting at login into the tray
//! - `first_paint` the UI's "window ready" report, timed by scripts/footprint.sh
//! - `token_store` the refresh token in the OS keyring (the settings file as fallback)
//! - `local`    the account's store on this disk: drafts, outbox, read cache (SQLite, crash-safe)
//! - `links`    `ticketdesk://ticket/…` links handed over by a second launch
//! - `open_ticket_memory` the ticket each user had open, across restarts
//! - `offline`  sends the outbox when the server is back (issue 16)
//! - `worker`   the headless delivery of EMAIL, SLACK and SMS notifications

pub mod app;
pub mod autostart;
pub mod backend;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod first_paint;
pub mod generate;
pub mod links;
pub mod local;
pub mod notify;
pub mod offline;
pub mod open_ticket_memory;
pub mod solo;
pub mod state;
pub mod token_store;
pub mod tray;
pub mod worker;
