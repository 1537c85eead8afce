//! Reminders and notices end to end, on SQLite and PostgreSQL, against a real
//! SMTP server (aiosmtpd) and a real HTTP webhook receiver. The clock is
//! driven: the scheduler and the sender take `now`.
//!
//! The region is in WITA (UTC+8): period 1 is due Fri 28 Feb 2025 09:00 WITA
//! (01:00 UTC); the reminders fall Thu 27 Feb 15:00 WITA (07:00 UTC) and Fri
//! 28 Feb 07:00 WITA (Thu 23:00 UTC).

#[macro_use]
#[path = "../../store/tests/common/mod.rs"]
mod common;
mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::Db;
use pantau_notify::{
    NotifyError, ScheduleReport, Scheduler, SendReport, Sender, Settings, SmtpSettings,
};
use pantau_store::{Actor, MessageStatus, NewNilReport, Store};
use support::*;

backend_tests!(
    reminders_reach_the_smtp_server_at_the_right_times,
    outbox_retries_after_the_server_refuses_then_accepts,
    a_restart_sends_nothing_twice_and_loses_nothing,
    webhook_delivery_retries_and_carries_the_recipient,
    reminders_in_wib_wita_and_wit_arrive_at_their_local_times,
    a_webhook_token_stays_out_of_the_outbox_errors,
);

const BEFORE_FIRST: &str = "2025-02-27T06:59:59Z";
const FIRST: &str = "2025-02-27T07:00:00Z";
const SECOND: &str = "2025-02-27T23:00:00Z";
const DEADLINE: &str = "2025-02-28T01:00:00Z";

fn smtp_settings(smtp: &SmtpServer) -> Settings {
    Settings {
        smtp: Some(SmtpSettings {
            url: smtp.url(),
            from: "Pantau Kota Makassar <pantau@makassarkota.go.id>".into(),
        }),
        timeout: std::time::Duration::from_secs(20),
        ..Settings::default()
    }
}

fn report(enqueued: usize, already: usize) -> ScheduleReport {
    ScheduleReport { enqueued, already }
}

fn sent(sent: usize, retried: usize, failed: usize) -> SendReport {
    SendReport {
        sent,
        retried,
        failed,
    }
}

fn recipients(received: &[Received]) -> Vec<String> {
    let mut all: Vec<String> = received.iter().flat_map(|r| r.rcpt_tos.clone()).collect();
    all.sort();
    all
}

async fn outbox_statuses(store: &dyn Store) -> Vec<(MessageStatus, i64)> {
    store
        .outbox_messages(REGION, None, 100)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.status, m.attempts))
        .collect()
}

