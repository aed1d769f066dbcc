//! Tauri commands: thin adapters. Each opens the signed-in user's transaction, calls one use
//! case, commits, and maps its error to the `{ code, message }` the UI understands.

use tauri::State;
use uuid::Uuid;

use crate::app::AppState;
use crate::db::{self, accounts};
use crate::domain::mfa::MfaEnrolment;
use crate::domain::permissions;
use crate::domain::ticket::{NewTicket, QueuePage, QueueQuery, TicketDetail, TicketSummary};
use crate::domain::user::UserSummary;
use crate::error::AppError;

type CommandResult<T> = Result<T, AppError>;

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
        create_ticket,
        reset_password,
        admin_list_users,
        admin_create_user,
        admin_update_user,
        admin_unlock,
        admin_issue_reset
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
    tx.commit().await?;
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

#[tauri::command]
async fn sign_out(state: State<'_, AppState>) -> CommandResult<()> {
    Ok(state.sign_out().await?)
}

#[tauri::command]
async fn list_users(state: State<'_, AppState>) -> CommandResult<Vec<UserSummary>> {
    let (mut tx, _actor) = state.begin().await?;
    let users = db::users::list_active(&mut *tx).await?;
    tx.commit().await?;
    Ok(users)
}

#[tauri::command]
async fn list_queue(state: State<'_, AppState>, query: QueueQuery) -> CommandResult<QueuePage> {
    let (mut tx, actor) = state.begin().await?;
    let page = db::tickets::queue(&mut *tx, actor, &query).await?;
    tx.commit().await?;
    Ok(page)
}

#[tauri::command]
async fn get_ticket(state: State<'_, AppState>, ticket_id: Uuid) -> CommandResult<TicketDetail> {
    let (mut tx, actor) = state.begin().await?;
    let detail = db::tickets::detail(&mut tx, actor, ticket_id).await?;
    tx.commit().await?;
    Ok(detail)
}

#[tauri::command]
async fn create_ticket(
    state: State<'_, AppState>,
    input: NewTicket,
) -> CommandResult<TicketSummary> {
    let (mut tx, actor) = state.begin().await?;
    let created = db::tickets::create(&mut tx, actor, input).await?;
    tx.commit().await?;
    Ok(created)
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
async fn admin_list_users(state: State<'_, AppState>) -> CommandResult<Vec<accounts::AccountView>> {
    let mut tx = begin_admin(&state).await?;
    let users = accounts::list(&mut tx).await?;
    tx.commit().await?;
    Ok(users)
}

#[tauri::command]
async fn admin_create_user(
    state: State<'_, AppState>,
    input: accounts::NewAccount,
) -> CommandResult<accounts::AccountView> {
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
    change: accounts::AccountChange,
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
