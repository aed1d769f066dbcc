//! Tauri commands: thin adapters. Each opens the signed-in user's transaction, calls one use
//! case, commits, and maps its error to the `{ code, message }` the UI understands.

use std::path::{Path, PathBuf};

use tauri::ipc::{Channel, InvokeBody, Request};
use tauri::State;
use uuid::Uuid;

use crate::db::ticket_changes::{Assignment, PriorityChange, StatusChange};
use crate::db::{self, accounts};
use crate::domain::about::{self, About};
use crate::domain::attachment::{self, NewAttachment};
use crate::domain::draft::{DraftKey, SavedDraft};
use crate::domain::escalation::Escalation;
use crate::domain::mfa::MfaEnrolment;
use crate::domain::notification::NotificationPreference;
use crate::domain::outbox::{OutboxEntry, Submitted, Work};
use crate::domain::permissions;
use crate::domain::sla::{self, HolidayCalendar, SlaExplanation, SlaPolicy};
use crate::domain::ticket::CommentEdit;
use crate::domain::ticket::{
    NewComment, NewTicket, QueuePage, QueueQuery, TicketDetail, TicketSummary,
};
use crate::domain::user::UserSummary;
use crate::error::AppError;
use crate::offline::{self, Answer, OfflineCopy, Read};
use crate::state::AppState;
use crate::token_store::TokenStore;

type CommandResult<T> = Result<T, AppError>;

/// The UI's command table (`ui/src/lib/api.ts`) checked against this file.
#[cfg(test)]
mod contract;

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        current_user,
        sign_in,
        sign_out,
        mfa_status,
        mfa_begin_enrol,
        mfa_confirm,
        mfa_disable,
        list_users,
        list_queue,
        get_ticket,
        take_ticket_link,
        about,
        start_at_login,
        set_start_at_login,
        sign_in_kept_in,
        remember_open_ticket,
        last_open_ticket,
        create_ticket,
        change_status,
        assign_ticket,
        change_priority,
        add_comment,
        edit_comment,
        delete_comment,
        upload_chunk,
        attach_upload,
        download_attachment,
        list_notifications,
        mark_notification_read,
        mark_all_notifications_read,
        list_notification_preferences,
        set_notification_preference,
        reset_password,
        admin_list_users,
        admin_create_user,
        admin_update_user,
        admin_unlock,
        admin_issue_reset,
        get_ticket_sla,
        list_sla_policies,
        save_sla_policy,
        list_sla_calendars,
        save_sla_calendar,
        list_escalations,
        acknowledge_escalation,
        resolve_escalation,
        save_draft,
        load_draft,
        discard_draft,
        list_outbox,
        retry_outbox_item,
        discard_outbox_item
    ]
}

/// The signed-in user, signing in silently with the kept refresh token when there is one;
/// null means the sign-in screen. Waits for the database on first use.
#[tauri::command]
async fn current_user(state: State<'_, AppState>) -> CommandResult<Option<UserSummary>> {
    if let Some(user) = state.signed_in_user() {
        return Ok(Some(user));
    }
    Ok(state.resume_session().await?)
}

#[tauri::command]
async fn sign_in(
    state: State<'_, AppState>,
    login: String,
    password: String,
    mfa_code: Option<String>,
) -> CommandResult<UserSummary> {
    let code = mfa_code.as_deref().filter(|c| !c.trim().is_empty());
    Ok(state.sign_in(&login, &password, code).await?)
}

#[tauri::command]
async fn mfa_status(state: State<'_, AppState>) -> CommandResult<bool> {
    let (mut tx, _actor) = state.begin().await?;
    let on = db::auth::mfa_status(&mut tx).await?;
    db::auth::end_read(tx);
    Ok(on)
}

/// Starts two-factor enrolment: the secret and URI are shown once, then only the server has them.
#[tauri::command]
async fn mfa_begin_enrol(state: State<'_, AppState>) -> CommandResult<MfaEnrolment> {
    let account = state
        .signed_in_user()
        .map(|u| u.username)
        .unwrap_or_default();
    let (mut tx, _actor) = state.begin().await?;
    let enrolment = db::auth::mfa_begin(&mut tx, &account).await?;
    tx.commit().await?;
    Ok(enrolment)
}

