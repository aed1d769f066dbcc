//! Integration tests against a real PostgreSQL server (the test run starts it: see the
//! Makefile's `test` target). `#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]` gives every test its own fresh, migrated database.

mod helpers;

mod accounts;
mod attachments;
mod auth;
mod comments;
mod delivery;
mod demo_data;
mod escalations;
mod exactly_once;
mod hostile;
mod listener;
mod mfa;
mod notifications;
mod outbox;
mod pool;
mod preferences;
mod schema;
mod schema_version;
mod search;
mod sla;
mod sla_clock;
mod solo;
mod synthetic;
mod ticket_events;
mod tickets;
mod upgrade;
mod worker;
mod workflow;
