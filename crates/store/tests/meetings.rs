//! Meetings, notes, overrides, follow-ups and frozen minutes, on SQLite and on
//! PostgreSQL (`sqlite::NAME`, `postgres::NAME`), each on a fresh store with the
//! sample imported.

#[macro_use]
mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::*;
use pantau_domain::evaluation::Status;
use pantau_domain::meeting::{FollowUpState, MeetingRecord, MeetingScope, Minutes, Note, Override};
use pantau_domain::{Options, evaluate};
use pantau_store::meetings::{FollowUpFilter, MeetingKey, MeetingStatus, NewFollowUp, NewOverride};
use pantau_store::{Attendee, ImportMode, Store, StoreError};

backend_tests!(
    the_first_change_opens_the_meeting_and_everything_is_audited,
    bad_input_names_the_field_and_writes_nothing,
    closing_freezes_the_minutes_and_refuses_further_changes,
    closing_refuses_minutes_that_miss_a_change,
    follow_ups_are_listed_by_owner_and_marked_done_once,
    follow_ups_are_paged_by_id_after_the_filters,
    final_minutes_are_the_frozen_final_evaluation,
    closings_get_consecutive_numbers_never_given_twice,
    attendance_is_kept_in_order_until_the_meeting_closes,
    a_numbering_pattern_is_checked_before_it_is_kept,
);

const REGION: &str = "3275";

async fn with_sample(db: &Db) {
    import(&**db, &sample(), ImportMode::NewRegion).await;
}