#[tauri::command]
async fn mfa_confirm(state: State<'_, AppState>, code: String) -> CommandResult<()> {
    let (mut tx, _actor) = state.begin().await?;
    let on = db::auth::mfa_confirm(&mut tx, &code).await?;
    tx.commit().await?;
    if on {
        Ok(())
    } else {
        Err(AppError::new(
            crate::error::ErrorCode::Validation,
            "That code does not match; check the time on your device and try the next code.",
        ))
    }
}

#[tauri::command]
async fn mfa_disable(state: State<'_, AppState>, code: String) -> CommandResult<()> {
    let (mut tx, _actor) = state.begin().await?;
    let off = db::auth::mfa_disable(&mut tx, &code).await?;
    tx.commit().await?;
    if off {
        Ok(())
    } else {
        Err(AppError::new(
            crate::error::ErrorCode::Validation,
            "That code does not match, so two-factor authentication stays on.",
        ))
    }
}

/// Signs out; `forget_offline_data` also deletes this account's drafts from this disk.
#[tauri::command]
async fn sign_out(
    state: State<'_, AppState>,
    forget_offline_data: Option<bool>,
) -> CommandResult<()> {
    Ok(state.sign_out(forget_offline_data.unwrap_or(false)).await?)
}

#[tauri::command]
async fn list_users(state: State<'_, AppState>) -> CommandResult<Vec<UserSummary>> {
    let (mut tx, _actor) = state.begin().await?;
    let users = db::users::list_active(&mut *tx).await?;
    db::auth::end_read(tx);
    Ok(users)
}

#[tauri::command]
async fn list_queue(
    state: State<'_, AppState>,
    query: QueueQuery,
) -> CommandResult<Read<QueuePage>> {
    let first_page = query.after.is_none();
    // Known to be offline: the saved copy at once, rather than after the pool's 5 s.
    if first_page && !state.is_online() {
        if let Some(copy) = state.offline_copy(OfflineCopy::Queue).await? {
            return Ok(copy);
        }
    }
    let query = &query;
    let page = state
        .read(|pool, session| async move {
            db::tickets::queue_for_session(&pool, &session, query).await
        })
        .await;
    match page {
        Ok(page) => {
            if first_page {
                state.keep_offline_copy(OfflineCopy::Queue, &page).await;
            }
            Ok(Read::Live(page))
        }
        // Offline: the first page last viewed, as saved (later pages wait for the server).
        Err(err) if first_page && offline::goes_to_outbox(&err) => {
            Ok(state.offline_copy(OfflineCopy::Queue).await?.ok_or(err)?)
        }
        Err(err) => Err(err.into()),
    }
}

/// The About dialog: this build, and the server's schema and PostgreSQL versions (None while
/// the server cannot be reached).
#[tauri::command]
async fn about(state: State<'_, AppState>) -> CommandResult<About> {
    let versions = match state.pool().await {
        Ok(pool) => db::server_versions(pool).await.ok(),
        Err(_) => None,
    };
    let (schema, postgres) = versions.unwrap_or_default();
    Ok(About {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: schema.map(|v| v.to_string()),
        postgres_version: postgres.map(about::postgres_version),
    })
}

/// Whether ticketdesk starts in the tray at login (on after the first sign-in here).
#[tauri::command]
async fn start_at_login(state: State<'_, AppState>) -> CommandResult<bool> {
    Ok(crate::autostart::is_on(state.app_handle())?)
}

#[tauri::command]
async fn set_start_at_login(state: State<'_, AppState>, on: bool) -> CommandResult<bool> {
    Ok(crate::autostart::set(state.app_handle(), on)?)
}

/// Where this computer keeps the sign-in (the refresh token): the OS keyring, or the settings
/// file when no keyring answers.
#[tauri::command]
async fn sign_in_kept_in(state: State<'_, AppState>) -> CommandResult<TokenStore> {
    let app = state.app_handle().clone();
    tauri::async_runtime::spawn_blocking(move || crate::token_store::in_use(&app))
        .await
        .map_err(|e| AppError::from(crate::error::Error::Unexpected(e.into())))
}

