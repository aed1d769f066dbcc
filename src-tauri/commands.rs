//! Tauri commands: thin adapters. Each takes the state, resolves the actor, calls one use case
//! and maps its error to the `{ code, message }` the UI understands.

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
        list_users,
        act_as,
        list_queue,
        get_ticket,
        create_ticket
    ]
}

/// The user this window acts as, or null. Waits for the database on first use.
#[tauri::command]
async fn current_user(state: State<'_, AppState>) -> CommandResult<Option<UserSummary>> {
    let pool = state.pool().await?;
    match state.acting_as() {
        Some(id) => Ok(Some(db::users::find_active(pool, id).await?)),
        None => Ok(None),
    }
}

#[tauri::command]
async fn list_users(state: State<'_, AppState>) -> CommandResult<Vec<UserSummary>> {
    Ok(db::users::list_active(state.pool().await?).await?)
}

/// Temporary until sign-in exists: choose which demo user this window acts as.
#[tauri::command]
async fn act_as(state: State<'_, AppState>, user_id: Uuid) -> CommandResult<UserSummary> {
    let user = db::users::find_active(state.pool().await?, user_id).await?;
    state.set_acting_as(user.id);
    Ok(user)
}

#[tauri::command]
async fn list_queue(state: State<'_, AppState>, query: QueueQuery) -> CommandResult<QueuePage> {
    let actor = state.actor().await?;
    Ok(db::tickets::queue(state.pool().await?, actor, &query).await?)
}

#[tauri::command]
async fn get_ticket(state: State<'_, AppState>, ticket_id: Uuid) -> CommandResult<TicketDetail> {
    let actor = state.actor().await?;
    Ok(db::tickets::detail(state.pool().await?, actor, ticket_id).await?)
}

#[tauri::command]
async fn create_ticket(
    state: State<'_, AppState>,
    input: NewTicket,
) -> CommandResult<TicketSummary> {
    let actor = state.actor().await?;
    Ok(db::tickets::create(state.pool().await?, actor, input).await?)
}
