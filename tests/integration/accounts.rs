//! Account administration through the desktop role, as the admin screen runs it: the database
//! checks the caller is an admin and audits every change.

use sqlx::PgPool;
use ticketdesk::db::{accounts, auth};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{signed_in, Desk, DESK_PASSWORD};

fn new_account(username: &str) -> ticketdesk::domain::account::NewAccount {
    ticketdesk::domain::account::NewAccount {
        username: username.into(),
        email: format!("{username}@example.com"),
        first_name: "New".into(),
        last_name: "Person".into(),
        role: Role::DevopsEngineer,
        department: Some("Platform".into()),
        password: "a fine new password".into(),
    }
}

async fn as_desk<T>(
    desk: &Desk,
    work: impl AsyncFnOnce(&mut sqlx::PgConnection) -> ticketdesk::error::Result<T>,
) -> ticketdesk::error::Result<T> {
    let mut tx = desk.tx().await;
    let result = work(&mut tx).await;
    if result.is_ok() {
        tx.commit().await?;
    }
    result
}

async fn audit(pool: &PgPool, event: &str) -> Vec<serde_json::Value> {
    sqlx::query_scalar("SELECT coalesce(metadata, '{}'::jsonb) FROM audit_logs WHERE event_type = $1 ORDER BY created_at")
        .bind(event)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_admin_creates_an_account_that_can_sign_in_and_others_cannot(pool: PgPool) {
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    let senior = signed_in(&pool, "sam", Role::SeniorEngineer).await;

    let err = as_desk(&senior, async |c| {
        accounts::create(c, new_account("mallory")).await
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "the database refuses a non-admin: {err:?}"
    );

    let id = as_desk(&admin, async |c| {
        accounts::create(c, new_account("newbie")).await
    })
    .await
    .unwrap();
    let tokens = auth::sign_in(&admin.pool, "newbie", "a fine new password", None, None)
        .await
        .expect("the new account signs in");
    assert!(!tokens.session_token.is_empty());
    let created = audit(&pool, "ROLE_CHANGED").await;
    assert_eq!(created.len(), 1, "one audit row for the creation");
    assert_eq!(created[0]["user"], serde_json::json!(id));

    let err = as_desk(&admin, async |c| {
        accounts::create(c, new_account("newbie")).await
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(_)),
        "a taken username is a conflict: {err:?}"
    );
    let weak = ticketdesk::domain::account::NewAccount {
        password: "short".into(),
        ..new_account("weakling")
    };
    let err = as_desk(&admin, async |c| accounts::create(c, weak).await)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn role_changes_are_audited_and_deactivation_ends_sessions(pool: PgPool) {
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;

    // The obvious escalation: a signed-in engineer makes himself admin, straight through SQL.
    let mut tx = dev.tx().await;
    let err = sqlx::query("SELECT api.admin_update_user($1, 'ADMIN', NULL, TRUE)")
        .bind(dev.id)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501"),
        "{err:?}"
    );
    drop(tx);

    let promote = ticketdesk::domain::account::AccountChange {
        role: Role::SeniorEngineer,
        department: Some("Network".into()),
        is_active: true,
    };
    as_desk(&admin, async |c| accounts::update(c, dev.id, promote).await)
        .await
        .unwrap();
    let role_events = audit(&pool, "ROLE_CHANGED").await;
    assert_eq!(role_events.last().unwrap()["old"], "DEVOPS_ENGINEER");
    assert_eq!(role_events.last().unwrap()["new"], "SENIOR_ENGINEER");
    let profile = audit(&pool, "PROFILE_UPDATED").await;
    assert_eq!(profile.last().unwrap()["new"]["department"], "Network");

    let deactivate = ticketdesk::domain::account::AccountChange {
        role: Role::SeniorEngineer,
        department: None,
        is_active: false,
    };
    as_desk(&admin, async |c| {
        accounts::update(c, dev.id, deactivate).await
    })
    .await
    .unwrap();
    let mut tx = dev.tx().await;
    let me: Option<Uuid> = crate::helpers::acting_user(&mut tx).await;
    assert_eq!(me, None, "a deactivated user's session ends at once");
    drop(tx);
    // Renewing says why, so dev's desktop wipes his offline data (issue 16); a made-up token
    // is told nothing (the control).
    let renewal = auth::refresh(&dev.pool, &dev.signed_in.tokens.refresh_token)
        .await
        .unwrap_err();
    assert!(
        matches!(&renewal, ticketdesk::error::Error::Unauthenticated(m)
                 if m == ticketdesk::error::ACCOUNT_DEACTIVATED),
        "{renewal:?}"
    );
    let unknown = auth::refresh(&dev.pool, "not-a-token").await.unwrap_err();
    assert!(
        matches!(&unknown, ticketdesk::error::Error::Unauthenticated(m)
                 if m != ticketdesk::error::ACCOUNT_DEACTIVATED),
        "{unknown:?}"
    );
    assert!(auth::sign_in(&admin.pool, "dev", DESK_PASSWORD, None, None)
        .await
        .is_err());

    let demote_self = ticketdesk::domain::account::AccountChange {
        role: Role::EndUser,
        department: None,
        is_active: true,
    };
    let err = as_desk(&admin, async |c| {
        accounts::update(c, admin.id, demote_self).await
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref m) if m.contains("cannot demote")),
        "{err:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_admin_unlocks_a_locked_account(pool: PgPool) {
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    let senior = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    for _ in 0..6 {
        let _ = auth::sign_in(&admin.pool, "erin", "wrong password", None, None).await;
    }
    assert!(
        auth::sign_in(&admin.pool, "erin", DESK_PASSWORD, None, None)
            .await
            .is_err(),
        "locked"
    );

    let err = as_desk(&senior, async |c| accounts::unlock(c, erin.id).await)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    let err = as_desk(&senior, async |c| accounts::list(c).await)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "lockout state is for admins only: {err:?}"
    );
    as_desk(&admin, async |c| accounts::unlock(c, erin.id).await)
        .await
        .unwrap();
    auth::sign_in(&admin.pool, "erin", DESK_PASSWORD, None, None)
        .await
        .expect("unlocked");
    assert_eq!(audit(&pool, "ACCOUNT_UNLOCKED").await.len(), 1);

    let listed = as_desk(&admin, async |c| accounts::list(c).await)
        .await
        .unwrap();
    let erin_row = listed.iter().find(|a| a.username == "erin").unwrap();
    assert_eq!((erin_row.locked_until, erin_row.failed_sign_ins), (None, 0));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_reset_code_works_once_revokes_sessions_and_expires(pool: PgPool) {
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let err = as_desk(&erin, async |c| accounts::issue_reset(c, admin.id).await)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "a requestor cannot reset an admin: {err:?}"
    );

    let code = as_desk(&admin, async |c| accounts::issue_reset(c, erin.id).await)
        .await
        .unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT token FROM password_resets")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!stored.contains(&code), "only the hash is stored");

    accounts::complete_reset(&admin.pool, &code, "brand new password")
        .await
        .expect("the code works");
    let mut tx = erin.tx().await;
    let me: Option<Uuid> = crate::helpers::acting_user(&mut tx).await;
    assert_eq!(me, None, "the reset revoked erin's open session");
    drop(tx);
    assert!(
        auth::refresh(&admin.pool, &erin.signed_in.tokens.refresh_token)
            .await
            .is_err(),
        "and her refresh token"
    );
    assert!(
        auth::sign_in(&admin.pool, "erin", DESK_PASSWORD, None, None)
            .await
            .is_err(),
        "the old password is gone"
    );
    auth::sign_in(&admin.pool, "erin", "brand new password", None, None)
        .await
        .expect("the new one works");

    let again = accounts::complete_reset(&admin.pool, &code, "another password")
        .await
        .unwrap_err();
    assert!(
        matches!(again, Error::Validation(_)),
        "single use: {again:?}"
    );

    let old = as_desk(&admin, async |c| accounts::issue_reset(c, erin.id).await)
        .await
        .unwrap();
    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 minute', created_at = now() - interval '2 hours' WHERE NOT is_used")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        accounts::complete_reset(&admin.pool, &old, "yet another password")
            .await
            .is_err(),
        "expired"
    );
    let events: Vec<String> = sqlx::query_scalar("SELECT event_type FROM audit_logs WHERE event_type LIKE 'PASSWORD_RESET%' ORDER BY created_at")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            "PASSWORD_RESET_REQUEST",
            "PASSWORD_RESET_COMPLETE",
            "PASSWORD_RESET_REQUEST"
        ]
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn email_verification_codes_are_single_use(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let noah = signed_in(&pool, "noah", Role::EndUser).await;
    let err = as_desk(&noah, async |c| {
        accounts::issue_email_verification(c, erin.id).await
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    sqlx::query("UPDATE users SET is_email_verified = FALSE WHERE id = $1")
        .bind(erin.id)
        .execute(&pool)
        .await
        .unwrap();
    // Issue 13: a code the user issues to herself proves no mailbox; only an admin issues.
    let err = as_desk(&erin, async |c| {
        accounts::issue_email_verification(c, erin.id).await
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    let code = as_desk(&admin, async |c| {
        accounts::issue_email_verification(c, erin.id).await
    })
    .await
    .unwrap();
    assert!(accounts::verify_email(&erin.pool, &code).await.unwrap());
    assert!(
        !accounts::verify_email(&erin.pool, &code).await.unwrap(),
        "single use"
    );
    let verified: bool = sqlx::query_scalar("SELECT is_email_verified FROM users WHERE id = $1")
        .bind(erin.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(verified);
    assert_eq!(audit(&pool, "EMAIL_VERIFICATION").await.len(), 1);
}