/// Keeps the ticket the signed-in user has open (null: none) for the next start.
#[tauri::command]
async fn remember_open_ticket(
    state: State<'_, AppState>,
    ticket_id: Option<Uuid>,
) -> CommandResult<()> {
    if let Some(user) = state.signed_in_user() {
        crate::open_ticket_memory::remember(state.app_handle(), user.id, ticket_id);
    }
    Ok(())
}

/// The ticket the signed-in user had open when the app last ran, if any.
#[tauri::command]
async fn last_open_ticket(state: State<'_, AppState>) -> CommandResult<Option<Uuid>> {
    Ok(state
        .signed_in_user()
        .and_then(|user| crate::open_ticket_memory::recall(state.app_handle(), user.id)))
}

/// The ticket a `ticketdesk://` link asked for (issue 18), once the window can open it: its id,
/// or null when no link waits.
#[tauri::command]
async fn take_ticket_link(state: State<'_, AppState>) -> CommandResult<Option<Uuid>> {
    Ok(crate::links::take_waiting(&state).await?)
}

#[tauri::command]
async fn get_ticket(
    state: State<'_, AppState>,
    ticket_id: Uuid,
) -> CommandResult<Read<TicketDetail>> {
    if !state.is_online() {
        if let Some(copy) = state.offline_copy(OfflineCopy::Ticket(ticket_id)).await? {
            return Ok(copy);
        }
    }
    let read = async {
        let (mut tx, actor) = state.begin().await?;
        let detail = db::tickets::detail(&mut tx, actor, ticket_id).await?;
        db::auth::end_read(tx);
        Ok::<_, crate::error::Error>(detail)
    };
    match read.await {
        Ok(detail) => {
            state
                .keep_offline_copy(OfflineCopy::Ticket(ticket_id), &detail)
                .await;
            Ok(Read::Live(detail))
        }
        Err(err) if offline::goes_to_outbox(&err) => Ok(state
            .offline_copy(OfflineCopy::Ticket(ticket_id))
            .await?
            .ok_or(err)?),
        Err(err) => Err(err.into()),
    }
}

/// Files a ticket, or keeps it in the outbox while the server is away (issue 16).
#[tauri::command]
async fn create_ticket(
    state: State<'_, AppState>,
    input: NewTicket,
) -> CommandResult<Submitted<TicketSummary>> {
    submit(&state, Work::CreateTicket(input), Answer::ticket).await
}

#[tauri::command]
async fn change_status(
    state: State<'_, AppState>,
    change: StatusChange,
) -> CommandResult<Submitted<TicketDetail>> {
    submit(&state, Work::ChangeStatus(change), Answer::detail).await
}

#[tauri::command]
async fn assign_ticket(
    state: State<'_, AppState>,
    change: Assignment,
) -> CommandResult<Submitted<TicketDetail>> {
    submit(&state, Work::Assign(change), Answer::detail).await
}

#[tauri::command]
async fn change_priority(
    state: State<'_, AppState>,
    change: PriorityChange,
) -> CommandResult<Submitted<TicketDetail>> {
    submit(&state, Work::ChangePriority(change), Answer::detail).await
}

#[tauri::command]
async fn add_comment(
    state: State<'_, AppState>,
    input: NewComment,
) -> CommandResult<Submitted<TicketDetail>> {
    submit(&state, Work::AddComment(input), Answer::detail).await
}