async fn reminders_reach_the_smtp_server_at_the_right_times(db: Db) {
    prepare(&*db.store).await;
    let smtp = SmtpServer::start(0);
    let settings = smtp_settings(&smtp);
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();

    // A second before the first reminder: nothing.
    assert_eq!(
        scheduler.tick(at(BEFORE_FIRST)).await.unwrap(),
        report(0, 0)
    );
    assert_eq!(sender.tick(at(BEFORE_FIRST)).await.unwrap(), sent(0, 0, 0));
    assert!(smtp.received().is_empty());

    // Thu 15:00 WITA: the operators of DLH and DINKES, which have not reported.
    // Not DP3A (reported), not BAPPEDA (no targets), not the disabled DLH
    // operator, not the DLH operator without an e-mail address.
    assert_eq!(scheduler.tick(at(FIRST)).await.unwrap(), report(2, 0));
    assert_eq!(sender.tick(at(FIRST)).await.unwrap(), sent(2, 0, 0));
    let received = smtp.received();
    assert_eq!(
        recipients(&received),
        ["dinkes@makassarkota.go.id", "dlh@makassarkota.go.id"]
    );
    let dlh = received
        .iter()
        .find(|r| r.rcpt_tos == ["dlh@makassarkota.go.id"])
        .unwrap();
    assert_eq!(dlh.mail_from, "pantau@makassarkota.go.id");
    assert!(dlh.from.contains("Pantau Kota Makassar"), "{}", dlh.from);
    assert_eq!(dlh.to, "dlh@makassarkota.go.id");
    assert_eq!(
        dlh.subject,
        "[Pantau] Pengingat: laporan DLH Minggu ke-1 (22–27 Februari 2025) \
         paling lambat Jumat, 28 Februari 2025 pukul 09.00 WITA"
    );
    for expected in [
        "Yth. Operator DLH,",
        "Dinas Lingkungan Hidup (DLH) belum menyampaikan laporan Program 100 Hari Kerja untuk Minggu ke-1 (22–27 Februari 2025).",
        "Batas waktu: Jumat, 28 Februari 2025 pukul 09.00 WITA.",
        "laporan nihil",
        "Dinas Lingkungan Hidup (DLH) has not yet reported on Program 100 Hari Kerja for Week 1 (22–27 February 2025).",
        "Deadline: Friday, 28 February 2025, 09:00 WITA.",
    ] {
        assert!(dlh.text.contains(expected), "{expected:?} in\n{}", dlh.text);
    }
    // Indonesian comes first.
    assert!(dlh.text.find("Batas waktu").unwrap() < dlh.text.find("Deadline").unwrap());
    assert!(dlh.message_id.ends_with("@pantau>"), "{}", dlh.message_id);

    // Ticking again changes nothing: each reminder is written once.
    let later = at(FIRST) + Duration::minutes(30);
    assert_eq!(scheduler.tick(later).await.unwrap(), report(0, 2));
    assert_eq!(sender.tick(later).await.unwrap(), sent(0, 0, 0));

    // DINKES files a nil report that evening: it counts as a report.
    db.create_nil_report(
        REGION,
        &NewNilReport {
            program: "100HK".into(),
            unit: "DINKES".into(),
            date: NaiveDate::from_ymd_opt(2025, 2, 25).unwrap(),
            reason: Some("Tidak ada kegiatan".into()),
            submitted_at: at("2025-02-27T20:00:00+08:00"),
        },
        &Actor::cli(),
    )
    .await
    .unwrap();

    // Fri 07:00 WITA: only DLH's operator, the second time.
    assert_eq!(
        scheduler
            .tick(at(SECOND) - Duration::seconds(1))
            .await
            .unwrap(),
        report(0, 1)
    );
    assert_eq!(scheduler.tick(at(SECOND)).await.unwrap(), report(1, 1));
    assert_eq!(sender.tick(at(SECOND)).await.unwrap(), sent(1, 0, 0));
    let received = smtp.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received[2].rcpt_tos, ["dlh@makassarkota.go.id"]);
    assert_ne!(received[2].message_id, dlh.message_id);

    // At the deadline: no more reminders; ASDA2's evaluator learns that DLH
    // has not reported. ASDA1 has nobody missing and gets nothing.
    assert_eq!(
        scheduler
            .tick(at(DEADLINE) - Duration::seconds(1))
            .await
            .unwrap(),
        report(0, 2)
    );
    assert_eq!(scheduler.tick(at(DEADLINE)).await.unwrap(), report(1, 0));
    assert_eq!(sender.tick(at(DEADLINE)).await.unwrap(), sent(1, 0, 0));
    let received = smtp.received();
    assert_eq!(received.len(), 4);
    let notice = &received[3];
    assert_eq!(notice.rcpt_tos, ["asda2@makassarkota.go.id"]);
    assert_eq!(
        notice.subject,
        "[Pantau] 1 OPD belum melapor Minggu ke-1 (22–27 Februari 2025) Program 100 Hari Kerja"
    );
    for expected in [
        "Yth. Asisten II,",
        "telah lewat (Jumat, 28 Februari 2025 pukul 09.00 WITA)",
        "- DLH: Dinas Lingkungan Hidup",
        "These units have not reported",
    ] {
        assert!(
            notice.text.contains(expected),
            "{expected:?} in\n{}",
            notice.text
        );
    }
    assert!(!notice.text.contains("DINKES"), "{}", notice.text);

    // Later the same day, and after a restart (new scheduler and sender on
    // the same database): nothing new, nothing twice.
    let afternoon = at(DEADLINE) + Duration::hours(6);
    assert_eq!(scheduler.tick(afternoon).await.unwrap(), report(0, 1));
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    assert_eq!(scheduler.tick(afternoon).await.unwrap(), report(0, 1));
    assert_eq!(sender.tick(afternoon).await.unwrap(), sent(0, 0, 0));
    assert_eq!(smtp.received().len(), 4);
    assert_eq!(
        outbox_statuses(&*db.store).await,
        vec![(MessageStatus::Sent, 1); 4]
    );
}