fn asda1(period: u32) -> MeetingKey {
    MeetingKey::weekly("100HK", "ASDA1", period)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn field_of(err: StoreError) -> String {
    match err {
        StoreError::Invalid { field, .. } => field,
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

/// Build the minutes of `key` from what the store holds, as the web does.
async fn minutes_of(store: &dyn Store, key: &MeetingKey, by: &str) -> Minutes {
    let region = validate_bundle(&export(store, REGION).await);
    let program = region.program(&key.program).unwrap();
    let scope = match (&key.cluster, key.period) {
        (Some(c), Some(p)) => MeetingScope::weekly(&region, program, c, p).unwrap(),
        _ => MeetingScope::final_of(program),
    };
    let evaluation = evaluate(&region, program, &scope.as_of(program), Options::default());
    let meeting = store.meeting(REGION, key).await.unwrap();
    let (notes, overrides, created) = match &meeting {
        None => (vec![], vec![], vec![]),
        Some(m) => (
            store.meeting_notes(REGION, m.id).await.unwrap(),
            store.meeting_overrides(REGION, m.id).await.unwrap(),
            store
                .follow_ups(
                    REGION,
                    &FollowUpFilter {
                        meeting_id: Some(m.id),
                        ..Default::default()
                    },
                )
                .await
                .unwrap(),
        ),
    };
    let name = |code: &str| {
        region
            .units
            .iter()
            .find(|u| u.code == code)
            .unwrap()
            .name
            .clone()
    };
    let today = scope.date(program);
    let earlier: Vec<_> = store
        .follow_ups(REGION, &FollowUpFilter::default())
        .await
        .unwrap()
        .iter()
        .filter(|f| Some(f.meeting_id) != meeting.as_ref().map(|m| m.id))
        .map(|f| f.to_domain(today))
        .collect();
    Minutes::freeze(
        &region,
        program,
        &scope,
        &evaluation,
        MeetingRecord {
            notes: notes
                .iter()
                .map(|n| Note {
                    unit: n.unit.clone(),
                    unit_name: name(&n.unit),
                    text: n.text.clone(),
                    by: n.author.clone(),
                })
                .collect(),
            overrides: overrides
                .iter()
                .map(|o| Override {
                    unit: o.unit.clone(),
                    unit_name: name(&o.unit),
                    target: o.target.clone(),
                    target_name: None,
                    computed: o.computed,
                    status: o.status,
                    justification: o.justification.clone(),
                    by: o.author.clone(),
                })
                .collect(),
            follow_ups_created: created.iter().map(|f| f.to_domain(today)).collect(),
            earlier_follow_ups: &earlier,
            closed_at: Utc.with_ymd_and_hms(2025, 3, 21, 3, 30, 0).unwrap(),
            closed_by: by.into(),
        },
    )
}

fn validate_bundle(bundle: &pantau_domain::bundle::Bundle) -> pantau_domain::model::Region {
    pantau_domain::validate(bundle).unwrap()
}

fn follow_up(unit: &str, due: &str, text: &str) -> NewFollowUp {
    NewFollowUp {
        unit: unit.into(),
        description: text.into(),
        due: date(due),
    }
}

async fn the_first_change_opens_the_meeting_and_everything_is_audited(db: Db) {
    with_sample(&db).await;
    let who = actor("asda1", None);
    assert_eq!(db.meeting(REGION, &asda1(4)).await.unwrap(), None);
    db.save_note(
        REGION,
        &asda1(4),
        "DINSOS",
        "  Penyaluran bansos terlambat  ",
        &who,
    )
    .await
    .unwrap();
    let meeting = db
        .meeting(REGION, &asda1(4))
        .await
        .unwrap()
        .expect("opened by the note");
    assert_eq!(meeting.status, MeetingStatus::Open);
    assert_eq!(
        (meeting.cluster.as_deref(), meeting.period),
        (Some("ASDA1"), Some(4))
    );
    assert_eq!(meeting.opened_by, "asda1");
    // A second note on the same unit replaces the first; an empty one removes it.
    db.save_note(REGION, &asda1(4), "DINSOS", "Bansos: percepat", &who)
        .await
        .unwrap();
    db.save_note(REGION, &asda1(4), "DP3A", "Posyandu sesuai rencana", &who)
        .await
        .unwrap();
    db.save_note(REGION, &asda1(4), "DP3A", "", &who)
        .await
        .unwrap();
    let notes = db.meeting_notes(REGION, meeting.id).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].unit.as_str(), notes[0].text.as_str()),
        ("DINSOS", "Bansos: percepat")
    );
    let id = db
        .add_override(
            REGION,
            &asda1(4),
            &NewOverride {
                unit: "DINSOS".into(),
                target: Some("DINSOS-02".into()),
                computed: Some(Status::OffTrack),
                status: Status::AtRisk,
                justification: "Data penyaluran pekan ini belum dientri".into(),
            },
            &who,
        )
        .await
        .unwrap();
    let overrides = db.meeting_overrides(REGION, meeting.id).await.unwrap();
    assert_eq!(overrides.len(), 1);
    assert_eq!(overrides[0].id, id);
    assert_eq!(
        (overrides[0].computed, overrides[0].status),
        (Some(Status::OffTrack), Status::AtRisk)
    );
    let f = db
        .add_follow_up(
            REGION,
            &asda1(4),
            &follow_up("DINSOS", "2025-03-27", "Salurkan bansos tahap 2"),
            &who,
        )
        .await
        .unwrap();
    let row = db.follow_up(REGION, f).await.unwrap().unwrap();
    assert_eq!(
        (row.unit.as_str(), row.due, row.meeting_id),
        ("DINSOS", date("2025-03-27"), meeting.id)
    );
    assert_eq!(row.meeting_period, Some(4));
    // Still one meeting; the meetings list has it.
    assert_eq!(
        db.meetings(REGION, "100HK").await.unwrap(),
        vec![meeting.clone()]
    );
    let log = db.audit_log(REGION, 20).await.unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .take(6)
        .map(|r| (r.action.as_str(), r.entity.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("create", "follow_up"),
            ("override", "meeting"),
            ("note", "meeting"),
            ("note", "meeting"),
            ("note", "meeting"),
            ("note", "meeting"),
        ]
    );
    assert_eq!(
        log[0].after.as_ref().unwrap()["description"],
        "Salurkan bansos tahap 2"
    );
    assert_eq!(
        log[2].after, None,
        "removing a note records its text before"
    );
    assert_eq!(
        log[2].before.as_ref().unwrap()["text"],
        "Posyandu sesuai rencana"
    );
}