/// Sends work now, or keeps it in the outbox and says so (the UI shows it as pending): when the
/// server is away, and when earlier work on the same ticket still waits there (it would be
/// overtaken otherwise). What can be checked here is checked first, so a form that is wrong is
/// refused while the user is at it, online or not.
async fn submit<T: ts_rs::TS>(
    state: &AppState,
    work: Work,
    answer: fn(Answer) -> crate::error::Result<T>,
) -> CommandResult<Submitted<T>> {
    let work = work.stamp();
    work.check().map_err(crate::error::Error::Validation)?;
    let store = state.local_store().await?;
    let waits = store
        .holds_ticket(work.ticket_id())
        .await
        .map_err(crate::error::Error::from)?;
    // Known to be offline: straight to the outbox (the sender tries the server by itself).
    if !waits && state.is_online() {
        match offline::send_once(&|| state.begin(), work.clone()).await {
            Ok(sent) => return Ok(Submitted::Sent(answer(sent)?)),
            Err(err) if !offline::goes_to_outbox(&err) => return Err(err.into()),
            Err(err) => tracing::info!(error = %err, "the server is away: into the outbox"),
        }
    }
    let entry = store
        .put(&work, chrono::Utc::now())
        .await
        .map_err(crate::error::Error::from)?;
    state.outbox_changed().await;
    Ok(Submitted::Queued(entry))
}

/// The outbox: work done offline and not sent yet, in the order it was done.
#[tauri::command]
async fn list_outbox(state: State<'_, AppState>) -> CommandResult<Vec<OutboxEntry>> {
    Ok(state.outbox_entries().await?)
}

/// Sends an item that needs the user again: as it is, edited (`work`: the same kind and id),
/// or with `on_top` based on the ticket as it is now (a change that met a newer version).
#[tauri::command]
async fn retry_outbox_item(
    state: State<'_, AppState>,
    id: Uuid,
    work: Option<Work>,
    on_top: Option<bool>,
) -> CommandResult<Vec<OutboxEntry>> {
    let store = state.local_store().await?;
    let item = store
        .outbox()
        .await
        .map_err(crate::error::Error::from)?
        .into_iter()
        .find(|item| item.id == id)
        .ok_or_else(|| {
            crate::error::Error::NotFound("That item is no longer in the outbox.".into())
        })?;
    let mut edited = match work {
        Some(work) => {
            let same = work.kind() == item.kind && work.id() == item.id;
            if !same {
                return Err(validation(
                    "An edit must keep the item's kind and id.".into(),
                ));
            }
            work.check().map_err(crate::error::Error::Validation)?;
            work
        }
        None => item.work().map_err(crate::error::Error::from)?,
    };
    if on_top == Some(true) {
        let (mut tx, actor) = state.begin().await?;
        let now = db::tickets::detail(&mut tx, actor, item.ticket_id).await?;
        db::auth::end_read(tx);
        edited.rebase(now.version);
    }
    let body =
        serde_json::to_string(&edited).map_err(|e| crate::error::Error::Unexpected(e.into()))?;
    store
        .retry(id, Some(&body))
        .await
        .map_err(crate::error::Error::from)?;
    state.outbox_changed().await;
    Ok(state.outbox_entries().await?)
}

/// Drops an item from the outbox: the user decided it should not be sent.
#[tauri::command]
async fn discard_outbox_item(
    state: State<'_, AppState>,
    id: Uuid,
) -> CommandResult<Vec<OutboxEntry>> {
    let store = state.local_store().await?;
    store.discard(id).await.map_err(crate::error::Error::from)?;
    state.outbox_changed().await;
    Ok(state.outbox_entries().await?)
}

#[tauri::command]
async fn edit_comment(
    state: State<'_, AppState>,
    edit: CommentEdit,
) -> CommandResult<TicketDetail> {
    let (mut tx, actor) = state.begin().await?;
    let detail = db::comments::edit(&mut tx, actor, edit).await?;
    tx.commit().await?;
    Ok(detail)
}

#[tauri::command]
async fn delete_comment(
    state: State<'_, AppState>,
    comment_id: Uuid,
) -> CommandResult<TicketDetail> {
    let (mut tx, actor) = state.begin().await?;
    let detail = db::comments::delete(&mut tx, actor, comment_id).await?;
    tx.commit().await?;
    Ok(detail)
}