async fn outbox_retries_after_the_server_refuses_then_accepts(db: Db) {
    prepare(&*db.store).await;
    // The server answers 451 to the first two messages.
    let smtp = SmtpServer::start(2);
    let settings = smtp_settings(&smtp);
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    assert_eq!(scheduler.tick(at(FIRST)).await.unwrap(), report(2, 0));

    assert_eq!(sender.tick(at(FIRST)).await.unwrap(), sent(0, 2, 0));
    assert!(smtp.received().is_empty());
    for message in db.outbox_messages(REGION, None, 10).await.unwrap() {
        assert_eq!(message.status, MessageStatus::Pending);
        assert_eq!(message.attempts, 1);
        assert!(
            message.last_error.as_deref().unwrap().contains("451"),
            "{message:?}"
        );
        // The default policy waits a minute after the first failure.
        assert_eq!(message.next_attempt_at, at(FIRST) + Duration::minutes(1));
    }

    // Not before the backoff is over ...
    let early = at(FIRST) + Duration::seconds(59);
    assert_eq!(sender.tick(early).await.unwrap(), sent(0, 0, 0));
    // ... then the server accepts.
    let retry = at(FIRST) + Duration::minutes(1);
    assert_eq!(sender.tick(retry).await.unwrap(), sent(2, 0, 0));
    assert_eq!(
        recipients(&smtp.received()),
        ["dinkes@makassarkota.go.id", "dlh@makassarkota.go.id"]
    );
    for message in db.outbox_messages(REGION, None, 10).await.unwrap() {
        assert_eq!(message.status, MessageStatus::Sent);
        assert_eq!(message.attempts, 2);
        assert_eq!(message.sent_at, Some(retry));
    }

    // A restarted sender on the same database sends none of them again.
    let restarted = Sender::new(db.store.clone(), &settings).unwrap();
    assert_eq!(
        restarted.tick(retry + Duration::days(1)).await.unwrap(),
        sent(0, 0, 0)
    );
    assert_eq!(smtp.received().len(), 2);
}

async fn a_restart_sends_nothing_twice_and_loses_nothing(db: Db) {
    prepare(&*db.store).await;
    let smtp = SmtpServer::start(0);
    let settings = smtp_settings(&smtp);
    Scheduler::new(db.store.clone(), &settings)
        .tick(at(FIRST))
        .await
        .unwrap();
    // A server claims both messages and dies before sending them.
    let lost = db.claim_due(at(FIRST), settings.lease, 10).await.unwrap();
    assert_eq!(lost.len(), 2);

    // The restarted server does not take them while the dead one's lease holds ...
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    let during = at(FIRST) + settings.lease - Duration::seconds(1);
    assert_eq!(sender.tick(during).await.unwrap(), sent(0, 0, 0));
    assert!(smtp.received().is_empty());
    // ... and sends each once when it has run out.
    let after = at(FIRST) + settings.lease;
    assert_eq!(sender.tick(after).await.unwrap(), sent(2, 0, 0));
    assert_eq!(
        recipients(&smtp.received()),
        ["dinkes@makassarkota.go.id", "dlh@makassarkota.go.id"]
    );

    // Another restart: a new scheduler (no cache) and sender find nothing to do.
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    let later = after + Duration::minutes(10);
    assert_eq!(scheduler.tick(later).await.unwrap(), report(0, 2));
    assert_eq!(sender.tick(later).await.unwrap(), sent(0, 0, 0));
    assert_eq!(smtp.received().len(), 2);
}

