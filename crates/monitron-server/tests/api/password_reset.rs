//! Forgot/reset password through a real SMTP server started by the test.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{Auth, Backend, Options, SmtpServer};
use crate::processes;
use crate::{app, on_both_databases};

/// Waits until no e-mail is waiting in the outbox of `db`: every one queued so far was
/// sent.
async fn outbox_drained(db: &sea_orm::DatabaseConnection) {
    let started = Instant::now();
    loop {
        let waiting = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM outbox",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if waiting == 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "e-mail still waiting"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Undoes quoted-printable transfer encoding (soft line breaks and `=XX` escapes), which
/// mail libraries apply to lines longer than 76 characters.
fn decode_quoted_printable(message: &str) -> String {
    let joined = message.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A server that sends e-mail through `smtp`, without TLS.
fn mailing_to(smtp: &SmtpServer) -> Options {
    Options::default()
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", &smtp.port.to_string())
        .env("EMAIL_TLS", "none")
        .env("EMAIL_FROM", "Monitron <monitron@example.com>")
}

fn token_in(message: &str) -> String {
    let message = decode_quoted_printable(message);
    let start = message
        .find("token=mpr_")
        .expect("reset link in the e-mail")
        + "token=".len();
    message[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

async fn reset_link_is_mailed_and_works_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let options = mailing_to(&smtp).env("PUBLIC_URL", "https://status.example.com");
    let app = app!(backend, options);
    let (_, old_password, session) = app.user_with_token("lost", "viewer").await;

    let unknown = app
        .post(
            "/api/v1/auth/forgot-password",
            &Auth::None,
            json!({ "email": "nobody@example.com" }),
        )
        .await;
    let known = app
        .post(
            "/api/v1/auth/forgot-password",
            &Auth::None,
            json!({ "email": "Lost@Example.com" }),
        )
        .await;
    assert_eq!((unknown.status, known.status), (200, 200));
    assert_eq!(
        unknown.data(),
        known.data(),
        "the answer does not reveal whether the account exists"
    );

    let mail = smtp.wait_for(1, 10).await;
    outbox_drained(&app.db).await;
    assert_eq!(smtp.messages().len(), 1, "no e-mail for unknown addresses");
    let message = &decode_quoted_printable(&mail[0]);
    assert!(message.contains("To: lost@example.com"), "{message}");
    assert!(
        message.contains("Subject: Reset your Monitron password"),
        "{message}"
    );
    assert!(
        message.contains("https://status.example.com/reset-password?token=mpr_"),
        "{message}"
    );
    let token = token_in(message);
    assert_eq!(token.len(), 4 + 43);

    let weak = app
        .post(
            "/api/v1/auth/reset-password",
            &Auth::None,
            json!({ "token": token, "new_password": "lost" }),
        )
        .await;
    assert!(weak.error()["new_password"].is_string(), "{}", weak.text);
    let ok = app
        .post(
            "/api/v1/auth/reset-password",
            &Auth::None,
            json!({ "token": token, "new_password": "found-it-again-1" }),
        )
        .await;
    assert_eq!(ok.code(), 0, "{}", ok.text);
    let again = app
        .post(
            "/api/v1/auth/reset-password",
            &Auth::None,
            json!({ "token": token, "new_password": "another-password-2" }),
        )
        .await;
    assert_eq!(
        (again.code(), again.error()["token"].as_str()),
        (40001, Some("is invalid, expired or already used"))
    );

    assert_eq!(app.login_pair("lost", &old_password).await.code(), 40103);
    app.login("lost", "found-it-again-1").await;
    assert_eq!(
        app.get("/api/v1/me", &session).await.code(),
        40102,
        "a reset signs out every session"
    );
    assert_eq!(app.audit("password.reset").await.len(), 1);
    let forgot = app.audit("password.forgot").await;
    assert_eq!(forgot.len(), 2);
    assert!(
        !forgot.iter().any(|e| e.to_string().contains("mpr_")),
        "tokens never reach the audit log"
    );
}

async fn reset_tokens_expire(backend: Backend) {
    let smtp = SmtpServer::start();
    let options = mailing_to(&smtp).env("PASSWORD_RESET_TTL", "1s");
    let app = app!(backend, options);
    app.create_user("slow", "viewer").await;
    app.post(
        "/api/v1/auth/forgot-password",
        &Auth::None,
        json!({ "email": "slow@example.com" }),
    )
    .await;
    let token = token_in(&smtp.wait_for(1, 10).await[0]);
    // Wait until the stored expiry has passed, by the database's own record of it.
    let expires_at: chrono::DateTime<chrono::Utc> = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT expires_at FROM password_resets",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "expires_at")
        .unwrap();
    while chrono::Utc::now() <= expires_at {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let late = app
        .post(
            "/api/v1/auth/reset-password",
            &Auth::None,
            json!({ "token": token, "new_password": "too-late-password" }),
        )
        .await;
    assert_eq!(late.code(), 40001);
}

async fn admin_can_mail_a_reset_link(backend: Backend) {
    let smtp = SmtpServer::start();
    let options = mailing_to(&smtp);
    let app = app!(backend, options);
    let (id, _) = app.create_user("helped", "viewer").await;
    let r = app
        .post(
            &format!("/api/v1/users/{id}/reset-password"),
            &app.admin().await,
            json!({}),
        )
        .await;
    assert_eq!(
        (
            r.data()["method"].as_str(),
            r.data()["temporary_password"].is_null()
        ),
        (Some("email"), true),
        "{}",
        r.text
    );
    let token = token_in(&smtp.wait_for(1, 10).await[0]);
    let ok = app
        .post(
            "/api/v1/auth/reset-password",
            &Auth::None,
            json!({ "token": token, "new_password": "chosen-by-helped-1" }),
        )
        .await;
    assert_eq!(ok.code(), 0);
}

async fn a_changed_email_voids_links_sent_to_the_old_one(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = app!(backend, mailing_to(&smtp));
    let (id, _) = app.create_user("moved", "viewer").await;
    let malformed = app
        .post(
            "/api/v1/auth/forgot-password",
            &Auth::None,
            json!({ "email": "not an address" }),
        )
        .await;
    assert_eq!(malformed.status, 200, "the answer is always the same");
    app.post(
        "/api/v1/auth/forgot-password",
        &Auth::None,
        json!({ "email": "moved@example.com" }),
    )
    .await;
    let token = token_in(&smtp.wait_for(1, 10).await[0]);
    app.patch(
        &format!("/api/v1/users/{id}"),
        &app.admin().await,
        json!({ "email": "moved-away@example.com" }),
    )
    .await;
    let r = app
        .post(
            "/api/v1/auth/reset-password",
            &Auth::None,
            json!({ "token": token, "new_password": "taken-over-password" }),
        )
        .await;
    assert_eq!(r.code(), 40001, "{}", r.text);
}

/// Regression: e-mail was sent from a background task in the process that answered, so
/// a reset link requested while the mail server was down was lost with a restart.
async fn a_reset_mail_survives_a_crash_and_arrives_once_the_mail_server_is_back(backend: Backend) {
    let (dir, mut env) = processes::cluster("mail-restart");
    let Some((url, pg)) = processes::database(backend, &dir).await else {
        return;
    };
    let smtp_port = processes::free_port();
    env.extend([
        ("DATABASE_URL".to_owned(), url.clone()),
        ("EMAIL_HOST".to_owned(), "127.0.0.1".to_owned()),
        ("EMAIL_PORT".to_owned(), smtp_port.to_string()),
        ("EMAIL_TLS".to_owned(), "none".to_owned()),
        ("EMAIL_FROM".to_owned(), "monitron@example.com".to_owned()),
    ]);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let server = processes::start(&env, &dir);
    let port = server.port;
    processes::wait_ready(&client, port).await;
    // The mail server is down: the request is still answered, with the mail queued.
    let asked = client
        .post(format!(
            "http://127.0.0.1:{port}/api/v1/auth/forgot-password"
        ))
        .json(&json!({ "email": processes::ADMIN.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    // Once delivery has failed at least once (the row waits for its retry, unclaimed),
    // the process dies without warning.
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let started = Instant::now();
    loop {
        let row = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT attempt, claimed_until FROM outbox",
            ))
            .await
            .unwrap();
        if let Some(row) = row {
            let attempt: i32 = row.try_get("", "attempt").unwrap();
            let claimed: Option<i64> = row.try_get("", "claimed_until").unwrap();
            if attempt >= 2 && claimed.is_none() {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no failed delivery"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    // Restarted, with the mail server back where it was expected.
    let server = processes::start_on(&env, &dir, &[], port);
    processes::wait_ready(&client, port).await;
    let smtp = SmtpServer::start_on(smtp_port);
    let mail = smtp.wait_for(1, 30).await;
    assert!(
        mail[0].contains("Reset your Monitron password"),
        "{}",
        mail[0]
    );
    // Delivered means done: nothing left to send again.
    outbox_drained(&db).await;
    assert_eq!(smtp.messages().len(), 1, "the mail arrives once");
    server.stop();
    db.close().await.ok();
    processes::drop_database(pg).await;
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_databases!(
    a_changed_email_voids_links_sent_to_the_old_one,
    reset_link_is_mailed_and_works_once,
    reset_tokens_expire,
    admin_can_mail_a_reset_link,
    a_reset_mail_survives_a_crash_and_arrives_once_the_mail_server_is_back,
);
