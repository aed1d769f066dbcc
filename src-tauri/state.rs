//! What every Tauri command, the tray and the notification handlers share: the open backend,
//! the session, the account's local store, and whether the server is reachable. Kept apart
//! from `app` (which builds the window and runs the background tasks), so the modules that
//! use the state do not import the module that starts them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::{PgPool, Postgres, Transaction};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::{watch, Mutex, Notify, OnceCell};
use uuid::Uuid;

use crate::backend::Backend;
use crate::config::DatabaseTarget;
use crate::db::{self, auth};
use crate::domain::outbox::OutboxEntry;
use crate::domain::permissions::Actor;
use crate::domain::user::UserSummary;
use crate::error::{Error, Result};
use crate::local::store::{self, LocalStore};
use crate::offline::{OfflineCopy, Read};
use crate::token_store::SESSION_STORE;

/// What every command can reach through `State<AppState>`.
pub struct AppState {
    app: AppHandle,
    target: DatabaseTarget,
    backend: OnceCell<Backend>,
    /// One try at opening the backend at a time, and how many ended (see `backend`).
    opening: Mutex<()>,
    open_tries: AtomicU64,
    refusal: std::sync::Mutex<Option<String>>,
    /// The signed-in user and their tokens; the notification listener follows it.
    session: watch::Sender<Option<auth::SignedIn>>,
    /// The local store (drafts, outbox, offline copies) of the account it was opened for.
    local: Mutex<Option<(Uuid, LocalStore)>>,
    /// Wakes the outbox's sender: work was queued or retried, or the server is back.
    outbox_kick: Notify,
    /// Who was signed in, when the app started while the server was away: their drafts,
    /// outbox and offline copies are usable, and the session resumes (with the kept refresh
    /// token) as soon as a command or the outbox's sender reaches the server.
    offline_as: std::sync::Mutex<Option<UserSummary>>,
    /// One refresh at a time: refresh tokens rotate, and a second refresh with the token the
    /// first one just replaced reads as a stolen token (the server revokes the session).
    refreshing: Mutex<()>,
    /// The live connection as the listener last saw it (true until it says otherwise). While
    /// false, writes go straight to the outbox and reads to the offline copies, instead of each
    /// waiting out the pool's 5 s first.
    online: AtomicBool,
    /// The backend could not be opened on the last try: commands fail at once rather than each
    /// waiting 5 s for another try; `connect_and_listen` keeps trying and opens it.
    backend_down: AtomicBool,
}

// Who signed in last is kept in the session store (`token_store::SESSION_STORE`), where the
// refresh token itself goes only when no keyring answers; the password is never kept.
/// Whose refresh token it is: a desktop told at renewal that the account was deactivated
/// wipes that account's offline data, before anyone has signed in.
const LAST_USER_KEY: &str = "lastUserId";
/// And who that is, for the header of an app started while the server is away.
const LAST_USER_SUMMARY_KEY: &str = "lastUser";

impl AppState {
    pub fn new(app: AppHandle, target: DatabaseTarget) -> Self {
        Self {
            app,
            target,
            backend: OnceCell::new(),
            opening: Mutex::new(()),
            open_tries: AtomicU64::new(0),
            refusal: std::sync::Mutex::new(None),
            session: watch::Sender::new(None),
            local: Mutex::new(None),
            outbox_kick: Notify::new(),
            offline_as: std::sync::Mutex::new(None),
            refreshing: Mutex::new(()),
            online: AtomicBool::new(true),
            backend_down: AtomicBool::new(false),
        }
    }

    /// The backend if it was opened (the exit path closes it, never opens it).
    pub fn opened_backend(&self) -> Option<&Backend> {
        self.backend.get()
    }

    /// What `app::connect_and_listen` learnt on its last try to open the backend.
    pub(crate) fn set_backend_down(&self, down: bool) {
        self.backend_down.store(down, Ordering::Relaxed);
    }

    /// Resolves when the outbox's sender is wanted (see `outbox_changed`, `kick_outbox`).
    pub(crate) async fn outbox_wanted(&self) {
        self.outbox_kick.notified().await;
    }

