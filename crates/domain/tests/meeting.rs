//! The agenda of the Bekasi sample at several meetings (expectations worked out
//! by hand from examples/bekasi-100hk.json: reports per unit and period against
//! the deadlines), and the rules of follow-up states and frozen minutes.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use pantau_domain::evaluation::{ComplianceState, Status};
use pantau_domain::meeting::*;
use pantau_domain::model::Region;
use pantau_domain::{Options, evaluate};
use proptest::prelude::*;

fn sample() -> Region {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    pantau_domain::validate(&pantau_domain::parse(&text).unwrap()).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn scope_of(region: &Region, cluster: Option<&str>, period: u32) -> MeetingScope {
    let program = &region.programs[0];
    match cluster {
        Some(c) => MeetingScope::weekly(region, program, c, period).unwrap(),
        None => MeetingScope::final_of(program),
    }
}

fn agenda_of(
    region: &Region,
    cluster: Option<&str>,
    period: u32,
    follow_ups: &[FollowUp],
) -> Agenda {
    let program = &region.programs[0];
    let scope = scope_of(region, cluster, period);
    let evaluation = evaluate(region, program, &scope.as_of(program), Options::default());
    agenda(region, program, &scope, &evaluation, follow_ups)
}

type Line<'a> = (&'a str, ComplianceState, Vec<u32>, Vec<u32>);

fn reporting(agenda: &Agenda) -> Vec<Line<'_>> {
    agenda
        .reporting
        .iter()
        .map(|r| {
            (
                r.unit.as_str(),
                r.this_period,
                r.missing_periods.clone(),
                r.late_periods.clone(),
            )
        })
        .collect()
}

fn targets(agenda: &Agenda) -> Vec<(&str, Status)> {
    agenda
        .targets
        .iter()
        .map(|t| (t.target.as_str(), t.status))
        .collect()
}

fn follow_up(id: i64, unit: &str, due: &str) -> FollowUp {
    FollowUp {
        id,
        unit: unit.into(),
        unit_name: format!("Unit {unit}"),
        description: format!("Commitment {id}"),
        due: date(due),
        done_at: None,
        done_note: None,
        state: FollowUpState::Open,
    }
}

#[test]
fn meetings_look_at_the_period_deadline() {
    let region = sample();
    let program = &region.programs[0];
    let scope = scope_of(&region, Some("ASDA2"), 3);
    assert_eq!(scope.kind(), MeetingKind::Weekly);
    assert_eq!(scope.period.start, date("2025-03-07"));
    assert_eq!(scope.period.end, date("2025-03-13"));
    let as_of = scope.as_of(program);
    assert_eq!(
        program.calendar.format_instant(as_of.instant),
        "2025-03-14T09:00:00+07:00"
    );
    assert_eq!(scope.date(program), date("2025-03-14"));
    let last = scope_of(&region, None, 0);
    assert_eq!(last.kind(), MeetingKind::Final);
    assert_eq!(last.period.index, 13);
    assert_eq!(
        program.calendar.format_instant(last.as_of(program).instant),
        "2025-05-21T09:00:00+07:00"
    );
    assert!(matches!(
        MeetingScope::weekly(&region, program, "ASDA9", 1),
        Err(ScopeError::UnknownCluster(_))
    ));
    assert!(matches!(
        MeetingScope::weekly(&region, program, "ASDA1", 14),
        Err(ScopeError::UnknownPeriod(14))
    ));
}

#[test]
fn first_week_of_asda1_everyone_reported_and_the_slow_starters_are_listed() {
    let region = sample();
    let agenda = agenda_of(&region, Some("ASDA1"), 1, &[]);
    assert_eq!(reporting(&agenda), vec![]);
    // Six days in, most cumulative targets lag the straight line to the end.
    assert_eq!(
        targets(&agenda),
        vec![
            ("DP3A-01", Status::OffTrack),
            ("SATPOLPP-01", Status::OffTrack),
            ("SATPOLPP-02", Status::OnTrack),
            ("DINSOS-01", Status::OffTrack),
            ("DINSOS-02", Status::OffTrack),
            ("DINKES-01", Status::OffTrack),
            ("DISDUKCAPIL-01", Status::OffTrack),
        ]
    );
    // SATPOLPP-02 is on track but projected to miss: that is why it is there.
    let satpol = agenda
        .targets
        .iter()
        .find(|t| t.target == "SATPOLPP-02")
        .unwrap();
    assert!(satpol.likely_to_miss);
    assert_eq!(satpol.unit_name, "Satuan Polisi Pamong Praja");
}

