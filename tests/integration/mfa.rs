//! TOTP two-factor authentication: the server's SQL agrees with totp-rs, a code is required
//! once enrolled, never accepted twice, and the secret stays unreadable.

use sqlx::PgPool;
use ticketdesk::db::auth;
use ticketdesk::domain::mfa;
use ticketdesk::domain::user::Role;

use crate::helpers::{signed_in, Desk, DESK_PASSWORD};

/// Enrols `desk` and returns the secret the authenticator app would hold.
async fn enrol(desk: &Desk) -> totp_rs::TOTP {
    let mut tx = desk.tx().await;
    let enrolment = auth::mfa_begin(&mut tx, "lena")
        .await
        .expect("enrolment starts");
    tx.commit().await.unwrap();
    let url = totp_rs::TOTP::from_url(&enrolment.uri).expect("the URI is a valid otpauth URI");
    let mut tx = desk.tx().await;
    assert!(
        !auth::mfa_confirm(&mut tx, "000000").await.unwrap()
            || url.generate_current().unwrap() == "000000",
        "a wrong code does not confirm"
    );
    assert!(
        auth::mfa_confirm(&mut tx, &url.generate_current().unwrap())
            .await
            .unwrap(),
        "the app's current code confirms"
    );
    assert!(auth::mfa_status(&mut tx).await.unwrap());
    tx.commit().await.unwrap();
    url
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_servers_totp_matches_rfc_6238_as_totp_rs_computes_it(pool: PgPool) {
    let secret = b"12345678901234567890".to_vec();
    let totp = mfa::totp_for(&secret, "rfc").unwrap();
    for t in [59u64, 1_111_111_109, 1_234_567_890, 2_000_000_000] {
        let ours: i32 = sqlx::query_scalar("SELECT auth.hotp($1, $2)")
            .bind(&secret)
            .bind((t / 30) as i64)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(format!("{ours:06}"), totp.generate(t), "step of t = {t}");
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn once_enrolled_sign_in_needs_a_fresh_code(pool: PgPool) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let app = enrol(&lena).await;
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event_type FROM audit_logs WHERE event_type LIKE 'MFA%'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(events, ["MFA_ENABLED"]);

    assert!(
        auth::sign_in(&lena.pool, "lena", DESK_PASSWORD, None, None)
            .await
            .is_err(),
        "no code, no session"
    );
    assert!(
        auth::sign_in(&lena.pool, "lena", DESK_PASSWORD, Some("123456"), None)
            .await
            .is_err()
            || app.generate_current().unwrap() == "123456"
    );

    // The code used to confirm enrolment is spent: wait for the next step's code.
    let next_step = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
        + 1)
        * 30;
    let code = app.generate(next_step);
    auth::sign_in(&lena.pool, "lena", DESK_PASSWORD, Some(&code), None)
        .await
        .expect("password and a fresh code sign in");
    let replay = auth::sign_in(&lena.pool, "lena", DESK_PASSWORD, Some(&code), None).await;
    assert!(replay.is_err(), "the same code is never accepted twice");
    assert!(auth::sign_in(
        &lena.pool,
        "lena",
        "wrong password",
        Some(&app.generate(next_step + 30)),
        None
    )
    .await
    .is_err());

    // The secret cannot be read back by the desktop.
    let mut tx = lena.tx().await;
    let err = sqlx::query("SELECT mfa_secret FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501")
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn turning_mfa_off_needs_a_code(pool: PgPool) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let app = enrol(&lena).await;
    let next_step = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
        + 1)
        * 30;
    let mut tx = lena.tx().await;
    assert!(!auth::mfa_disable(&mut tx, "not-a-code").await.unwrap());
    assert!(auth::mfa_disable(&mut tx, &app.generate(next_step))
        .await
        .unwrap());
    assert!(!auth::mfa_status(&mut tx).await.unwrap());
    tx.commit().await.unwrap();
    auth::sign_in(&lena.pool, "lena", DESK_PASSWORD, None, None)
        .await
        .expect("no code needed any more");
}