/// One part of a file upload, sent as raw bytes (no JSON) with its place in headers:
/// `x-upload-id`, `x-seq` and `x-total-size` (a file over the limit is refused at part 0).
#[tauri::command]
async fn upload_chunk(state: State<'_, AppState>, request: Request<'_>) -> CommandResult<()> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| validation(format!("The upload part has no {name} header.")))
    };
    let upload_id: Uuid = header("x-upload-id")?
        .parse()
        .map_err(|_| validation("Invalid upload id.".into()))?;
    let seq: u32 = header("x-seq")?
        .parse()
        .map_err(|_| validation("Invalid upload part number.".into()))?;
    let total: u64 = header("x-total-size")?
        .parse()
        .map_err(|_| validation("Invalid upload size.".into()))?;
    attachment::check_size(total).map_err(validation)?;
    let InvokeBody::Raw(data) = request.body() else {
        return Err(validation("An upload part must be sent as bytes.".into()));
    };
    let (mut tx, _actor) = state.begin().await?;
    db::attachments::stage_chunk(&mut tx, upload_id, seq, data).await?;
    tx.commit().await?;
    Ok(())
}

fn validation(message: String) -> AppError {
    AppError::new(crate::error::ErrorCode::Validation, message)
}

#[tauri::command]
async fn attach_upload(
    state: State<'_, AppState>,
    input: NewAttachment,
) -> CommandResult<TicketDetail> {
    let (mut tx, actor) = state.begin().await?;
    let detail = db::attachments::attach(&mut tx, actor, input).await?;
    tx.commit().await?;
    Ok(detail)
}

