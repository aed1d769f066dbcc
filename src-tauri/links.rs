//! `ticketdesk://ticket/TKT-…` links (issue 18). The desktop entry hands a clicked link to a new
//! `ticketdesk` process; tauri-plugin-single-instance passes its arguments to the running app
//! and tauri-plugin-deep-link reads the link from them (or from this process's own arguments
//! when the link started the app).
//!
//! A link is kept until the window takes it (`take`): the window may not be listening yet (it
//! is still loading, or nobody is signed in), so the app tells it a link is waiting and the
//! window asks for it when it can open tickets, once signed in and whenever told.

use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager, Url};
use tauri_plugin_deep_link::DeepLinkExt;

use uuid::Uuid;

use crate::db;
use crate::domain::link::parse_ticket_link;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The ticket number of the last link not yet taken by the window.
#[derive(Default)]
pub struct PendingLink(Mutex<Option<String>>);

impl PendingLink {
    fn put(&self, number: String) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(number);
    }

    /// Puts a link back that could not be resolved just now, unless a newer one came meanwhile.
    fn put_back(&self, number: String) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(number);
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Follows links opened while the app runs, and the one it was started with.
pub fn listen(app: &AppHandle) {
    app.manage(PendingLink::default());
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            open(&handle, &url);
        }
    });
    match app.deep_link().get_current() {
        Ok(Some(urls)) => urls.iter().for_each(|url| open(app, url)),
        Ok(None) => {}
        Err(err) => tracing::warn!(%err, "cannot read the link the app was started with"),
    }
}

/// Keeps the link's ticket for the window, brings the window up and tells it.
fn open(app: &AppHandle, url: &Url) {
    let number = match parse_ticket_link(url.as_str()) {
        Ok(number) => number,
        Err(why) => {
            tracing::warn!(%url, why, "ignoring a link");
            return;
        }
    };
    tracing::info!(%number, "opening a ticket link");
    app.state::<PendingLink>().put(number);
    crate::tray::show_main_window(app);
    if let Err(err) = app.emit_to(crate::tray::MAIN_WINDOW, crate::events::LINK_OPENED, ()) {
        tracing::warn!(%err, "cannot tell the window about a link");
    }
}

/// The id of the waiting link's ticket, as the signed-in user may see it; None when no link
/// waits. The link stays waiting when the session or the server is not there to answer.
pub async fn take_waiting(state: &AppState) -> Result<Option<Uuid>> {
    let pending = state.app_handle().state::<PendingLink>();
    let Some(number) = pending.take() else {
        return Ok(None);
    };
    let resolved = async {
        let (mut tx, _) = state.begin().await?;
        let id = db::tickets::id_by_number(&mut tx, &number).await?;
        db::auth::end_read(tx);
        Ok(id)
    };
    match resolved.await {
        Ok(id) => Ok(Some(id)),
        Err(Error::NotFound(_)) => Err(Error::NotFound(format!(
            "The link opens {number}, but there is no such ticket that you can see."
        ))),
        Err(err) => {
            pending.put_back(number);
            Err(err)
        }
    }
}
