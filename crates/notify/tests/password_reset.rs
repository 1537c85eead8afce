//! Password reset mails go out through the same outbox as reminders, on
//! SQLite and PostgreSQL, to a real SMTP server: a link is delivered once
//! while it is valid, and a mail that could not go out within the link's hour
//! is not sent after (the web layer enqueues it with that expiry).

#[macro_use]
#[path = "../../store/tests/common/mod.rs"]
mod common;
mod support;

use chrono::{DateTime, Duration, Utc};
use common::Db;
use pantau_notify::{Sender, Settings, SmtpSettings};
use pantau_store::{Channel, MessageStatus, NewMessage, RESET_VALIDITY};
use support::*;

backend_tests!(a_reset_mail_is_delivered_once_within_its_hour);

fn reset_mail(key: &str, now: DateTime<Utc>) -> NewMessage {
    NewMessage {
        region: REGION.into(),
        key: format!("password-reset:{key}"),
        channel: Channel::Email,
        recipient: "dlh@makassarkota.go.id".into(),
        subject: "Atur ulang kata sandi Pantau".into(),
        body: format!("Buka tautan ini dalam satu jam:\n\nhttps://pantau.example/sandi/{key}\n"),
        expires_at: Some(now + RESET_VALIDITY),
    }
}

async fn a_reset_mail_is_delivered_once_within_its_hour(db: Db) {
    prepare(&*db.store).await;
    let smtp = SmtpServer::start(0);
    let settings = Settings {
        smtp: Some(SmtpSettings {
            url: smtp.url(),
            from: "Pantau <pantau@makassarkota.go.id>".into(),
        }),
        timeout: std::time::Duration::from_secs(20),
        ..Settings::default()
    };
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    let t0 = at("2025-03-01T08:00:00Z");
    assert!(db.store.enqueue(&reset_mail("abc", t0), t0).await.unwrap());
    let report = sender.tick(t0 + Duration::minutes(1)).await.unwrap();
    assert_eq!(report.sent, 1);
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_tos, ["dlh@makassarkota.go.id"]);
    assert_eq!(received[0].subject, "Atur ulang kata sandi Pantau");
    assert!(
        received[0]
            .text
            .contains("https://pantau.example/sandi/abc")
    );
    // Not twice.
    sender.tick(t0 + Duration::minutes(2)).await.unwrap();
    assert_eq!(smtp.received().len(), 1);
    // A mail whose hour has passed before a sender got to it is not sent.
    assert!(db.store.enqueue(&reset_mail("late", t0), t0).await.unwrap());
    sender.tick(t0 + Duration::minutes(61)).await.unwrap();
    assert_eq!(smtp.received().len(), 1);
    let late = db
        .store
        .outbox_message("password-reset:late")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(late.status, MessageStatus::Failed);
}
