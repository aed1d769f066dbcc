//! Account flows through the server's sign-in functions: success, failure, lockout and its
//! expiry, unknown logins, refresh rotation with reuse detection, sign-out, audit.

use sqlx::PgPool;
use ticketdesk::db::auth::{self, SIGN_IN_FAILED};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::user_with_password;

const PASSWORD: &str = "correct horse battery";

async fn failed_attempts(pool: &PgPool, user: Uuid) -> (i32, bool) {
    sqlx::query_as(
        "SELECT failed_login_attempts, coalesce(account_locked_until > now(), false) FROM users WHERE id = $1",
    )
    .bind(user)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn audit_events(pool: &PgPool, user: Uuid) -> Vec<(String, String)> {
    sqlx::query_as("SELECT event_type, event_status FROM audit_logs WHERE user_id = $1 ORDER BY created_at, id")
        .bind(user)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Who the token's session belongs to, as every command resolves it (`begin_acting`); the
/// session must also stay set for the rest of that transaction, which row-level security reads.
async fn session_user(pool: &PgPool, token: &str) -> Option<Uuid> {
    let (mut tx, actor) = auth::begin_acting(pool, token).await.unwrap();
    let id: Option<Uuid> = crate::helpers::acting_user(&mut tx).await;
    tx.rollback().await.unwrap();
    assert_eq!(
        actor.map(|a| a.id),
        id,
        "the actor is the transaction's session user"
    );
    let mut tx = auth::begin_as(pool, token).await.unwrap();
    let listener_view: Option<Uuid> = crate::helpers::acting_user(&mut tx).await;
    tx.rollback().await.unwrap();
    assert_eq!(listener_view, id, "begin_as resolves the same user");
    id
}

fn is_sign_in_failure(err: &Error) -> bool {
    matches!(err, Error::Unauthenticated(m) if m == SIGN_IN_FAILED)
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_right_password_opens_a_session_for_that_user(pool: PgPool) {
    let lena = user_with_password(&pool, "lena", Role::TeamLead, PASSWORD).await;
    let tokens = auth::sign_in(&pool, "lena", PASSWORD, None, Some("test desktop"))
        .await
        .unwrap();
    assert_eq!(
        session_user(&pool, &tokens.session_token).await,
        Some(lena.id)
    );
    assert!(tokens.expires_at > chrono::Utc::now());

    let by_email = auth::sign_in(&pool, "LENA@example.com", PASSWORD, None, None)
        .await
        .unwrap();
    assert_eq!(
        session_user(&pool, &by_email.session_token).await,
        Some(lena.id),
        "email works too"
    );

    let stored: Vec<String> = sqlx::query_scalar("SELECT session_token FROM user_sessions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        !stored.contains(&tokens.session_token),
        "only hashes of tokens are stored"
    );
    assert_eq!(
        failed_attempts(&pool, lena.id).await,
        (0, false),
        "success resets the count"
    );
    assert!(audit_events(&pool, lena.id)
        .await
        .contains(&("LOGIN".into(), "SUCCESS".into())));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn wrong_passwords_and_unknown_logins_fail_alike(pool: PgPool) {
    let lena = user_with_password(&pool, "lena", Role::TeamLead, PASSWORD).await;
    let wrong = auth::sign_in(&pool, "lena", "not the password", None, None)
        .await
        .unwrap_err();
    let unknown = auth::sign_in(&pool, "nobody", PASSWORD, None, None)
        .await
        .unwrap_err();
    assert!(is_sign_in_failure(&wrong), "{wrong:?}");
    assert!(
        is_sign_in_failure(&unknown),
        "the same message, so logins cannot be probed: {unknown:?}"
    );
    assert_eq!(failed_attempts(&pool, lena.id).await, (1, false));
    assert!(audit_events(&pool, lena.id)
        .await
        .contains(&("LOGIN_FAILED".into(), "FAILURE".into())));

    // An unknown login gets a stable fake salt, different per login, shaped like a real one.
    let salt = |login: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT salt FROM api.sign_in_start($1)")
                .bind(login)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (a1, a2, b, real) = (
        salt("ghost").await,
        salt("ghost").await,
        salt("phantom").await,
        salt("lena").await,
    );
    assert_eq!(a1, a2, "stable for one login");
    assert_ne!(a1, b, "different for another");
    assert_eq!(
        a1.len(),
        real.len(),
        "indistinguishable in shape from a real salt"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn five_failures_in_a_row_throttle_the_account_for_seconds_not_minutes(pool: PgPool) {
    let lena = user_with_password(&pool, "lena", Role::TeamLead, PASSWORD).await;
    for _ in 0..5 {
        assert!(is_sign_in_failure(
            &auth::sign_in(&pool, "lena", "guess", None, None)
                .await
                .unwrap_err()
        ));
    }
    assert_eq!(failed_attempts(&pool, lena.id).await.0, 5);
    let wait: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM account_locked_until - now())::float8 FROM users WHERE id = $1",
    )
    .bind(lena.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(wait <= 1.0, "the first back-off is a second, not {wait} s");
    let events = audit_events(&pool, lena.id).await;
    assert!(
        events.contains(&("ACCOUNT_LOCKED".into(), "WARNING".into())),
        "{events:?}"
    );
    // The back-off doubles with each further failure, up to 30 s.
    let schedule: Vec<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM auth.sign_in_backoff(n))::float8 FROM generate_series(4, 12) n",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(schedule, [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]);

    // While it lasts, even the right password is refused (and audited as blocked).
    sqlx::query(
        "UPDATE users SET account_locked_until = now() + interval '30 seconds' WHERE id = $1",
    )
    .bind(lena.id)
    .execute(&pool)
    .await
    .unwrap();
    let throttled = auth::sign_in(&pool, "lena", PASSWORD, None, None)
        .await
        .unwrap_err();
    assert!(
        is_sign_in_failure(&throttled),
        "even the right password is refused during the back-off"
    );
    assert_eq!(
        failed_attempts(&pool, lena.id).await.0,
        5,
        "an attempt during the back-off neither counts nor extends it"
    );
    let events = audit_events(&pool, lena.id).await;
    assert!(
        events.contains(&("LOGIN_FAILED".into(), "BLOCKED".into())),
        "{events:?}"
    );

    // When it runs out, the right password works again and the count starts afresh.
    sqlx::query(
        "UPDATE users SET account_locked_until = now() - interval '1 second' WHERE id = $1",
    )
    .bind(lena.id)
    .execute(&pool)
    .await
    .unwrap();
    auth::sign_in(&pool, "lena", PASSWORD, None, None)
        .await
        .expect("the back-off ran out");
    assert_eq!(failed_attempts(&pool, lena.id).await, (0, false));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family(pool: PgPool) {
    let lena = user_with_password(&pool, "lena", Role::TeamLead, PASSWORD).await;
    let first = auth::sign_in(&pool, "lena", PASSWORD, None, None)
        .await
        .unwrap();
    let second = auth::refresh(&pool, &first.refresh_token)
        .await
        .expect("a fresh refresh token works");
    assert_ne!(second.refresh_token, first.refresh_token, "rotated");
    assert_eq!(
        session_user(&pool, &second.session_token).await,
        Some(lena.id)
    );
    assert_eq!(
        session_user(&pool, &first.session_token).await,
        None,
        "the old session ends with the rotation"
    );

    // Someone replays the first token: theft is assumed, the whole family goes.
    let replay = auth::refresh(&pool, &first.refresh_token)
        .await
        .unwrap_err();
    assert!(matches!(replay, Error::Unauthenticated(_)), "{replay:?}");
    assert_eq!(
        session_user(&pool, &second.session_token).await,
        None,
        "the thief's and the owner's sessions end"
    );
    assert!(
        auth::refresh(&pool, &second.refresh_token).await.is_err(),
        "the newest token is revoked too"
    );

    // Another sign-in (another family) is unaffected.
    let other = auth::sign_in(&pool, "lena", PASSWORD, None, None)
        .await
        .unwrap();
    assert!(auth::refresh(&pool, &other.refresh_token).await.is_ok());
    assert!(auth::refresh(&pool, "made-up-token").await.is_err());
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn signing_out_ends_the_session_and_its_refresh_tokens(pool: PgPool) {
    let lena = user_with_password(&pool, "lena", Role::TeamLead, PASSWORD).await;
    let tokens = auth::sign_in(&pool, "lena", PASSWORD, None, None)
        .await
        .unwrap();
    auth::sign_out(&pool, &tokens.session_token).await.unwrap();
    assert_eq!(session_user(&pool, &tokens.session_token).await, None);
    assert!(auth::refresh(&pool, &tokens.refresh_token).await.is_err());
    assert!(audit_events(&pool, lena.id)
        .await
        .contains(&("LOGOUT".into(), "SUCCESS".into())));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_inactive_user_cannot_sign_in_and_loses_open_sessions(pool: PgPool) {
    let lena = user_with_password(&pool, "lena", Role::TeamLead, PASSWORD).await;
    let tokens = auth::sign_in(&pool, "lena", PASSWORD, None, None)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET is_active = FALSE WHERE id = $1")
        .bind(lena.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(session_user(&pool, &tokens.session_token).await, None);
    assert!(is_sign_in_failure(
        &auth::sign_in(&pool, "lena", PASSWORD, None, None)
            .await
            .unwrap_err()
    ));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn blank_credentials_are_a_validation_error(pool: PgPool) {
    let err = auth::sign_in(&pool, "  ", "x", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}
