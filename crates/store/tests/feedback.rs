//! Citizen feedback on both backends: a case is received, moved by the
//! party whose step it is, refused steps change nothing, every step is kept
//! and audited without the sender's personal data, answers come only from
//! the unit the case was dispatched to, answered cases close themselves after
//! ten working days, personal data is erased after retention, and the
//! region's holidays start from the national list until the admin edits them.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;
use pantau_domain::feedback::{Action, Category, Party, State, StepRefused};
use pantau_domain::workdays::{Holiday, HolidayKind};
use pantau_store::{FeedbackFilter, ImportMode, NewFeedback, StepBy, StoreError};

backend_tests!(
    a_case_goes_from_received_to_done,
    refused_steps_change_nothing,
    only_the_dispatched_unit_answers,
    answered_cases_close_themselves_after_ten_working_days,
    personal_data_is_erased_after_retention_and_never_audited,
    anonymous_senders_leave_no_name,
    tracking_codes_are_unique_and_counts_feed_the_rate_limits,
    lists_filter_by_state_unit_and_target,
    holidays_start_national_and_the_admin_edits_them,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

// Thursday 10 July 2025, 10:00 WIB.
const T0: &str = "2025-07-10T03:00:00Z";

fn new_case<'a>(body: &'a str) -> NewFeedback<'a> {
    NewFeedback {
        program: "100HK",
        target: Some("DP3A-01"),
        unit: "DP3A",
        category: Category::Pengaduan,
        body,
        sender_name: Some("Siti Aminah"),
        sender_contact: Some("0812-1111-2222"),
        anonymous: false,
        confidential: false,
        photo: None,
        address_key: "addr-1",
    }
}

async fn seeded(db: &Db) {
    import(&**db, &sample(), ImportMode::NewRegion).await;
}

fn admin() -> pantau_store::Actor {
    actor("admin", None)
}

async fn take(
    db: &Db,
    code: &str,
    action: Action,
    party: Party,
    unit: Option<&str>,
    label: &str,
    now: DateTime<Utc>,
) -> Result<pantau_store::FeedbackCase, StepRefused> {
    let who = actor(label, None);
    db.feedback_step(
        "3275",
        code,
        &action,
        &StepBy {
            party,
            unit,
            actor: &who,
        },
        now,
    )
    .await
    .unwrap()
}

async fn a_case_goes_from_received_to_done(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    let case = db
        .feedback_create("3275", &new_case("Lampu taman mati"), "MW-AAAA", t0)
        .await
        .unwrap();
    assert_eq!(case.state, State::Diterima);
    assert_eq!(case.received_at, t0);
    assert_eq!(case.steps.len(), 1);
    let steps = [
        (Action::Verify, Party::Admin, None, "admin"),
        (
            Action::Dispatch {
                unit: "DP3A".into(),
            },
            Party::Admin,
            None,
            "admin",
        ),
        (
            Action::Answer {
                text: "Sudah diperbaiki".into(),
            },
            Party::Unit,
            Some("DP3A"),
            "op-dp3a",
        ),
        (
            Action::Reopen {
                reason: "Masih mati".into(),
            },
            Party::Citizen,
            None,
            "warga",
        ),
        (
            Action::Answer {
                text: "Kabel diganti".into(),
            },
            Party::Unit,
            Some("DP3A"),
            "op-dp3a",
        ),
        (Action::Accept, Party::Citizen, None, "warga"),
    ];
    let mut now = t0;
    for (action, party, unit, label) in steps {
        now += Duration::hours(1);
        take(&db, "MW-AAAA", action, party, unit, label, now)
            .await
            .unwrap();
    }
    let case = db.feedback_case("3275", "MW-AAAA").await.unwrap().unwrap();
    assert_eq!(case.state, State::Selesai);
    assert_eq!(case.answer.as_deref(), Some("Kabel diganti"));
    assert_eq!(case.dispatched_unit.as_deref(), Some("DP3A"));
    let path: Vec<State> = case.steps.iter().map(|s| s.to).collect();
    assert_eq!(
        path,
        [
            State::Diterima,
            State::Diverifikasi,
            State::Didisposisikan,
            State::Ditindaklanjuti,
            State::DibukaKembali,
            State::Ditindaklanjuti,
            State::Selesai
        ]
    );
    assert_eq!(case.steps[3].actor, "op-dp3a");
    assert_eq!(case.steps[4].text.as_deref(), Some("Masih mati"));
    let audit = db.audit_log("3275", 1000).await.unwrap();
    let feedback_actions: Vec<&str> = audit
        .iter()
        .filter(|r| r.entity == "feedback")
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(feedback_actions.len(), 7, "{feedback_actions:?}");
}