async fn bad_input_names_the_field_and_writes_nothing(db: Db) {
    with_sample(&db).await;
    let who = actor("asda1", None);
    let audit_before = db.audit_log(REGION, 1000).await.unwrap().len();
    let mut change = NewOverride {
        unit: "DINSOS".into(),
        target: None,
        computed: Some(Status::OffTrack),
        status: Status::OnTrack,
        justification: "   ".into(),
    };
    assert_eq!(
        field_of(
            db.add_override(REGION, &asda1(2), &change, &who)
                .await
                .unwrap_err()
        ),
        "justification"
    );
    change.justification = "Alasan".into();
    change.target = Some("DLH-01".into()); // a target of another unit
    assert_eq!(
        field_of(
            db.add_override(REGION, &asda1(2), &change, &who)
                .await
                .unwrap_err()
        ),
        "target"
    );
    // DLH is in ASDA2: not a subject of ASDA1's meeting.
    assert_eq!(
        field_of(
            db.save_note(REGION, &asda1(2), "DLH", "x", &who)
                .await
                .unwrap_err()
        ),
        "unit"
    );
    assert_eq!(
        field_of(
            db.save_note(REGION, &asda1(2), "NOPE", "x", &who)
                .await
                .unwrap_err()
        ),
        "unit"
    );
    assert_eq!(
        field_of(
            db.add_follow_up(
                REGION,
                &asda1(2),
                &follow_up("DP3A", "2025-03-14", " "),
                &who
            )
            .await
            .unwrap_err()
        ),
        "description"
    );
    assert_eq!(
        field_of(
            db.add_follow_up(
                REGION,
                &MeetingKey::weekly("100HK", "ASDA1", 0),
                &follow_up("DP3A", "2025-03-14", "x"),
                &who
            )
            .await
            .unwrap_err()
        ),
        "period"
    );
    assert!(matches!(
        db.save_note(
            REGION,
            &MeetingKey::weekly("100HK", "ASDA9", 2),
            "DP3A",
            "x",
            &who
        )
        .await,
        Err(StoreError::NotFound {
            what: "cluster",
            ..
        })
    ));
    // Nothing was written, not even the meeting.
    assert_eq!(db.meeting(REGION, &asda1(2)).await.unwrap(), None);
    assert!(db.meetings(REGION, "100HK").await.unwrap().is_empty());
    assert_eq!(
        db.audit_log(REGION, 1000).await.unwrap().len(),
        audit_before
    );
}

async fn closing_freezes_the_minutes_and_refuses_further_changes(db: Db) {
    with_sample(&db).await;
    let who = actor("asda1", None);
    db.save_note(REGION, &asda1(4), "DINSOS", "Percepat penyaluran", &who)
        .await
        .unwrap();
    db.add_follow_up(
        REGION,
        &asda1(4),
        &follow_up("DP3A", "2025-03-27", "Revitalisasi 10 posyandu"),
        &who,
    )
    .await
    .unwrap();
    let minutes = minutes_of(&*db, &asda1(4), "asda1").await;
    db.close_meeting(REGION, &asda1(4), &minutes, &who)
        .await
        .unwrap();
    let meeting = db.meeting(REGION, &asda1(4)).await.unwrap().unwrap();
    assert_eq!(meeting.status, MeetingStatus::Closed);
    assert_eq!(meeting.closed_by.as_deref(), Some("asda1"));
    assert_eq!(meeting.closed_at, Some(minutes.closed_at));
    let frozen = db.minutes(REGION, &asda1(4)).await.unwrap().unwrap();
    assert_eq!(
        serde_json::to_value(&frozen).unwrap(),
        serde_json::to_value(&minutes).unwrap()
    );
    assert_eq!(frozen.notes[0].text, "Percepat penyaluran");
    assert_eq!(
        frozen.follow_ups_created[0].description,
        "Revitalisasi 10 posyandu"
    );
    // Every change to a closed meeting is refused, naming the meeting.
    let refused = [
        db.save_note(REGION, &asda1(4), "DINSOS", "later", &who)
            .await
            .unwrap_err(),
        db.add_follow_up(
            REGION,
            &asda1(4),
            &follow_up("DP3A", "2025-04-01", "later"),
            &who,
        )
        .await
        .unwrap_err(),
        db.add_override(
            REGION,
            &asda1(4),
            &NewOverride {
                unit: "DP3A".into(),
                target: None,
                computed: None,
                status: Status::OnTrack,
                justification: "later".into(),
            },
            &who,
        )
        .await
        .unwrap_err(),
        db.close_meeting(REGION, &asda1(4), &minutes, &who)
            .await
            .unwrap_err(),
    ];
    for err in refused {
        assert!(err.to_string().contains("is closed"), "{err}");
        assert_eq!(field_of(err), "meeting");
    }
    assert_eq!(db.meeting_notes(REGION, meeting.id).await.unwrap().len(), 1);
    // A new entry changes the live figures, not the frozen ones.
    db.create_entry(
        REGION,
        &pantau_store::NewEntry {
            program: "100HK".into(),
            target: "DP3A-01".into(),
            activity_date: date("2025-03-15"),
            value: rust_decimal::Decimal::from(50),
            note: None,
            submitted_at: Utc.with_ymd_and_hms(2025, 3, 20, 1, 0, 0).unwrap(),
        },
        &who,
    )
    .await
    .unwrap();
    let again = db.minutes(REGION, &asda1(4)).await.unwrap().unwrap();
    assert_eq!(
        serde_json::to_value(&again).unwrap(),
        serde_json::to_value(&minutes).unwrap()
    );
    let live = minutes_of(&*db, &asda1(5), "x").await;
    let dp3a = |m: &Minutes| {
        m.targets
            .iter()
            .find(|t| t.result.code == "DP3A-01")
            .unwrap()
            .result
            .realized
    };
    assert_ne!(dp3a(&live), dp3a(&again));
    // Other meetings stay open to changes.
    db.save_note(REGION, &asda1(5), "DINSOS", "Minggu berikutnya", &who)
        .await
        .unwrap();
}

