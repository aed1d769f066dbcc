//! Tauri commands: thin adapters. Each opens the signed-in user's transaction, calls one use
//! case, commits, and maps its error to the `{ code, message }` the UI understands.

use tauri::State;
use uuid::Uuid;

use crate::app::AppState;
use crate::db;
use crate::domain::ticket::{NewTicket, QueuePage, QueueQuery, TicketDetail, TicketSummary};
use crate::domain::user::UserSummary;
use crate::error::AppError;

type CommandResult<T> = Result<T, AppError>;

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        current_user,
        sign_in,
        sign_out,
        list_users,
        list_queue,
        get_ticket,
        create_ticket
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
) -> CommandResult<UserSummary> {
    Ok(state.sign_in(&login, &password).await?)
}

#[tauri::command]
async fn sign_out(state: State<'_, AppState>) -> CommandResult<()> {
    Ok(state.sign_out().await?)
}

#[tauri::command]
async fn list_users(state: State<'_, AppState>) -> CommandResult<Vec<UserSummary>> {
    let (mut tx, _actor) = state.begin().await?;
    let users = db::users::list_active(&mut *tx).await?;
    tx.commit().await.map_err(crate::error::Error::from)?;
    Ok(users)
}

#[tauri::command]
async fn list_queue(state: State<'_, AppState>, query: QueueQuery) -> CommandResult<QueuePage> {
    let (mut tx, actor) = state.begin().await?;
    let page = db::tickets::queue(&mut *tx, actor, &query).await?;
    tx.commit().await.map_err(crate::error::Error::from)?;
    Ok(page)
}

#[tauri::command]
async fn get_ticket(state: State<'_, AppState>, ticket_id: Uuid) -> CommandResult<TicketDetail> {
    let (mut tx, actor) = state.begin().await?;
    let detail = db::tickets::detail(&mut tx, actor, ticket_id).await?;
    tx.commit().await.map_err(crate::error::Error::from)?;
    Ok(detail)
}

#[tauri::command]
async fn create_ticket(
    state: State<'_, AppState>,
    input: NewTicket,
) -> CommandResult<TicketSummary> {
    let (mut tx, actor) = state.begin().await?;
    let created = db::tickets::create(&mut tx, actor, input).await?;
    tx.commit().await.map_err(crate::error::Error::from)?;
    Ok(created)
}