    /// Whether the live connection is up, as far as the app knows.
    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }

    pub fn set_online(&self, online: bool) {
        self.online.store(online, Ordering::Relaxed);
    }

    /// The outbox as the UI shows it.
    pub async fn outbox_entries(&self) -> Result<Vec<OutboxEntry>> {
        let items = self.local_store().await?.outbox().await?;
        Ok(items.iter().filter_map(|item| item.entry()).collect())
    }

    /// Tells the window the outbox changed (event `outbox`, the entries) and wakes the sender.
    pub async fn outbox_changed(&self) {
        self.outbox_kick.notify_one();
        match self.outbox_entries().await {
            Ok(entries) => {
                let _ = self.app.emit(crate::events::OUTBOX, &entries);
            }
            Err(err) => tracing::warn!(error = %err, "cannot read the outbox"),
        }
    }

    /// The server is back (the listener reconnected): send what waits.
    pub fn kick_outbox(&self) {
        self.outbox_kick.notify_one();
    }

    /// Keeps what the server just sent for reading offline. Best effort: a full disk must not
    /// fail the read that succeeded.
    pub async fn keep_offline_copy<T: serde::Serialize>(&self, which: OfflineCopy, value: &T) {
        let kept = async {
            let store = self.local_store().await?;
            let body = serde_json::to_string(value).map_err(|e| Error::Unexpected(e.into()))?;
            let now = chrono::Utc::now();
            match which {
                OfflineCopy::Queue => store.cache_queue(&body, now).await?,
                OfflineCopy::Ticket(id) => store.cache_ticket(id, &body, now).await?,
            }
            Ok::<_, Error>(())
        };
        if let Err(err) = kept.await {
            tracing::warn!(error = %err, "cannot keep an offline copy");
        }
    }

    /// Loads the user's own open tickets (assigned to them, requested by them; the most recently
    /// updated 50 of each) into the offline copies, so they are readable when the server is
    /// away (issue 16, item 4). Returns how many were kept.
    pub async fn keep_my_open_tickets(&self, me: Uuid) -> Result<usize> {
        use crate::domain::ticket::{QueueQuery, QueueSort, Status};
        let open = vec![
            Status::New,
            Status::Open,
            Status::InProgress,
            Status::PendingInfo,
            Status::Reopened,
            Status::Escalated,
        ];
        let mine = [
            QueueQuery {
                assignee_id: Some(me),
                ..QueueQuery::default()
            },
            QueueQuery {
                requestor_id: Some(me),
                ..QueueQuery::default()
            },
        ];
        let mut ids = Vec::new();
        for query in mine {
            let query = QueueQuery {
                statuses: open.clone(),
                limit: Some(50),
                sort: QueueSort::Updated,
                ..query
            };
            let query = &query;
            let page = self
                .read(|pool, session| async move {
                    db::tickets::queue_for_session(&pool, &session, query).await
                })
                .await?;
            ids.extend(page.tickets.into_iter().map(|t| t.id));
        }
        ids.sort_unstable();
        ids.dedup();
        for &id in &ids {
            let (mut tx, actor) = self.begin().await?;
            let detail = db::tickets::detail(&mut tx, actor, id).await?;
            db::auth::end_read(tx);
            self.keep_offline_copy(OfflineCopy::Ticket(id), &detail)
                .await;
        }
        Ok(ids.len())
    }

    /// This desktop's copy, for reading while the server is away; None when there is none.
    pub async fn offline_copy<T>(&self, which: OfflineCopy) -> Result<Option<Read<T>>> {
        let store = self.local_store().await?;
        let saved = match which {
            OfflineCopy::Queue => store.cached_queue().await?,
            OfflineCopy::Ticket(id) => store.cached_ticket(id).await?,
        };
        saved
            .map(|saved| crate::offline::saved_copy(&saved.body, saved.saved_at))
            .transpose()
            .map_err(Error::from)
    }

    /// The signed-in account's local store, opened on first use (and reopened when another
    /// account signed in). Works with the server away: it needs only who is signed in.
    pub async fn local_store(&self) -> Result<LocalStore> {
        let user = self
            .signed_in_user()
            .ok_or_else(|| Error::Unauthenticated("Sign in first.".into()))?;
        let mut local = self.local.lock().await;
        if let Some((owner, store)) = local.as_ref() {
            if *owner == user.id {
                return Ok(store.clone());
            }
            store.close().await;
        }
        let data_dir = self
            .app
            .path()
            .app_data_dir()
            .map_err(|e| Error::Unexpected(e.into()))?;
        let store = LocalStore::open(&store::path_for(&data_dir, user.id)).await?;
        *local = Some((user.id, store.clone()));
        Ok(store)
    }

    /// The open backend; the first caller opens it. A failure leaves it closed, so a later
    /// call tries again, but callers that waited on that try take its outcome rather than
    /// each trying in turn: a try at an unreachable server takes the pool's 5 s, and an app
    /// started offline would otherwise paint only after two of them.
    pub async fn backend(&self) -> Result<&Backend> {
        if let Some(backend) = self.backend.get() {
            return Ok(backend);
        }
        let tries_seen = self.open_tries.load(Ordering::Acquire);
        let _one_at_a_time = self.opening.lock().await;
        if let Some(backend) = self.backend.get() {
            return Ok(backend);
        }
        if self.open_tries.load(Ordering::Acquire) != tries_seen {
            // The try this call waited on failed.
            return Err(self.not_opened());
        }
        let opened = Backend::open(&self.target).await;
        // Counted when it ended: a caller that arrived while it ran saw the count before it.
        self.open_tries.fetch_add(1, Ordering::AcqRel);
        *self.refused_by_server() = match &opened {
            Err(Error::Incompatible(why)) => Some(why.clone()),
            _ => None,
        };
        let opened = opened?;
        Ok(self.backend.get_or_init(|| async { opened }).await)
    }

    /// Why the server was refused on the last try, when it was reachable but does not fit
    /// (its schema): said again to callers that do not try themselves, rather than "offline".
    fn refused_by_server(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.refusal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The error for a caller that did not try to open the backend itself.
    fn not_opened(&self) -> Error {
        match self.refused_by_server().clone() {
            Some(why) => Error::Incompatible(why),
            None => Error::Unavailable(anyhow::anyhow!("the database cannot be reached")),
        }
    }

    pub async fn pool(&self) -> Result<&PgPool> {
        if self.backend.get().is_none() && self.backend_down.load(Ordering::Relaxed) {
            return Err(self.not_opened());
        }
        Ok(&self.backend().await?.pool)
    }

    pub fn app_handle(&self) -> &AppHandle {
        &self.app
    }

    /// Follows sign-in, sign-out and renewals of the session (the tray refreshes on each).
    pub fn session_changes(&self) -> watch::Receiver<Option<auth::SignedIn>> {
        self.session.subscribe()
    }

    /// The signed-in user; while the app started offline, the user it resumes as.
    pub fn signed_in_user(&self) -> Option<UserSummary> {
        let session = self.session.borrow().as_ref().map(|s| s.user.clone());
        session.or_else(|| self.offline_user())
    }

    fn offline_user(&self) -> Option<UserSummary> {
        self.offline_as
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set_offline_user(&self, user: Option<UserSummary>) {
        *self
            .offline_as
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = user;
    }

    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        mfa_code: Option<&str>,
    ) -> Result<UserSummary> {
        let pool = self.pool().await?;
        let tokens = auth::sign_in(pool, login, password, mfa_code, Some(&device_name())).await?;
        let user = self.start_session(tokens).await?;
        crate::autostart::after_sign_in(&self.app);
        Ok(user)
    }

    /// Signs in again with the refresh token kept from the last run, if it is still valid.
    /// With the server away, the app starts as the user the token belongs to (issue 16): their
    /// local store works, and the session itself follows once the server answers.
    pub async fn resume_session(&self) -> Result<Option<UserSummary>> {
        let _one_at_a_time = self.refreshing.lock().await;
        if let Some(session) = self.session.borrow().as_ref() {
            return Ok(Some(session.user.clone())); // resumed while this call waited
        }
        let Some(refresh_token) = self.stored_refresh_token() else {
            return self.measurement_sign_in().await;
        };
        let refreshed = match self.pool().await {
            Ok(pool) => auth::refresh(pool, &refresh_token).await,
            Err(err) => Err(err),
        };
        match refreshed {
            Ok(tokens) => Ok(Some(self.start_session(tokens).await?)),
            Err(Error::Unauthenticated(reason)) => {
                self.set_offline_user(None);
                self.store_refresh_token(None);
                self.forget_if_deactivated(&reason).await;
                Ok(None)
            }
            Err(Error::Unavailable(err)) => match self.last_user() {
                Some(user) => {
                    tracing::info!(user = %user.username, "the server is away: starting offline");
                    self.set_offline_user(Some(user.clone()));
                    Ok(Some(user))
                }
                None => Err(Error::Unavailable(err)),
            },
            Err(other) => Err(other),
        }
    }

    /// Started offline: resumes the session now that a command needs the server. Still away:
    /// `Unavailable` (writes then go to the outbox, reads to the offline copies).
    async fn resume_if_started_offline(&self) -> Result<()> {
        if self.session.borrow().is_some() || self.offline_user().is_none() {
            return Ok(());
        }
        // In a task of its own: the caller may be cancelled (a send's timeout), and a refresh
        // the server committed must still have its new token kept.
        let app = self.app.clone();
        let resumed =
            tauri::async_runtime::spawn(
                async move { app.state::<AppState>().resume_session().await },
            )
            .await
            .map_err(|e| Error::Unexpected(e.into()))?;
        match resumed? {
            Some(_) if self.session.borrow().is_some() => Ok(()),
            Some(_) => Err(Error::Unavailable(anyhow::anyhow!(
                "the server is still away"
            ))),
            None => Err(Error::Unauthenticated(
                "Your session has ended; sign in again.".into(),
            )),
        }
    }

    /// scripts/footprint.sh only: signs in as the user its variables name (see `first_paint`);
    /// without them, or if that fails, the sign-in screen as usual.
    async fn measurement_sign_in(&self) -> Result<Option<UserSummary>> {
        let Some((login, password)) = crate::first_paint::measurement_credentials() else {
            return Ok(None);
        };
        match self.sign_in(&login, &password, None).await {
            Ok(user) => Ok(Some(user)),
            Err(err) => {
                tracing::warn!(error = %err, "the measurement's sign-in failed");
                Ok(None)
            }
        }
    }

    /// Ends the session; with `forget_offline_data`, also deletes this account's local store
    /// (drafts) from this disk. Kept otherwise, for the same account's next sign-in.
    pub async fn sign_out(&self, forget_offline_data: bool) -> Result<()> {
        let user = self.signed_in_user();
        self.set_offline_user(None);
        let session = self.session.send_replace(None);
        self.store_refresh_token(None);
        let open = self.local.lock().await.take();
        if let Some((_, store)) = &open {
            store.close().await;
        }
        if let (true, Some(user)) = (forget_offline_data, user) {
            let data_dir = self
                .app
                .path()
                .app_data_dir()
                .map_err(|e| Error::Unexpected(e.into()))?;
            store::forget_files(&store::path_for(&data_dir, user.id))?;
        }
        if let Some(session) = session {
            auth::sign_out(self.pool().await?, &session.tokens.session_token).await?;
        }
        Ok(())
    }

    async fn start_session(&self, tokens: auth::SessionTokens) -> Result<UserSummary> {
        let pool = self.pool().await?;
        let (mut tx, actor) = auth::begin_acting(pool, &tokens.session_token).await?;
        let actor = actor.ok_or_else(|| Error::Unauthenticated(auth::SIGN_IN_FAILED.into()))?;
        let user = db::users::find_active(&mut *tx, actor.id).await?;
        tx.commit().await?;
        // Remembered first: saving the refresh token saves the store with both.
        self.remember_user(&user);
        self.set_offline_user(None);
        self.store_refresh_token(Some(&tokens.refresh_token));
        self.session.send_replace(Some(auth::SignedIn {
            user: user.clone(),
            tokens,
        }));
        Ok(user)
    }

    /// A transaction acting for the signed-in user, and who that is. An ended session is
    /// renewed once with the refresh token; if that fails the user must sign in again.
    pub async fn begin(&self) -> Result<(Transaction<'static, Postgres>, Actor)> {
        self.resume_if_started_offline().await?;
        let pool = self.pool().await?;
        for renewed in [false, true] {
            let session = self.signed_in()?;
            let (tx, actor) = auth::begin_acting(pool, &session.tokens.session_token).await?;
            if let Some(actor) = actor {
                return Ok((tx, actor));
            }
            tx.rollback().await?;
            if renewed || !self.renew_ended(pool, &session).await? {
                break;
            }
        }
        Err(self.session_ended())
    }

    /// A read that is one API call bringing the session token itself, with no transaction
    /// around it (e.g. `db::tickets::queue_for_session`): `read` gets the pool and the token.
    /// An ended session is renewed once, as in [`Self::begin`].
    pub async fn read<T, F, Fut>(&self, read: F) -> Result<T>
    where
        F: Fn(PgPool, String) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        self.resume_if_started_offline().await?;
        let pool = self.pool().await?;
        for renewed in [false, true] {
            let session = self.signed_in()?;
            match read(pool.clone(), session.tokens.session_token.clone()).await {
                Err(Error::Unauthenticated(_)) => {}
                done => return done,
            }
            if renewed || !self.renew_ended(pool, &session).await? {
                break;
            }
        }
        Err(self.session_ended())
    }

    fn signed_in(&self) -> Result<auth::SignedIn> {
        self.session
            .borrow()
            .clone()
            .ok_or_else(|| Error::Unauthenticated("Sign in first.".into()))
    }

    /// Renews a session the server found ended; false when the refresh token is refused too.
    async fn renew_ended(&self, pool: &PgPool, session: &auth::SignedIn) -> Result<bool> {
        let _one_at_a_time = self.refreshing.lock().await;
        let renewed_meanwhile = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|now| now.tokens.session_token != session.tokens.session_token);
        if renewed_meanwhile {
            return Ok(true);
        }
        match auth::refresh(pool, &session.tokens.refresh_token).await {
            Ok(tokens) => self.start_session(tokens).await.map(|_| true),
            Err(Error::Unauthenticated(reason)) => {
                self.forget_if_deactivated(&reason).await;
                Ok(false)
            }
            Err(other) => Err(other),
        }
    }

    /// When the server said the account was deactivated: this account's local store (drafts,
    /// the outbox) is deleted from this disk (issue 16, item 2).
    async fn forget_if_deactivated(&self, reason: &str) {
        if reason != crate::error::ACCOUNT_DEACTIVATED {
            return;
        }
        let Some(user_id) = self.last_user_id() else {
            return;
        };
        if let Some((_, store)) = self.local.lock().await.take() {
            store.close().await;
        }
        let forgotten = self
            .app
            .path()
            .app_data_dir()
            .map_err(anyhow::Error::from)
            .and_then(|dir| store::forget_if_deactivated(&dir, user_id, reason));
        match forgotten {
            Ok(_) => tracing::info!(%user_id, "account deactivated: its offline data was wiped"),
            Err(err) => tracing::warn!(%err, "cannot wipe a deactivated account's offline data"),
        }
    }

    fn last_user_id(&self) -> Option<Uuid> {
        use tauri_plugin_store::StoreExt;
        let store = self.app.store(SESSION_STORE).ok()?;
        store.get(LAST_USER_KEY)?.as_str()?.parse().ok()
    }

    /// Forgets an ended session: the user must sign in again.
    fn session_ended(&self) -> Error {
        self.session.send_replace(None);
        self.store_refresh_token(None);
        Error::Unauthenticated("Your session has ended; sign in again.".into())
    }

    /// Swaps the session for a fresh one with the refresh token, before it ends on its own.
    pub(crate) async fn renew_session(&self) -> Result<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        let Some(session) = self.session.borrow().clone() else {
            return Ok(());
        };
        match auth::refresh(self.pool().await?, &session.tokens.refresh_token).await {
            Ok(tokens) => self.start_session(tokens).await.map(drop),
            Err(Error::Unauthenticated(reason)) => {
                // Revoked or expired: the next command sends the user to the sign-in screen.
                self.session.send_replace(None);
                self.store_refresh_token(None);
                self.forget_if_deactivated(&reason).await;
                Err(Error::Unauthenticated(reason))
            }
            Err(other) => Err(other),
        }
    }

    fn stored_refresh_token(&self) -> Option<String> {
        crate::token_store::load(&self.app)
    }

    fn remember_user(&self, user: &UserSummary) {
        use tauri_plugin_store::StoreExt;
        if let Ok(store) = self.app.store(SESSION_STORE) {
            store.set(LAST_USER_KEY, user.id.to_string());
            if let Ok(summary) = serde_json::to_value(user) {
                store.set(LAST_USER_SUMMARY_KEY, summary);
            }
        }
    }

    /// Who the kept refresh token belongs to, as the header showed them.
    fn last_user(&self) -> Option<UserSummary> {
        use tauri_plugin_store::StoreExt;
        let store = self.app.store(SESSION_STORE).ok()?;
        let user: UserSummary = serde_json::from_value(store.get(LAST_USER_SUMMARY_KEY)?).ok()?;
        (Some(user.id) == self.last_user_id()).then_some(user)
    }

    fn store_refresh_token(&self, token: Option<&str>) {
        crate::token_store::save(&self.app, token);
    }
}

fn device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    format!("ticketdesk desktop on {}", host.trim())
}