async fn webhook_delivery_retries_and_carries_the_recipient(db: Db) {
    prepare(&*db.store).await;
    // The first call is answered 503.
    let hook = WebhookServer::start(1).await;
    let settings = Settings {
        webhook_url: Some(hook.url.clone()),
        timeout: std::time::Duration::from_secs(20),
        ..Settings::default()
    };
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    // The webhook reaches the DLH operator without an e-mail address too.
    assert_eq!(scheduler.tick(at(FIRST)).await.unwrap(), report(3, 0));
    assert_eq!(sender.tick(at(FIRST)).await.unwrap(), sent(2, 1, 0));
    let retry = at(FIRST) + Duration::minutes(1);
    assert_eq!(sender.tick(retry).await.unwrap(), sent(1, 0, 0));
    assert_eq!(sender.tick(retry).await.unwrap(), sent(0, 0, 0));

    let hooks = hook.hooks();
    assert_eq!(hooks.len(), 4);
    assert_eq!(hooks[0].status, 503);
    let delivered: Vec<&Hook> = hooks.iter().filter(|h| h.status == 200).collect();
    let mut users: Vec<&str> = delivered
        .iter()
        .map(|h| h.body["recipient"]["username"].as_str().unwrap())
        .collect();
    users.sort();
    assert_eq!(users, ["op-dinkes", "op-dlh", "op-dlh-wa"]);
    // The failed call was retried with the same key.
    assert!(
        delivered
            .iter()
            .any(|h| h.idempotency_key == hooks[0].idempotency_key)
    );
    let wa = delivered
        .iter()
        .find(|h| h.body["recipient"]["username"] == "op-dlh-wa")
        .unwrap();
    assert_eq!(wa.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        wa.idempotency_key.as_deref(),
        Some("reminder:7371:100HK:1:DLH:-1d@15:00:webhook:op-dlh-wa")
    );
    let body = &wa.body;
    assert_eq!(body["kind"], "reminder");
    assert_eq!(body["region"], REGION);
    assert_eq!(body["program"], "100HK");
    assert_eq!(body["period"], 1);
    assert_eq!(body["deadline"], "2025-02-28T09:00:00+08:00");
    assert_eq!(body["offset"], "-1d@15:00");
    assert_eq!(body["units"][0]["code"], "DLH");
    assert_eq!(body["recipient"]["email"], serde_json::Value::Null);
    assert_eq!(body["recipient"]["role"], "operator");
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("Yth. Operator DLH (WhatsApp),"),
        "{body}"
    );
}

#[tokio::test]
async fn unusable_settings_are_refused_naming_the_setting() {
    let db = Db::fresh(pantau_store::Backend::Sqlite).await;
    let store: Arc<dyn Store> = db.store.clone();
    let field_of = |result: Result<Sender, NotifyError>| match result {
        Err(NotifyError::Setting { field, message }) => {
            assert!(!message.is_empty());
            field
        }
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("accepted"),
    };
    let with_smtp = |url: &str, from: &str| Settings {
        smtp: Some(SmtpSettings {
            url: url.into(),
            from: from.into(),
        }),
        ..Settings::default()
    };
    assert_eq!(
        field_of(Sender::new(
            store.clone(),
            &with_smtp("http://mail.example", "pantau@example.go.id")
        )),
        "smtp-url"
    );
    assert_eq!(
        field_of(Sender::new(
            store.clone(),
            &with_smtp("smtp://127.0.0.1:2525", "not an address")
        )),
        "smtp-from"
    );
    let webhook = Settings {
        webhook_url: Some("ftp://gateway.example/hook".into()),
        ..Settings::default()
    };
    assert_eq!(
        field_of(Sender::new(store.clone(), &webhook)),
        "webhook-url"
    );
    let short_lease = Settings {
        webhook_url: Some("http://127.0.0.1:9/hook".into()),
        lease: chrono::Duration::seconds(30),
        timeout: std::time::Duration::from_secs(30),
        ..Settings::default()
    };
    assert_eq!(field_of(Sender::new(store, &short_lease)), "lease");
    assert!(matches!(
        short_lease.validate(),
        Err(NotifyError::Setting { field: "lease", .. })
    ));
}