#[test]
fn week_three_of_asda2_recalls_last_week_late_and_missing_reports() {
    let region = sample();
    let agenda = agenda_of(&region, Some("ASDA2"), 3, &[]);
    assert_eq!(
        reporting(&agenda),
        vec![
            ("DISNAKER", ComplianceState::OnTime, vec![], vec![2]),
            ("DISPERKIMTAN", ComplianceState::OnTime, vec![2], vec![]),
        ]
    );
    assert_eq!(
        targets(&agenda),
        vec![
            ("DISDAGPERIN-01", Status::OffTrack),
            ("DLH-02", Status::AtRisk),
            ("DBMSDA-01", Status::OffTrack),
            ("DBMSDA-02", Status::AtRisk),
            ("DBMSDA-03", Status::OnTrack),
            ("DISKOPUKM-02", Status::AtRisk),
            ("DISNAKER-01", Status::OffTrack),
            ("DISPERKIMTAN-01", Status::OffTrack),
            ("DISHUB-01", Status::OffTrack),
        ]
    );
    // Only ASDA2's units.
    let asda2: Vec<&str> = region
        .units
        .iter()
        .filter(|u| u.cluster.map(|c| region.clusters[c].code.as_str()) == Some("ASDA2"))
        .map(|u| u.code.as_str())
        .collect();
    assert!(
        agenda
            .targets
            .iter()
            .all(|t| asda2.contains(&t.unit.as_str()))
    );
}

#[test]
fn week_six_of_asda1_shows_a_unit_that_stopped_reporting() {
    let region = sample();
    let agenda = agenda_of(&region, Some("ASDA1"), 6, &[]);
    assert_eq!(
        reporting(&agenda),
        vec![
            ("SATPOLPP", ComplianceState::OnTime, vec![], vec![3]),
            // Nothing by Friday 09:00 for period 6, nothing at all for 4 and 5.
            (
                "KEC-BANTARGEBANG",
                ComplianceState::Open,
                vec![4, 5],
                vec![]
            ),
        ]
    );
    let stale = agenda
        .targets
        .iter()
        .find(|t| t.target == "KEC-BANTARGEBANG-01")
        .unwrap();
    assert_eq!(stale.status, Status::NoData);
    assert!(stale.stale);
    assert_eq!(stale.achievement_pct, None);
}

#[test]
fn the_final_meeting_covers_every_unit_as_of_the_final_deadline() {
    let region = sample();
    let agenda = agenda_of(&region, None, 0, &[]);
    assert_eq!(
        reporting(&agenda),
        vec![
            ("SATPOLPP", ComplianceState::OnTime, vec![], vec![3, 7]),
            (
                "DISNAKER",
                ComplianceState::Open,
                vec![12],
                vec![2, 4, 5, 7, 9, 11]
            ),
            (
                "DISHUB",
                ComplianceState::Open,
                vec![7, 8, 9, 10, 11, 12],
                vec![]
            ),
            (
                "DISKOMINFOSTANDI",
                ComplianceState::OnTime,
                vec![3, 9],
                vec![]
            ),
            ("DISDAGPERIN", ComplianceState::OnTime, vec![4, 8], vec![6]),
            ("DBMSDA", ComplianceState::OnTime, vec![], vec![5]),
            ("DISPERKIMTAN", ComplianceState::OnTime, vec![2], vec![8]),
            (
                "KEC-BANTARGEBANG",
                ComplianceState::OnTime,
                vec![4, 5, 6, 8, 9],
                vec![7, 11]
            ),
        ]
    );
    // After the end every unmet target is not achieved.
    assert_eq!(
        targets(&agenda),
        vec![
            ("SATPOLPP-01", Status::NotAchieved),
            ("DISDAGPERIN-01", Status::NotAchieved),
            ("DBMSDA-01", Status::NotAchieved),
            ("DISNAKER-01", Status::NotAchieved),
            ("DINSOS-02", Status::NotAchieved),
            ("DISPERKIMTAN-01", Status::NotAchieved),
            ("DISHUB-01", Status::NotAchieved),
            ("KEC-BANTARGEBANG-01", Status::NotAchieved),
        ]
    );
}

