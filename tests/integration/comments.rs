//! Comments on a real server: internal notes stay internal, edits are counted and guarded
//! against staleness, deletion is soft, and a retried post is stored once.

use sqlx::PgPool;
use ticketdesk::db::comments;
use ticketdesk::domain::ticket::CommentEdit;
use ticketdesk::domain::ticket::{NewComment, TicketDetail};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{create, detail, new_ticket, signed_in, Desk};

async fn post(
    desk: &Desk,
    ticket: Uuid,
    id: Uuid,
    text: &str,
    internal: bool,
) -> Result<TicketDetail, Error> {
    let mut tx = desk.tx().await;
    let input = NewComment {
        id,
        ticket_id: ticket,
        content: text.into(),
        is_internal: internal,
    };
    let d = comments::add(&mut tx, desk.actor(), input).await?;
    tx.commit().await?;
    Ok(d)
}

async fn edit(desk: &Desk, comment: Uuid, seen: i32, text: &str) -> Result<TicketDetail, Error> {
    let mut tx = desk.tx().await;
    let change = CommentEdit {
        comment_id: comment,
        edit_count: seen,
        content: text.into(),
    };
    let d = comments::edit(&mut tx, desk.actor(), change).await?;
    tx.commit().await?;
    Ok(d)
}

async fn delete(desk: &Desk, comment: Uuid) -> Result<TicketDetail, Error> {
    let mut tx = desk.tx().await;
    let d = comments::delete(&mut tx, desk.actor(), comment).await?;
    tx.commit().await?;
    Ok(d)
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn internal_notes_are_for_engineers_only(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Slow laptop", None))
        .await
        .unwrap();
    post(&dev, t.id, Uuid::new_v4(), "Probably the AV scan", true)
        .await
        .unwrap();
    post(&dev, t.id, Uuid::new_v4(), "Could you reboot?", false)
        .await
        .unwrap();

    let erins = detail(&erin, t.id).await.unwrap();
    let texts: Vec<_> = erins.comments.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(texts, ["Could you reboot?"]);
    assert!(!erins.actions.can_comment_internal);
    let added = erins
        .history
        .iter()
        .filter(|h| h.action == "COMMENT_ADDED")
        .count();
    assert_eq!(
        added, 1,
        "not even history counts the internal note for her"
    );
    let devs = detail(&dev, t.id).await.unwrap();
    assert_eq!(devs.comments.len(), 2);
    assert!(devs.comments[0].is_internal);

    let err = post(&erin, t.id, Uuid::new_v4(), "sneaky", true)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    let err = post(&erin, t.id, Uuid::new_v4(), "   ", false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_retried_post_is_stored_once(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let t = create(&erin, new_ticket("Outbox", None)).await.unwrap();
    let id = Uuid::new_v4();
    post(&erin, t.id, id, "Sent twice by a flaky network", false)
        .await
        .unwrap();
    let again = post(&erin, t.id, id, "Sent twice by a flaky network", false)
        .await
        .unwrap();
    assert_eq!(again.comments.len(), 1);
    let history = again
        .history
        .iter()
        .filter(|h| h.action == "COMMENT_ADDED")
        .count();
    assert_eq!(history, 1);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn edits_are_counted_and_stale_edits_refused(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Typo", None)).await.unwrap();
    let id = Uuid::new_v4();
    let d = post(&dev, t.id, id, "Plase reboot", false).await.unwrap();
    assert_eq!(d.comments[0].edit_count, 0);

    let d = edit(&dev, id, 0, "Please reboot").await.unwrap();
    assert_eq!(
        (d.comments[0].content.as_str(), d.comments[0].edit_count),
        ("Please reboot", 1)
    );
    assert!(d.comments[0].updated_at >= d.comments[0].created_at);
    let (edited, count): (bool, i32) =
        sqlx::query_as("SELECT edited, edit_count FROM comments WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((edited, count), (true, 1));

    let err = edit(&dev, id, 0, "From another window").await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let err = edit(&erin, id, 1, "Not mine to change").await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    let now = detail(&dev, t.id).await.unwrap();
    assert_eq!(
        now.comments[0].content, "Please reboot",
        "neither refused edit landed"
    );

    // The database counts edits itself: a client cannot reset the count (it may not even write
    // the table: issue 13), and the API's edit is counted by the same trigger.
    let mut tx = dev.tx().await;
    let denied = sqlx::query(
        "UPDATE comments SET content = 'x', edit_count = 0, edited = FALSE WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert_eq!(
        denied.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501")
    );
    drop(tx);
    let mut tx = dev.tx().await;
    let edited: bool = sqlx::query_scalar("SELECT api.edit_comment($1, 1, 'x')")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(edited);
    let (edited, count): (bool, i32) =
        sqlx::query_as("SELECT edited, edit_count FROM comments WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((edited, count), (true, 2));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn deletion_is_soft_and_final(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Oops", None)).await.unwrap();
    let id = Uuid::new_v4();
    post(&erin, t.id, id, "Wrong ticket, sorry", false)
        .await
        .unwrap();
    let err = delete(&dev, id).await.unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "only the author deletes: {err:?}"
    );

    let d = delete(&erin, id).await.unwrap();
    assert!(d.comments.is_empty());
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM comments WHERE id = $1 AND deleted_at IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kept, 1, "the row stays, marked deleted");
    let err = edit(&erin, id, 0, "resurrect").await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let err = delete(&erin, id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn only_the_requestors_public_reply_resumes_a_pending_ticket(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Which printer?", None))
        .await
        .unwrap();
    sqlx::query("UPDATE tickets SET status = 'PENDING_INFO' WHERE id = $1")
        .bind(t.id)
        .execute(&pool)
        .await
        .unwrap();
    let d = post(&dev, t.id, Uuid::new_v4(), "Still waiting", false)
        .await
        .unwrap();
    assert_eq!(
        d.ticket.status.as_str(),
        "PENDING_INFO",
        "an engineer's comment is no answer"
    );
    let d = post(&dev, t.id, Uuid::new_v4(), "Pinged her on chat", true)
        .await
        .unwrap();
    assert_eq!(d.ticket.status.as_str(), "PENDING_INFO");
    let d = post(&erin, t.id, Uuid::new_v4(), "Floor 2", false)
        .await
        .unwrap();
    assert_eq!(d.ticket.status.as_str(), "IN_PROGRESS");
}
