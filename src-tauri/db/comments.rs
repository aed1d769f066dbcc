//! Comments: public or internal notes, edited by their author (counted), soft-deleted. The
//! database counts edits, keeps internal notes from requestors and moves a PENDING_INFO ticket
//! back to IN_PROGRESS when its requestor replies. Through the API (sql/api/comments.sql).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::tickets::{self, announce_change};
use crate::domain::permissions::{self, Actor};
use crate::domain::ticket::CommentEdit;
use crate::domain::ticket::{validate_comment, NewComment, TicketDetail};
use crate::error::{Error, Result};

/// Posts a comment. Posting the same id again (a retry) stores nothing more.
pub async fn add(tx: &mut PgConnection, actor: Actor, input: NewComment) -> Result<TicketDetail> {
    let content = validate_comment(&input.content).map_err(Error::Validation)?;
    if input.is_internal && !permissions::sees_internal_comments(actor) {
        return Err(Error::Forbidden(
            "Only engineers write internal notes.".into(),
        ));
    }
    let inserted: bool = sqlx::query_scalar!(
        r#"SELECT api.add_comment($1, $2, $3, $4) AS "inserted!""#,
        input.id,
        input.ticket_id,
        &content,
        input.is_internal
    )
    .fetch_one(&mut *tx)
    .await?;
    if inserted {
        announce_change(&mut *tx, input.ticket_id).await?;
    }
    tickets::detail(&mut *tx, actor, input.ticket_id).await
}

struct OwnComment {
    ticket_id: Uuid,
    user_id: Option<Uuid>,
    edit_count: i32,
    deleted: bool,
}

/// The comment, if the actor may change it.
async fn own_comment(tx: &mut PgConnection, actor: Actor, comment_id: Uuid) -> Result<OwnComment> {
    // A function's columns infer as nullable; "!" and "?" keep OwnComment's types.
    let comment: OwnComment = sqlx::query_as!(
        OwnComment,
        r#"SELECT ticket_id AS "ticket_id!", user_id AS "user_id?", edit_count AS "edit_count!",
                  deleted AS "deleted!"
           FROM api.comment_for_change($1)"#,
        comment_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::NotFound("No such comment.".into()))?;
    if comment.user_id != Some(actor.id) {
        return Err(Error::Forbidden(
            "Only its author may change a comment.".into(),
        ));
    }
    if comment.deleted {
        return Err(Error::NotFound("That comment was deleted.".into()));
    }
    Ok(comment)
}

pub async fn edit(tx: &mut PgConnection, actor: Actor, edit: CommentEdit) -> Result<TicketDetail> {
    let content = validate_comment(&edit.content).map_err(Error::Validation)?;
    let comment = own_comment(&mut *tx, actor, edit.comment_id).await?;
    let stale = || {
        Error::Conflict(
            "This comment was edited elsewhere (another window?) since you opened it. Your edit \
             was not saved; reload to see the latest."
                .into(),
        )
    };
    if comment.edit_count != edit.edit_count {
        return Err(stale());
    }
    let updated: bool = sqlx::query_scalar!(
        r#"SELECT api.edit_comment($1, $2, $3) AS "updated!""#,
        edit.comment_id,
        edit.edit_count,
        &content
    )
    .fetch_one(&mut *tx)
    .await?;
    if !updated {
        return Err(stale());
    }
    announce_change(&mut *tx, comment.ticket_id).await?;
    tickets::detail(&mut *tx, actor, comment.ticket_id).await
}

/// Soft delete: the comment disappears from the ticket but stays in the database.
pub async fn delete(tx: &mut PgConnection, actor: Actor, comment_id: Uuid) -> Result<TicketDetail> {
    let comment = own_comment(&mut *tx, actor, comment_id).await?;
    // fetch_one, not execute: query! has no execute for a statement that returns a value.
    sqlx::query!("SELECT api.delete_comment($1)", comment_id)
        .fetch_one(&mut *tx)
        .await?;
    announce_change(&mut *tx, comment.ticket_id).await?;
    tickets::detail(&mut *tx, actor, comment.ticket_id).await
}