#[test]
fn overdue_follow_ups_of_the_cluster_open_the_agenda() {
    let region = sample();
    // Meeting of ASDA1 for period 4: Friday 2025-03-21.
    let follow_ups = [
        follow_up(1, "DP3A", "2025-03-28"),
        follow_up(2, "DINSOS", "2025-03-20"),
        follow_up(3, "DLH", "2025-03-14"), // ASDA2: not this meeting's
        follow_up(4, "SATPOLPP", "2025-03-21"), // due today: still open
        FollowUp {
            done_at: Some(Utc.with_ymd_and_hms(2025, 3, 18, 2, 0, 0).unwrap()),
            done_note: Some("Selesai".into()),
            ..follow_up(5, "DINKES", "2025-03-14")
        },
        follow_up(6, "DISDIK", "2025-03-07"),
    ];
    let agenda = agenda_of(&region, Some("ASDA1"), 4, &follow_ups);
    let listed: Vec<(i64, FollowUpState)> =
        agenda.follow_ups.iter().map(|f| (f.id, f.state)).collect();
    assert_eq!(
        listed,
        vec![
            (6, FollowUpState::Overdue),
            (2, FollowUpState::Overdue),
            (4, FollowUpState::Open),
            (1, FollowUpState::Open),
        ]
    );
    assert_eq!(agenda.overdue().count(), 2);
    // The final meeting sees every unit's.
    let last = agenda_of(&region, None, 0, &follow_ups);
    assert_eq!(last.follow_ups.len(), 5);
    assert!(last.overdue().all(|f| f.id != 5));
}

#[test]
fn follow_up_states_by_local_date() {
    let due = date("2025-03-14");
    assert_eq!(
        FollowUpState::of(due, false, date("2025-03-14")),
        FollowUpState::Open
    );
    assert_eq!(
        FollowUpState::of(due, false, date("2025-03-15")),
        FollowUpState::Overdue
    );
    assert_eq!(
        FollowUpState::of(due, true, date("2025-04-15")),
        FollowUpState::Done
    );
}

proptest! {
    #[test]
    fn a_follow_up_is_done_or_overdue_exactly_when_it_should_be(
        due_offset in 0i64..200, today_offset in 0i64..200, done: bool
    ) {
        let base = date("2025-01-01");
        let due = base + Duration::days(due_offset);
        let today = base + Duration::days(today_offset);
        let state = FollowUpState::of(due, done, today);
        prop_assert_eq!(state == FollowUpState::Done, done);
        prop_assert_eq!(state == FollowUpState::Overdue, !done && today > due);
        // Once overdue it stays overdue on every later day until done.
        if state == FollowUpState::Overdue {
            prop_assert_eq!(FollowUpState::of(due, false, today + Duration::days(1)), FollowUpState::Overdue);
        }
    }

    #[test]
    fn the_agenda_of_any_week_lists_only_the_cluster_and_what_needs_attention(
        period in 1u32..=13, cluster in 0usize..3
    ) {
        let region = sample();
        let code = region.clusters[cluster].code.clone();
        let agenda = agenda_of(&region, Some(&code), period, &[]);
        let in_cluster = |unit: &str| {
            region.units.iter().find(|u| u.code == unit).unwrap().cluster == Some(cluster)
        };
        for t in &agenda.targets {
            prop_assert!(in_cluster(&t.unit));
            prop_assert!(
                matches!(t.status, Status::OffTrack | Status::AtRisk | Status::NotAchieved)
                    || t.stale || t.likely_to_miss
            );
        }
        for r in &agenda.reporting {
            prop_assert!(in_cluster(&r.unit));
            // At the deadline the meeting's own period is never "missing" yet.
            prop_assert!(r.this_period != ComplianceState::Missing);
            prop_assert!(r.missing_periods.iter().chain(&r.late_periods).all(|p| *p < period));
        }
    }
}