async fn closing_refuses_minutes_that_miss_a_change(db: Db) {
    with_sample(&db).await;
    let who = actor("asda1", None);
    db.save_note(REGION, &asda1(6), "DINSOS", "Catatan", &who)
        .await
        .unwrap();
    let minutes = minutes_of(&*db, &asda1(6), "asda1").await;
    db.add_follow_up(
        REGION,
        &asda1(6),
        &follow_up("DINSOS", "2025-04-10", "Tambahan"),
        &who,
    )
    .await
    .unwrap();
    assert_eq!(
        field_of(
            db.close_meeting(REGION, &asda1(6), &minutes, &who)
                .await
                .unwrap_err()
        ),
        "meeting"
    );
    assert_eq!(
        db.meeting(REGION, &asda1(6)).await.unwrap().unwrap().status,
        MeetingStatus::Open
    );
    assert_eq!(
        db.minutes(REGION, &asda1(6))
            .await
            .unwrap()
            .map(|m| m.closed_by),
        None
    );
    let minutes = minutes_of(&*db, &asda1(6), "asda1").await;
    db.close_meeting(REGION, &asda1(6), &minutes, &who)
        .await
        .unwrap();
}

async fn follow_ups_are_listed_by_owner_and_marked_done_once(db: Db) {
    with_sample(&db).await;
    let asda = actor("asda1", None);
    let a = db
        .add_follow_up(
            REGION,
            &asda1(3),
            &follow_up("DP3A", "2025-03-20", "Data posyandu"),
            &asda,
        )
        .await
        .unwrap();
    let b = db
        .add_follow_up(
            REGION,
            &asda1(3),
            &follow_up("DINSOS", "2025-03-18", "Data bansos"),
            &asda,
        )
        .await
        .unwrap();
    let c = db
        .add_follow_up(
            REGION,
            &MeetingKey::weekly("100HK", "ASDA2", 3),
            &follow_up("DLH", "2025-03-19", "Titik banjir"),
            &actor("asda2", None),
        )
        .await
        .unwrap();
    let ids = |rows: Vec<pantau_store::meetings::FollowUpRow>| {
        rows.iter().map(|f| f.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(db
            .follow_ups(REGION, &FollowUpFilter::default())
            .await
            .unwrap()),
        vec![b, c, a]
    );
    assert_eq!(
        ids(db
            .follow_ups(
                REGION,
                &FollowUpFilter {
                    units: Some(vec!["DP3A".into()]),
                    ..Default::default()
                }
            )
            .await
            .unwrap()),
        vec![a]
    );
    assert_eq!(
        ids(db
            .follow_ups(
                REGION,
                &FollowUpFilter {
                    clusters: Some(vec!["ASDA2".into()]),
                    program: Some("100HK".into()),
                    ..Default::default()
                }
            )
            .await
            .unwrap()),
        vec![c]
    );
    assert!(
        db.follow_ups(
            REGION,
            &FollowUpFilter {
                program: Some("RPJMD".into()),
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
    let op = actor("op-dp3a", None);
    let at = Utc.with_ymd_and_hms(2025, 3, 19, 4, 0, 0).unwrap();
    assert_eq!(
        field_of(
            db.complete_follow_up(REGION, a, "  ", at, &op)
                .await
                .unwrap_err()
        ),
        "note"
    );
    db.complete_follow_up(REGION, a, "12 posyandu didata, daftar terlampir", at, &op)
        .await
        .unwrap();
    let row = db.follow_up(REGION, a).await.unwrap().unwrap();
    assert_eq!(row.done_at, Some(at));
    assert_eq!(row.done_by.as_deref(), Some("op-dp3a"));
    assert_eq!(row.to_domain(date("2025-04-30")).state, FollowUpState::Done);
    assert_eq!(
        db.follow_up(REGION, b)
            .await
            .unwrap()
            .unwrap()
            .to_domain(date("2025-03-19"))
            .state,
        FollowUpState::Overdue
    );
    assert_eq!(
        field_of(
            db.complete_follow_up(REGION, a, "again", at, &op)
                .await
                .unwrap_err()
        ),
        "follow_up"
    );
    assert!(matches!(
        db.complete_follow_up("9999", b, "x", at, &op).await,
        Err(StoreError::NotFound { .. })
    ));
    let last = &db.audit_log(REGION, 1).await.unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.entity_id.as_deref()),
        ("done", Some(a.to_string().as_str()))
    );
}

async fn final_minutes_are_the_frozen_final_evaluation(db: Db) {
    with_sample(&db).await;
    assert!(db.final_minutes(REGION, "100HK").await.unwrap().is_none());
    let key = MeetingKey::final_of("100HK");
    let admin = actor("admin", None);
    db.save_note(REGION, &key, "DLH", "Banjir berkurang", &admin)
        .await
        .unwrap();
    let minutes = minutes_of(&*db, &key, "admin").await;
    db.close_meeting(REGION, &key, &minutes, &admin)
        .await
        .unwrap();
    let frozen = db.final_minutes(REGION, "100HK").await.unwrap().unwrap();
    let evaluation = frozen.evaluation.expect("the whole evaluation");
    assert_eq!(evaluation.as_of, "2025-05-21T09:00:00+07:00");
    assert_eq!(evaluation.units.len(), 44);
    assert_eq!(
        serde_json::to_value(&evaluation).unwrap(),
        serde_json::to_value(minutes.evaluation.as_ref().unwrap()).unwrap()
    );
    // A weekly meeting's minutes are not the final ones.
    assert!(db.minutes(REGION, &asda1(13)).await.unwrap().is_none());
}

async fn follow_ups_are_paged_by_id_after_the_filters(db: Db) {
    with_sample(&db).await;
    let asda = actor("asda1", None);
    let mut made = Vec::new();
    for (period, unit, due) in [
        (3, "DP3A", "2025-05-20"),
        (3, "DINSOS", "2025-03-20"),
        (4, "DP3A", "2025-03-21"),
        (5, "DP3A", "2025-04-01"),
        (5, "DINKES", "2025-05-01"),
    ] {
        let id = db
            .add_follow_up(REGION, &asda1(period), &follow_up(unit, due, "Cek"), &asda)
            .await
            .unwrap();
        made.push((id, unit));
    }
    // Pages of 2 after each page's last id: every row once, by id, not by due date.
    let pages = |filter: FollowUpFilter| {
        let db = &db;
        async move {
            let mut ids = Vec::new();
            let mut after = 0;
            loop {
                let page = db
                    .follow_ups(
                        REGION,
                        &FollowUpFilter {
                            after_id: Some(after),
                            limit: Some(2),
                            ..filter.clone()
                        },
                    )
                    .await
                    .unwrap();
                assert!(page.len() <= 2);
                let Some(last) = page.last() else {
                    return ids;
                };
                after = last.id;
                ids.extend(page.iter().map(|f| f.id));
            }
        }
    };
    let all: Vec<i64> = made.iter().map(|(id, _)| *id).collect();
    assert_eq!(pages(FollowUpFilter::default()).await, all);
    // The owner filter is applied before the limit: full pages of DP3A's.
    let dp3a: Vec<i64> = made
        .iter()
        .filter(|(_, unit)| *unit == "DP3A")
        .map(|(id, _)| *id)
        .collect();
    let filter = FollowUpFilter {
        units: Some(vec!["DP3A".into()]),
        ..Default::default()
    };
    assert_eq!(pages(filter.clone()).await, dp3a);
    let first = db
        .follow_ups(
            REGION,
            &FollowUpFilter {
                after_id: Some(0),
                limit: Some(2),
                ..filter
            },
        )
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    // No units at all: nothing, not everything.
    assert!(
        db.follow_ups(
            REGION,
            &FollowUpFilter {
                units: Some(vec![]),
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
}

async fn closings_get_consecutive_numbers_never_given_twice(db: Db) {
    with_sample(&db).await;
    let who = actor("asda1", None);
    assert_eq!(db.document_number(REGION, &asda1(2)).await.unwrap(), None);
    let first = minutes_of(&*db, &asda1(2), "asda1").await;
    db.close_meeting(REGION, &asda1(2), &first, &who)
        .await
        .unwrap();
    // A closing that fails gives no number away.
    db.save_note(REGION, &asda1(3), "DINSOS", "Catatan", &who)
        .await
        .unwrap();
    let stale = minutes_of(&*db, &asda1(3), "asda1").await;
    db.save_note(REGION, &asda1(3), "DP3A", "Catatan lain", &who)
        .await
        .unwrap();
    db.close_meeting(REGION, &asda1(3), &stale, &who)
        .await
        .unwrap_err();
    assert_eq!(db.document_number(REGION, &asda1(3)).await.unwrap(), None);
    // The pattern changes between closings: the sequence goes on.
    db.set_document_pattern(
        REGION,
        "000.{nomor3}/SETDA/{bulan}/{tahun}",
        &actor("admin", None),
    )
    .await
    .unwrap();
    let second = minutes_of(&*db, &asda1(3), "asda1").await;
    db.close_meeting(REGION, &asda1(3), &second, &who)
        .await
        .unwrap();
    // The test minutes close on 21 March 2025.
    assert_eq!(
        db.document_number(REGION, &asda1(2))
            .await
            .unwrap()
            .as_deref(),
        Some("1/BA-EVAL/III/2025")
    );
    assert_eq!(
        db.document_number(REGION, &asda1(3))
            .await
            .unwrap()
            .as_deref(),
        Some("000.002/SETDA/03/2025")
    );
    // Closing again is refused and keeps the number.
    db.close_meeting(REGION, &asda1(3), &second, &who)
        .await
        .unwrap_err();
    let third = minutes_of(&*db, &asda1(5), "asda1").await;
    db.close_meeting(REGION, &asda1(5), &third, &who)
        .await
        .unwrap();
    assert_eq!(
        db.document_number(REGION, &asda1(5))
            .await
            .unwrap()
            .as_deref(),
        Some("000.003/SETDA/03/2025")
    );
    let log = db.audit_log(REGION, 1000).await.unwrap();
    assert!(log.iter().any(|r| r.entity == "document_pattern"));
}

async fn attendance_is_kept_in_order_until_the_meeting_closes(db: Db) {
    with_sample(&db).await;
    let who = actor("asda1", None);
    let line = |name: &str, office: &str, present: bool| Attendee {
        name: name.into(),
        office: office.into(),
        present,
    };
    db.save_attendance(
        REGION,
        &asda1(4),
        &[
            line("Siti Rahma", "Kepala DP3A", true),
            line("", "", true),
            line("Budi Santoso", "Dinas Sosial", false),
        ],
        &who,
    )
    .await
    .unwrap();
    assert_eq!(
        db.attendance(REGION, &asda1(4)).await.unwrap(),
        vec![
            line("Siti Rahma", "Kepala DP3A", true),
            line("Budi Santoso", "Dinas Sosial", false)
        ]
    );
    // A line without a name is refused, naming it, and nothing changes.
    let err = db
        .save_attendance(REGION, &asda1(4), &[line("", "Bappeda", true)], &who)
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "attendance[1].name");
    assert_eq!(db.attendance(REGION, &asda1(4)).await.unwrap().len(), 2);
    let minutes = minutes_of(&*db, &asda1(4), "asda1").await;
    db.close_meeting(REGION, &asda1(4), &minutes, &who)
        .await
        .unwrap();
    let err = db
        .save_attendance(REGION, &asda1(4), &[line("Ani", "Bappeda", true)], &who)
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "meeting");
    assert_eq!(db.attendance(REGION, &asda1(4)).await.unwrap().len(), 2);
}

async fn a_numbering_pattern_is_checked_before_it_is_kept(db: Db) {
    with_sample(&db).await;
    let admin = actor("admin", None);
    assert_eq!(
        db.document_pattern(REGION).await.unwrap(),
        pantau_domain::document::DEFAULT_PATTERN
    );
    let err = db
        .set_document_pattern(REGION, "{nomor}/BA", &admin)
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "pattern");
    assert_eq!(
        db.document_pattern(REGION).await.unwrap(),
        pantau_domain::document::DEFAULT_PATTERN
    );
    db.set_document_pattern(REGION, " {nomor}/BA/{tahun} ", &admin)
        .await
        .unwrap();
    assert_eq!(
        db.document_pattern(REGION).await.unwrap(),
        "{nomor}/BA/{tahun}"
    );
}
