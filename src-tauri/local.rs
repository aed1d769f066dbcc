//! What the desktop keeps on the user's own disk (issue 16): drafts, and later the offline
//! outbox and the read cache. Nothing here talks to the server.

pub mod store;