fn closed_minutes(region: &Region, cluster: Option<&str>, period: u32) -> Minutes {
    let program = &region.programs[0];
    let scope = scope_of(region, cluster, period);
    let evaluation = evaluate(region, program, &scope.as_of(program), Options::default());
    let earlier = [
        follow_up(1, "DINSOS", "2025-03-20"),
        FollowUp {
            done_at: Some(Utc.with_ymd_and_hms(2025, 3, 20, 2, 0, 0).unwrap()),
            done_note: Some("Rapat koordinasi digelar".into()),
            ..follow_up(2, "DP3A", "2025-03-28")
        },
    ];
    Minutes::freeze(
        region,
        program,
        &scope,
        &evaluation,
        MeetingRecord {
            notes: vec![Note {
                unit: "DINSOS".into(),
                unit_name: "Dinas Sosial".into(),
                text: "Percepat penyaluran".into(),
                by: "asda1".into(),
            }],
            overrides: vec![Override {
                unit: "DINSOS".into(),
                unit_name: "Dinas Sosial".into(),
                target: Some("DINSOS-02".into()),
                target_name: Some("x".into()),
                // Whatever was recorded, the minutes show the engine's status.
                computed: Some(Status::Achieved),
                status: Status::AtRisk,
                justification: "Data bulan lalu belum masuk".into(),
                by: "asda1".into(),
            }],
            follow_ups_created: vec![follow_up(3, "DINSOS", "2025-03-28")],
            earlier_follow_ups: &earlier,
            closed_at: Utc.with_ymd_and_hms(2025, 3, 21, 4, 0, 0).unwrap(),
            closed_by: "asda1".into(),
        },
    )
}

#[test]
fn minutes_keep_the_figures_and_read_back_identically() {
    let region = sample();
    let minutes = closed_minutes(&region, Some("ASDA1"), 4);
    assert_eq!(minutes.kind, MeetingKind::Weekly);
    assert_eq!(minutes.cluster.as_ref().unwrap().code, "ASDA1");
    assert_eq!(minutes.program.name, "Program 100 Hari Kerja");
    assert_eq!(minutes.region.name, "Kota Bekasi");
    assert_eq!(minutes.as_of, "2025-03-21T09:00:00+07:00");
    // Every ASDA1 unit, and only those.
    let asda1 = region.units.iter().filter(|u| u.cluster == Some(0)).count();
    assert_eq!(minutes.units.len(), asda1);
    assert!(minutes.evaluation.is_none());
    assert!(minutes.cluster_result.is_some());
    // The override keeps the engine's status beside the evaluator's.
    let o = &minutes.overrides[0];
    assert_eq!(o.status, Status::AtRisk);
    let engine = minutes
        .targets
        .iter()
        .find(|t| t.result.code == "DINSOS-02")
        .unwrap();
    assert_eq!(o.computed, Some(engine.result.status));
    assert_ne!(o.computed, Some(Status::Achieved));
    // Follow-ups reviewed: the open one (overdue at the meeting); the done one
    // was not on the agenda.
    assert_eq!(minutes.follow_ups_reviewed.len(), 1);
    assert_eq!(minutes.follow_ups_reviewed[0].state, FollowUpState::Overdue);
    // Written and read back, it writes the same text again.
    let text = serde_json::to_string(&minutes).unwrap();
    let back: Minutes = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    assert_eq!(back.agenda, minutes.agenda);
}

#[test]
fn final_minutes_keep_the_whole_evaluation() {
    let region = sample();
    let minutes = closed_minutes(&region, None, 0);
    assert_eq!(minutes.kind, MeetingKind::Final);
    assert!(minutes.cluster.is_none());
    assert_eq!(minutes.units.len(), region.units.len());
    let evaluation = minutes.evaluation.as_ref().unwrap();
    assert_eq!(evaluation.units.len(), region.units.len());
    assert_eq!(evaluation.as_of, "2025-05-21T09:00:00+07:00");
    let text = serde_json::to_string(&minutes).unwrap();
    let back: Minutes = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
}