async fn refused_steps_change_nothing(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    db.feedback_create("3275", &new_case("Jalan rusak"), "MW-BBBB", t0)
        .await
        .unwrap();
    let refused = take(
        &db,
        "MW-BBBB",
        Action::Answer { text: "x".into() },
        Party::Unit,
        Some("DP3A"),
        "op-dp3a",
        t0,
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, StepRefused::NotNow { .. }), "{refused}");
    let refused = take(
        &db,
        "MW-BBBB",
        Action::Verify,
        Party::Citizen,
        None,
        "warga",
        t0,
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, StepRefused::NotYours { .. }), "{refused}");
    // A unit that is not the region's is named in the refusal.
    take(
        &db,
        "MW-BBBB",
        Action::Verify,
        Party::Admin,
        None,
        "admin",
        t0,
    )
    .await
    .unwrap();
    let err = db
        .feedback_step(
            "3275",
            "MW-BBBB",
            &Action::Dispatch {
                unit: "NOPE".into(),
            },
            &StepBy {
                party: Party::Admin,
                unit: None,
                actor: &admin(),
            },
            t0,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, message } if field == "unit" && message.contains("NOPE")),
        "{err}"
    );
    let case = db.feedback_case("3275", "MW-BBBB").await.unwrap().unwrap();
    assert_eq!(case.state, State::Diverifikasi);
    assert_eq!(case.steps.len(), 2);
    assert_eq!(case.dispatched_unit, None);
    assert!(
        db.feedback_case("3275", "MW-NONE").await.unwrap().is_none(),
        "unknown codes are not found"
    );
}

async fn only_the_dispatched_unit_answers(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    db.feedback_create("3275", &new_case("Sampah"), "MW-CCCC", t0)
        .await
        .unwrap();
    take(
        &db,
        "MW-CCCC",
        Action::Verify,
        Party::Admin,
        None,
        "admin",
        t0,
    )
    .await
    .unwrap();
    take(
        &db,
        "MW-CCCC",
        Action::Dispatch { unit: "DLH".into() },
        Party::Admin,
        None,
        "admin",
        t0,
    )
    .await
    .unwrap();
    let who = actor("op-dp3a", None);
    let err = db
        .feedback_step(
            "3275",
            "MW-CCCC",
            &Action::Answer {
                text: "bukan kami".into(),
            },
            &StepBy {
                party: Party::Unit,
                unit: Some("DP3A"),
                actor: &who,
            },
            t0,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("DLH"), "{err}");
    let case = db.feedback_case("3275", "MW-CCCC").await.unwrap().unwrap();
    assert_eq!(case.state, State::Didisposisikan);
    assert_eq!(case.answer, None);
}

async fn answered_cases_close_themselves_after_ten_working_days(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    db.feedback_create("3275", &new_case("Banjir"), "MW-DDDD", t0)
        .await
        .unwrap();
    for (action, party, unit) in [
        (Action::Verify, Party::Admin, None),
        (
            Action::Dispatch {
                unit: "DP3A".into(),
            },
            Party::Admin,
            None,
        ),
        (
            Action::Answer {
                text: "Saluran dibersihkan".into(),
            },
            Party::Unit,
            Some("DP3A"),
        ),
    ] {
        take(&db, "MW-DDDD", action, party, unit, "someone", t0)
            .await
            .unwrap();
    }
    // Answered Thursday 10 July; ten working days on is Thursday 24 July,
    // so it closes on the 25th (local time), not before.
    assert_eq!(
        db.feedback_close_unanswered("3275", at("2025-07-24T16:59:00Z"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        db.feedback_close_unanswered("3275", at("2025-07-24T17:00:00Z"))
            .await
            .unwrap(),
        1,
        "midnight of the 25th in Jakarta"
    );
    let case = db.feedback_case("3275", "MW-DDDD").await.unwrap().unwrap();
    assert_eq!(case.state, State::Selesai);
    assert_eq!(case.steps.last().unwrap().party, Party::System);
    assert_eq!(
        db.feedback_close_unanswered("3275", at("2025-08-30T00:00:00Z"))
            .await
            .unwrap(),
        0,
        "closed once"
    );
}

async fn personal_data_is_erased_after_retention_and_never_audited(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    db.feedback_create("3275", &new_case("Parkir liar"), "MW-EEEE", t0)
        .await
        .unwrap();
    db.feedback_create("3275", &new_case("Masih terbuka"), "MW-FFFF", t0)
        .await
        .unwrap();
    take(
        &db,
        "MW-EEEE",
        Action::Archive {
            reason: "ganda".into(),
        },
        Party::Admin,
        None,
        "admin",
        t0 + Duration::days(1),
    )
    .await
    .unwrap();
    let erased = db
        .feedback_erase_personal(t0 + Duration::days(30), t0 + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(erased, 1, "only the closed case");
    let closed = db.feedback_case("3275", "MW-EEEE").await.unwrap().unwrap();
    assert_eq!(closed.sender_name, None);
    assert_eq!(closed.sender_contact, None);
    assert_eq!(closed.personal_erased_at, Some(t0 + Duration::days(31)));
    assert_eq!(closed.body, "Parkir liar", "the case itself stays");
    let open = db.feedback_case("3275", "MW-FFFF").await.unwrap().unwrap();
    assert_eq!(open.sender_contact.as_deref(), Some("0812-1111-2222"));
    let audit = db.audit_log("3275", 1000).await.unwrap();
    let text = serde_json::to_string(&audit).unwrap();
    assert!(text.contains("MW-EEEE"));
    assert!(!text.contains("Siti") && !text.contains("0812"), "{text}");
}

async fn anonymous_senders_leave_no_name(db: Db) {
    seeded(&db).await;
    let mut new = new_case("Pungli");
    new.anonymous = true;
    new.confidential = true;
    let case = db
        .feedback_create("3275", &new, "MW-GGGG", at(T0))
        .await
        .unwrap();
    assert_eq!((case.sender_name, case.sender_contact), (None, None));
    assert!(case.anonymous && case.confidential);
    let err = db
        .feedback_create("3275", &new_case("   "), "MW-HHHH", at(T0))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, .. } if field == "body"),
        "{err}"
    );
    let long = "x".repeat(4_001);
    let err = db
        .feedback_create("3275", &new_case(&long), "MW-HHHH", at(T0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("4000"), "{err}");
    assert!(db.feedback_case("3275", "MW-HHHH").await.unwrap().is_none());
}

async fn tracking_codes_are_unique_and_counts_feed_the_rate_limits(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    db.feedback_create("3275", &new_case("satu"), "MW-1111", t0)
        .await
        .unwrap();
    let err = db
        .feedback_create("3275", &new_case("dua"), "MW-1111", t0)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, .. } if field == "tracking_code"),
        "{err}"
    );
    let mut other = new_case("tiga");
    other.address_key = "addr-2";
    db.feedback_create("3275", &other, "MW-2222", t0 + Duration::minutes(5))
        .await
        .unwrap();
    let counts = db.feedback_counts("3275", "addr-1", t0).await.unwrap();
    assert_eq!((counts.from_address, counts.in_region), (1, 2));
    let counts = db
        .feedback_counts("3275", "addr-1", t0 + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((counts.from_address, counts.in_region), (0, 1));
}