/// Saves an attachment into the user's Downloads folder, reporting the bytes received so far
/// on `on_progress`; returns where it was saved. The file appears under its name only after
/// its checksum matched.
#[tauri::command]
async fn download_attachment(
    state: State<'_, AppState>,
    attachment_id: Uuid,
    on_progress: Channel<u64>,
) -> CommandResult<String> {
    let dir = directories::UserDirs::new()
        .and_then(|d| d.download_dir().map(Path::to_path_buf))
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_else(std::env::temp_dir);
    let partial = dir.join(format!(".ticketdesk-{attachment_id}.part"));
    let mut file = std::fs::File::create(&partial).map_err(|e| {
        AppError::new(
            crate::error::ErrorCode::Validation,
            format!("Cannot write to {}: {e}", dir.display()),
        )
    })?;
    let (mut tx, _actor) = state.begin().await?;
    let result = db::attachments::download(&mut tx, attachment_id, |part, so_far| {
        use std::io::Write;
        file.write_all(part)
            .map_err(|e| crate::error::Error::Unexpected(e.into()))?;
        let _ = on_progress.send(so_far);
        Ok(())
    })
    .await;
    tx.commit().await?;
    let downloaded = match result {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    let target = free_path(&dir, &downloaded.file_name);
    std::fs::rename(&partial, &target).map_err(|e| crate::error::Error::Unexpected(e.into()))?;
    Ok(target.display().to_string())
}

/// `name`, or `name (1)`, `name (2)`… so a download never overwrites a file.
fn free_path(dir: &Path, name: &str) -> PathBuf {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    (0..)
        .map(|n| match n {
            0 => dir.join(name),
            n => dir.join(format!("{stem} ({n}){ext}")),
        })
        .find(|p| !p.exists())
        .expect("an unbounded range always finds a free name")
}

/// The signed-in user's notification preferences: every event type on every channel.
#[tauri::command]
async fn list_notification_preferences(
    state: State<'_, AppState>,
) -> CommandResult<Vec<NotificationPreference>> {
    let (mut tx, _actor) = state.begin().await?;
    let grid = db::notification_preferences::list(&mut tx).await?;
    db::auth::end_read(tx);
    Ok(grid)
}

/// Stores one choice; returns the whole grid as it now is.
#[tauri::command]
async fn set_notification_preference(
    state: State<'_, AppState>,
    preference: NotificationPreference,
) -> CommandResult<Vec<NotificationPreference>> {
    let (mut tx, _actor) = state.begin().await?;
    let grid = db::notification_preferences::set(&mut tx, preference).await?;
    tx.commit().await?;
    Ok(grid)
}

/// The notification centre: the signed-in user's in-app notifications and the unread count.
#[tauri::command]
async fn list_notifications(
    state: State<'_, AppState>,
    query: crate::domain::notification::NotificationQuery,
) -> CommandResult<crate::domain::notification::NotificationPage> {
    let (mut tx, _actor) = state.begin().await?;
    let page = db::notifications::list(&mut tx, &query).await?;
    db::auth::end_read(tx);
    Ok(page)
}

/// Returns the unread count after.
#[tauri::command]
async fn mark_notification_read(
    state: State<'_, AppState>,
    notification_id: Uuid,
) -> CommandResult<i64> {
    let (mut tx, _actor) = state.begin().await?;
    let unread = db::notifications::mark_read(&mut tx, notification_id).await?;
    tx.commit().await?;
    crate::tray::refresh(state.app_handle());
    Ok(unread)
}

#[tauri::command]
async fn mark_all_notifications_read(state: State<'_, AppState>) -> CommandResult<i64> {
    let (mut tx, _actor) = state.begin().await?;
    let unread = db::notifications::mark_all_read(&mut tx).await?;
    tx.commit().await?;
    crate::tray::refresh(state.app_handle());
    Ok(unread)
}

/// Sets a new password with a reset code from an admin; no session needed.
#[tauri::command]
async fn reset_password(
    state: State<'_, AppState>,
    code: String,
    new_password: String,
) -> CommandResult<()> {
    Ok(accounts::complete_reset(state.pool().await?, &code, &new_password).await?)
}

/// Opens the signed-in admin's transaction; anyone else gets a clear `forbidden` before any
/// query (the database refuses them too).
async fn begin_admin(
    state: &AppState,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, crate::error::Error> {
    let (tx, actor) = state.begin().await?;
    permissions::check_manage_users(actor).map_err(crate::error::Error::Forbidden)?;
    Ok(tx)
}

#[tauri::command]
async fn admin_list_users(
    state: State<'_, AppState>,
) -> CommandResult<Vec<crate::domain::account::AccountView>> {
    let mut tx = begin_admin(&state).await?;
    let users = accounts::list(&mut tx).await?;
    tx.commit().await?;
    Ok(users)
}

#[tauri::command]
async fn admin_create_user(
    state: State<'_, AppState>,
    input: crate::domain::account::NewAccount,
) -> CommandResult<crate::domain::account::AccountView> {
    let mut tx = begin_admin(&state).await?;
    let id = accounts::create(&mut tx, input).await?;
    let created = accounts::list(&mut tx)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| {
            crate::error::Error::Unexpected(anyhow::anyhow!("created user not visible"))
        })?;
    tx.commit().await?;
    Ok(created)
}

#[tauri::command]
async fn admin_update_user(
    state: State<'_, AppState>,
    user_id: Uuid,
    change: crate::domain::account::AccountChange,
) -> CommandResult<()> {
    let mut tx = begin_admin(&state).await?;
    accounts::update(&mut tx, user_id, change).await?;
    tx.commit().await?;
    Ok(())
}

#[tauri::command]
async fn admin_unlock(state: State<'_, AppState>, user_id: Uuid) -> CommandResult<()> {
    let mut tx = begin_admin(&state).await?;
    accounts::unlock(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// A reset code to hand to the user (shown once).
#[tauri::command]
async fn admin_issue_reset(state: State<'_, AppState>, user_id: Uuid) -> CommandResult<String> {
    let mut tx = begin_admin(&state).await?;
    let code = accounts::issue_reset(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(code)
}

/// Both of a ticket's deadlines with the steps that set them ("Why this deadline?"); null when
/// the ticket has no SLA policy.
#[tauri::command]
async fn get_ticket_sla(
    state: State<'_, AppState>,
    ticket_id: Uuid,
) -> CommandResult<Option<SlaExplanation>> {
    let (mut tx, _) = state.begin().await?;
    let walk = db::sla::walk(&mut tx, ticket_id).await?;
    db::auth::end_read(tx);
    Ok(walk.as_ref().map(sla::explain))
}

#[tauri::command]
async fn list_sla_policies(state: State<'_, AppState>) -> CommandResult<Vec<SlaPolicy>> {
    let (mut tx, _) = state.begin().await?;
    let policies = db::sla::policies(&mut tx).await?;
    db::auth::end_read(tx);
    Ok(policies)
}

/// Managers and admins only; the database decides (and validates).
#[tauri::command]
async fn save_sla_policy(
    state: State<'_, AppState>,
    policy: SlaPolicy,
) -> CommandResult<Vec<SlaPolicy>> {
    let (mut tx, _) = state.begin().await?;
    db::sla::save_policy(&mut tx, &policy).await?;
    let policies = db::sla::policies(&mut tx).await?;
    tx.commit().await?;
    Ok(policies)
}

#[tauri::command]
async fn list_sla_calendars(state: State<'_, AppState>) -> CommandResult<Vec<HolidayCalendar>> {
    let (mut tx, _) = state.begin().await?;
    let calendars = db::sla::calendars(&mut tx).await?;
    db::auth::end_read(tx);
    Ok(calendars)
}

/// Managers and admins only; the database decides (and validates).
#[tauri::command]
async fn save_sla_calendar(
    state: State<'_, AppState>,
    calendar: HolidayCalendar,
) -> CommandResult<Vec<HolidayCalendar>> {
    let (mut tx, _) = state.begin().await?;
    db::sla::save_calendar(&mut tx, &calendar).await?;
    let calendars = db::sla::calendars(&mut tx).await?;
    tx.commit().await?;
    Ok(calendars)
}

/// The open escalations the signed-in lead, manager or admin may act on, oldest first.
#[tauri::command]
async fn list_escalations(state: State<'_, AppState>) -> CommandResult<Vec<Escalation>> {
    let (mut tx, _) = state.begin().await?;
    let escalations = db::escalations::list(&mut tx).await?;
    db::auth::end_read(tx);
    Ok(escalations)
}

/// Stops the escalation's rise; the list as it is now comes back.
#[tauri::command]
async fn acknowledge_escalation(
    state: State<'_, AppState>,
    escalation_id: Uuid,
) -> CommandResult<Vec<Escalation>> {
    let (mut tx, _) = state.begin().await?;
    db::escalations::acknowledge(&mut tx, escalation_id).await?;
    let escalations = db::escalations::list(&mut tx).await?;
    tx.commit().await?;
    crate::tray::refresh(state.app_handle());
    Ok(escalations)
}

/// Settles the escalation with notes (the database requires them).
#[tauri::command]
async fn resolve_escalation(
    state: State<'_, AppState>,
    escalation_id: Uuid,
    notes: String,
) -> CommandResult<Vec<Escalation>> {
    let (mut tx, _) = state.begin().await?;
    db::escalations::resolve(&mut tx, escalation_id, &notes).await?;
    let escalations = db::escalations::list(&mut tx).await?;
    tx.commit().await?;
    crate::tray::refresh(state.app_handle());
    Ok(escalations)
}

fn draft_key(key: &str) -> Result<DraftKey, AppError> {
    key.parse()
        .map_err(|why: String| crate::error::Error::Validation(why).into())
}

/// Keeps what a form holds as it is typed, on this disk (drafts survive a crash, a restart and
/// the server being away); returns when it was saved.
#[tauri::command]
async fn save_draft(
    state: State<'_, AppState>,
    key: String,
    body: serde_json::Value,
) -> CommandResult<chrono::DateTime<chrono::Utc>> {
    let key = draft_key(&key)?;
    let saved_at = chrono::Utc::now();
    let store = state.local_store().await?;
    store
        .save_draft(key, &body.to_string(), saved_at)
        .await
        .map_err(crate::error::Error::from)?;
    Ok(saved_at)
}

/// The kept draft of a form, if any.
#[tauri::command]
async fn load_draft(state: State<'_, AppState>, key: String) -> CommandResult<Option<SavedDraft>> {
    let key = draft_key(&key)?;
    let store = state.local_store().await?;
    let draft = store.draft(key).await.map_err(crate::error::Error::from)?;
    Ok(draft.map(SavedDraft::from))
}

/// Forgets a form's draft: it was sent, or the user discarded it.
#[tauri::command]
async fn discard_draft(state: State<'_, AppState>, key: String) -> CommandResult<()> {
    let key = draft_key(&key)?;
    let store = state.local_store().await?;
    store
        .discard_draft(key)
        .await
        .map_err(crate::error::Error::from)?;
    Ok(())
}
