//! ticketdesk: a desktop ticketing app for DevOps teams.
//!
//! - `domain`   pure rules and types (no IO)
//! - `db`       SQL per aggregate, migrations, demo data
//! - `commands` thin Tauri adapters, `app` the window's state and lifecycle
//! - `notify`   LISTEN/NOTIFY delivery and native notifications
//! - `solo`     the private PostgreSQL cluster, `config` which database to use
//! - `cli`      the command line of the one binary, `bench` its benchmark

pub mod app;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod notify;
pub mod solo;