async fn reminders_in_wib_wita_and_wit_arrive_at_their_local_times(db: Db) {
    // The same program in three regions, one per Indonesian time zone: the
    // reminders at Thu 15:00 and Fri 07:00 local time, the notice at the
    // deadline, Fri 09:00 local time.
    let zones = [
        ("3275", "Kota Bekasi", "Asia/Jakarta", "WIB", 7),
        ("7371", "Kota Makassar", "Asia/Makassar", "WITA", 8),
        ("9471", "Kota Jayapura", "Asia/Jayapura", "WIT", 9),
    ];
    let mut events: Vec<(DateTime<Utc>, &str, &str, usize)> = Vec::new();
    for (code, name, tz, label, hours) in zones {
        prepare_in(&*db.store, code, name, tz, &format!("-{code}")).await;
        let local = |text: &str| at(&format!("{text}+0{hours}:00"));
        // DLH and DINKES have not reported: two reminders each time; the
        // notice goes to ASDA1 (DINKES) and ASDA2 (DLH).
        events.push((local("2025-02-27T15:00:00"), code, label, 2));
        events.push((local("2025-02-28T07:00:00"), code, label, 2));
        events.push((local("2025-02-28T09:00:00"), code, label, 2));
    }
    // Bekasi's 07:00 WIB is Jayapura's 09:00 WIT: the same instant.
    assert_eq!(events[1].0, events[8].0);
    events.sort();

    let smtp = SmtpServer::start(0);
    let settings = smtp_settings(&smtp);
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    let mut instants: Vec<DateTime<Utc>> = events.iter().map(|e| e.0).collect();
    instants.dedup();
    for instant in instants {
        let now: Vec<_> = events.iter().filter(|e| e.0 == instant).collect();
        let expected: usize = now.iter().map(|e| e.3).sum();
        let before = smtp.received().len();
        let early = instant - Duration::seconds(1);
        assert_eq!(scheduler.tick(early).await.unwrap().enqueued, 0, "{early}");
        assert_eq!(sender.tick(early).await.unwrap().sent, 0, "{early}");
        assert_eq!(
            scheduler.tick(instant).await.unwrap().enqueued,
            expected,
            "{instant}"
        );
        assert_eq!(sender.tick(instant).await.unwrap().sent, expected);
        let received = smtp.received();
        assert_eq!(received.len(), before + expected, "{instant}");
        for message in &received[before..] {
            let (_, code, label, _) = now
                .iter()
                .find(|e| message.rcpt_tos[0].contains(&format!("-{}@", e.1)))
                .unwrap_or_else(|| panic!("{instant}: unexpected {:?}", message.rcpt_tos));
            // The deadline is written in the region's zone: 09:00 local.
            let local_deadline = format!("09:00 {label}");
            assert!(
                message.text.contains(&format!("{local_deadline}."))
                    || message.text.contains(&format!("{local_deadline})")),
                "{code}: {local_deadline} in\n{}",
                message.text
            );
        }
    }
    assert_eq!(smtp.received().len(), 18);
}

/// The webhook's URL carries a token; the gateway is down, and the HTTP
/// library's error quotes the URL. The outbox keeps the error, without the token.
async fn a_webhook_token_stays_out_of_the_outbox_errors(db: Db) {
    prepare(&*db.store).await;
    let settings = Settings {
        webhook_url: Some("http://127.0.0.1:9/kirim?token=RAHASIA-GATEWAY-42&to=grup".into()),
        timeout: std::time::Duration::from_secs(5),
        ..Settings::default()
    };
    let scheduler = Scheduler::new(db.store.clone(), &settings);
    let sender = Sender::new(db.store.clone(), &settings).unwrap();
    scheduler.tick(at(FIRST)).await.unwrap();
    let report = sender.tick(at(FIRST)).await.unwrap();
    assert!(report.retried > 0, "{report:?}");
    let messages = db.store.outbox_messages(REGION, None, 100).await.unwrap();
    let errors: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.last_error.as_deref())
        .collect();
    assert!(!errors.is_empty());
    for error in errors {
        assert!(!error.contains("RAHASIA"), "{error}");
        assert!(error.contains("token=***"), "{error}");
    }
}