async fn lists_filter_by_state_unit_and_target(db: Db) {
    seeded(&db).await;
    let t0 = at(T0);
    let mut about_unit = new_case("unit");
    about_unit.target = None;
    about_unit.unit = "DLH";
    db.feedback_create("3275", &new_case("target"), "MW-A1", t0)
        .await
        .unwrap();
    db.feedback_create("3275", &about_unit, "MW-A2", t0 + Duration::minutes(1))
        .await
        .unwrap();
    take(
        &db,
        "MW-A1",
        Action::Verify,
        Party::Admin,
        None,
        "admin",
        t0,
    )
    .await
    .unwrap();
    let codes = |cases: Vec<pantau_store::FeedbackCase>| {
        cases
            .into_iter()
            .map(|c| c.tracking_code)
            .collect::<Vec<_>>()
    };
    let all = db
        .feedback_list("3275", &FeedbackFilter::default())
        .await
        .unwrap();
    assert_eq!(codes(all), ["MW-A2", "MW-A1"], "newest first");
    let received = FeedbackFilter {
        states: vec![State::Diterima, State::Ditunda],
        ..Default::default()
    };
    assert_eq!(
        codes(db.feedback_list("3275", &received).await.unwrap()),
        ["MW-A2"]
    );
    let dlh = FeedbackFilter {
        unit: Some("DLH".into()),
        ..Default::default()
    };
    assert_eq!(
        codes(db.feedback_list("3275", &dlh).await.unwrap()),
        ["MW-A2"]
    );
    let target = FeedbackFilter {
        states: vec![State::Diverifikasi],
        target: Some(("100HK".into(), "DP3A-01".into())),
        unit: Some("DP3A".into()),
    };
    assert_eq!(
        codes(db.feedback_list("3275", &target).await.unwrap()),
        ["MW-A1"]
    );
}

async fn holidays_start_national_and_the_admin_edits_them(db: Db) {
    seeded(&db).await;
    let day = |t: &str| t.parse::<NaiveDate>().unwrap();
    let calendar = db.work_calendar("3275").await.unwrap();
    assert!(!calendar.is_working_day(day("2025-12-25")), "Natal");
    let own = vec![
        Holiday {
            date: day("2025-12-25"),
            name: "Hari Raya Natal".into(),
            kind: HolidayKind::National,
        },
        Holiday {
            date: day("2025-03-10"),
            name: "HUT Kota Bekasi".into(),
            kind: HolidayKind::Regional,
        },
    ];
    db.set_holidays("3275", &own, &admin()).await.unwrap();
    let calendar = db.work_calendar("3275").await.unwrap();
    assert_eq!(calendar.holidays().count(), 2);
    assert!(!calendar.is_working_day(day("2025-03-10")));
    assert!(
        calendar.is_working_day(day("2025-04-18")),
        "removed by the admin"
    );
    // An empty list is the admin's too: weekends only.
    db.set_holidays("3275", &[], &admin()).await.unwrap();
    assert_eq!(
        db.work_calendar("3275").await.unwrap().holidays().count(),
        0
    );
    let twice = vec![own[0].clone(), own[0].clone()];
    let err = db.set_holidays("3275", &twice, &admin()).await.unwrap_err();
    assert!(err.to_string().contains("holidays[1].date"), "{err}");
}
