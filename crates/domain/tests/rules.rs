//! One test per rule and per example of `shared/spec/domain.md` (and the
//! evaluation example of `shared/spec/bundle.md`), checked through the JSON
//! output of the engine: the documented contract.

mod common;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use common::*;
use pantau_domain::rating::{Rating, achievement, round2};
use pantau_domain::{Calendar, Options};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn status(eval: &Value, code: &str) -> String {
    target(eval, code)["status"].as_str().unwrap().to_owned()
}

/// A bundle with one `sum` target of DP3A (baseline 0, target 100) and nothing else.
fn one_sum() -> B {
    B::new().sum("T1", "DP3A", 0.0, 100.0)
}

// ---------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------

#[test]
fn bekasi_calendar_has_13_periods_with_the_documented_dates_and_deadlines() {
    let eval = one_sum().eval("2025-04-25");
    let periods = eval["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 13);
    let expect = [
        (1, "2025-02-22", "2025-02-27", "2025-02-28T09:00:00+07:00"),
        (2, "2025-02-28", "2025-03-06", "2025-03-07T09:00:00+07:00"),
        (12, "2025-05-09", "2025-05-15", "2025-05-16T09:00:00+07:00"),
        (13, "2025-05-16", "2025-05-20", "2025-05-21T09:00:00+07:00"),
    ];
    for (index, start, end, deadline) in expect {
        let p = &periods[index - 1];
        assert_eq!(
            p,
            &json!({"index": index, "start": start, "end": end, "deadline": deadline}),
            "period {index}"
        );
    }
    assert_eq!(eval["days_total"], 88);
    assert_eq!(eval["day"], 63);
    // Every period but the first starts on a Friday and follows the previous one.
    for pair in periods.windows(2) {
        let prev_end = date(pair[0]["end"].as_str().unwrap());
        let next_start = date(pair[1]["start"].as_str().unwrap());
        assert_eq!(prev_end.succ_opt().unwrap(), next_start);
        assert_eq!(next_start.format("%a").to_string(), "Fri");
    }
}

#[test]
fn periods_list_every_period_whatever_the_as_of() {
    for as_of in ["2025-01-01", "2025-02-22", "2025-05-20", "2025-12-31"] {
        let eval = one_sum().eval(as_of);
        assert_eq!(
            eval["periods"].as_array().unwrap().len(),
            13,
            "as_of {as_of}"
        );
    }
}

#[test]
fn bekasi_calendar_through_the_calendar_api() {
    let region = one_sum().region();
    let cal = &region.programs[0].calendar;
    assert_eq!(cal.periods().len(), 13);
    assert_eq!(cal.days_total(), 88);
    let p1 = &cal.periods()[0];
    assert_eq!((p1.start, p1.end), (date("2025-02-22"), date("2025-02-27")));
    assert_eq!(
        p1.deadline,
        Utc.with_ymd_and_hms(2025, 2, 28, 2, 0, 0).unwrap(),
        "09:00 WIB is 02:00 UTC"
    );
    // Saturday 1 March belongs to period 2, due Friday 7 March.
    assert_eq!(cal.period_position(date("2025-03-01")), Some(1));
    assert_eq!(cal.period_position(date("2025-02-21")), None);
    assert_eq!(cal.period_position(date("2025-05-21")), None);
    assert_eq!(cal.period_position(date("2025-05-20")), Some(12));
}

#[test]
fn day_is_clamped_to_zero_and_days_total() {
    let b = one_sum();
    for (as_of, day) in [
        ("2025-01-01", 0),
        ("2025-02-21", 0),
        ("2025-02-22", 1),
        ("2025-02-23", 2),
        ("2025-04-25", 63),
        ("2025-05-20", 88),
        ("2025-05-21", 88),
        ("2026-03-01", 88),
        // Moments count by their local (WIB) date.
        ("2025-02-21T16:59:59Z", 0),
        ("2025-02-21T17:00:00Z", 1),
        ("2025-05-20T16:59:59Z", 88),
    ] {
        let eval = b.eval(as_of);
        assert_eq!(eval["day"], day, "as_of {as_of}");
        assert_eq!(eval["days_total"], 88);
    }
}

#[test]
fn day_direct_from_the_calendar() {
    let region = one_sum().region();
    let cal = &region.programs[0].calendar;
    assert_eq!(cal.day(date("2025-02-21")), 0);
    assert_eq!(cal.day(date("2025-02-22")), 1);
    assert_eq!(cal.day(date("2025-05-20")), 88);
    assert_eq!(cal.day(date("2025-05-21")), 88);
}

#[test]
fn as_of_given_as_a_date_means_the_end_of_that_local_day() {
    // An entry submitted at 23:59 on 25 April counts at as_of "2025-04-25".
    let b = one_sum().entry("T1", "2025-04-25", "2025-04-25T23:59:00+07:00", 7.0);
    let eval = b.eval("2025-04-25");
    assert_eq!(eval["as_of"], "2025-04-25T23:59:59+07:00");
    assert_num(target(&eval, "T1"), "realized", 7.0);

    let region = b.region();
    let cal = &region.programs[0].calendar;
    let as_of = cal.parse_as_of("2025-04-25").unwrap();
    assert!(as_of.date_only);
    assert_eq!(as_of.local_date, date("2025-04-25"));
    assert_eq!(
        as_of.instant,
        cal.start_of_day(date("2025-04-26")) - chrono::Duration::nanoseconds(1)
    );
}

#[test]
fn as_of_moment_is_written_in_the_program_time_zone() {
    let b = one_sum().entry("T1", "2025-04-25", "2025-04-25T23:59:00+07:00", 7.0);
    let eval = b.eval("2025-04-25T03:00:00Z");
    assert_eq!(eval["as_of"], "2025-04-25T10:00:00+07:00");
    // 10:00 WIB is before the 23:59 submission.
    assert_null(target(&eval, "T1"), "realized");
    let region = b.region();
    assert!(
        region.programs[0]
            .calendar
            .parse_as_of("25/04/2025")
            .is_err()
    );
}

#[test]
fn final_deadline_replaces_the_last_period_deadline() {
    let b = one_sum().set("final_deadline", json!("2025-05-23T17:00:00+07:00"));
    let eval = b.eval("2025-05-22");
    let periods = eval["periods"].as_array().unwrap();
    assert_eq!(periods[12]["deadline"], "2025-05-23T17:00:00+07:00");
    assert_eq!(periods[11]["deadline"], "2025-05-16T09:00:00+07:00");
    // Not yet due on 22 May: open, not missing.
    assert_eq!(state(&eval, "DP3A", 13), "open");
    assert_eq!(state(&one_sum().eval("2025-05-22"), "DP3A", 13), "missing");
}

#[test]
fn evaluation_weekday_and_deadline_time_are_settings() {
    // Wed 5 March to Tue 18 March, Monday evaluations at 16:00.
    let b = one_sum()
        .set("start", json!("2025-03-05"))
        .set("end", json!("2025-03-18"))
        .set("evaluation_weekday", json!("monday"))
        .set("deadline_time", json!("16:00"));
    let eval = b.eval("2025-03-10");
    assert_eq!(
        eval["periods"],
        json!([
            {"index": 1, "start": "2025-03-05", "end": "2025-03-09", "deadline": "2025-03-10T16:00:00+07:00"},
            {"index": 2, "start": "2025-03-10", "end": "2025-03-16", "deadline": "2025-03-17T16:00:00+07:00"},
            {"index": 3, "start": "2025-03-17", "end": "2025-03-18", "deadline": "2025-03-19T16:00:00+07:00"}
        ])
    );
    assert_eq!(eval["days_total"], 14);
}

#[test]
fn a_start_on_the_evaluation_weekday_begins_period_one_not_an_empty_period() {
    // Fri 28 Feb to Thu 13 Mar: exactly two Friday-to-Thursday periods.
    let b = one_sum()
        .set("start", json!("2025-02-28"))
        .set("end", json!("2025-03-13"));
    let eval = b.eval("2025-03-01");
    assert_eq!(
        eval["periods"],
        json!([
            {"index": 1, "start": "2025-02-28", "end": "2025-03-06", "deadline": "2025-03-07T09:00:00+07:00"},
            {"index": 2, "start": "2025-03-07", "end": "2025-03-13", "deadline": "2025-03-14T09:00:00+07:00"}
        ])
    );
}

#[test]
fn a_one_day_program_has_one_period_due_the_next_day() {
    let b = one_sum()
        .set("start", json!("2025-03-05"))
        .set("end", json!("2025-03-05"));
    let eval = b.eval("2025-03-05");
    assert_eq!(
        eval["periods"],
        json!([{"index": 1, "start": "2025-03-05", "end": "2025-03-05", "deadline": "2025-03-06T09:00:00+07:00"}])
    );
    assert_eq!(eval["days_total"], 1);
    assert_eq!(eval["day"], 1);
}

#[test]
fn the_calendar_follows_the_region_time_zone() {
    let mut b = one_sum();
    b.doc["region"]["timezone"] = json!("Asia/Jayapura");
    let eval = b.eval("2025-03-01");
    assert_eq!(eval["periods"][0]["deadline"], "2025-02-28T09:00:00+09:00");
    assert_eq!(eval["as_of"], "2025-03-01T23:59:59+09:00");
    // A program's own time zone wins over the region's.
    let b = b.set("timezone", json!("Asia/Makassar"));
    let eval = b.eval("2025-03-01");
    assert_eq!(eval["periods"][0]["deadline"], "2025-02-28T09:00:00+08:00");
}

#[test]
fn calendar_new_refuses_start_after_end() {
    let t = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let err = Calendar::new(
        date("2025-05-21"),
        date("2025-05-20"),
        chrono_tz::Asia::Jakarta,
        chrono::Weekday::Fri,
        t,
        None,
    );
    assert!(err.is_err());
}

// ---------------------------------------------------------------------------
// Reporting compliance
// ---------------------------------------------------------------------------

#[test]
fn a_saturday_activity_reported_the_next_friday_before_nine_is_on_time() {
    // Sat 1 March is in period 2 (28 Feb - 6 Mar), due Fri 7 March 09:00.
    let b = one_sum().entry("T1", "2025-03-01", "2025-03-07T08:59:00+07:00", 5.0);
    let eval = b.eval("2025-03-14");
    assert_eq!(state(&eval, "DP3A", 2), "on_time");
    assert_eq!(state(&eval, "DP3A", 1), "missing");
    assert_num(target(&eval, "T1"), "realized", 5.0);
}

#[test]
fn a_report_at_exactly_the_deadline_is_on_time_one_second_later_is_late() {
    let at = |t: &str| {
        let eval = one_sum()
            .entry("T1", "2025-03-01", t, 5.0)
            .eval("2025-03-14");
        state(&eval, "DP3A", 2)
    };
    assert_eq!(at("2025-03-07T09:00:00+07:00"), "on_time");
    assert_eq!(at("2025-03-07T09:00:01+07:00"), "late");
    assert_eq!(at("2025-03-07T08:59:59+07:00"), "on_time");
}

#[test]
fn a_submission_stamped_in_utc_is_compared_with_the_wib_deadline() {
    let at = |t: &str| {
        let eval = one_sum()
            .entry("T1", "2025-03-01", t, 5.0)
            .eval("2025-03-14");
        state(&eval, "DP3A", 2)
    };
    // 09:00 WIB is 02:00 UTC.
    assert_eq!(at("2025-03-07T02:00:00Z"), "on_time");
    assert_eq!(at("2025-03-07T01:59:59Z"), "on_time");
    assert_eq!(at("2025-03-07T02:00:01Z"), "late");
    // 08:30 UTC would be on time if read as local time: it is 15:30 WIB, late.
    assert_eq!(at("2025-03-07T08:30:00Z"), "late");
    // Other offsets too.
    assert_eq!(at("2025-03-07T10:00:00+08:00"), "on_time");
    assert_eq!(at("2025-03-07T10:00:01+08:00"), "late");
}

#[test]
fn missing_and_open_around_the_deadline() {
    let b = one_sum();
    // At the deadline of period 2 exactly: open; period 1 long due: missing;
    // period 3 begins on 7 March: listed and open.
    let eval = b.eval("2025-03-07T09:00:00+07:00");
    assert_eq!(
        compliance(&eval, "DP3A"),
        vec![
            (1, "missing".into()),
            (2, "open".into()),
            (3, "open".into())
        ]
    );
    // One second later period 2 is missing.
    let eval = b.eval("2025-03-07T09:00:01+07:00");
    assert_eq!(state(&eval, "DP3A", 2), "missing");
    assert_eq!(state(&eval, "DP3A", 3), "open");
    // The same in UTC.
    let eval = b.eval("2025-03-07T02:00:01Z");
    assert_eq!(state(&eval, "DP3A", 2), "missing");
}

#[test]
fn a_report_submitted_after_the_deadline_is_late_and_before_it_arrives_missing() {
    // Period 1 (due 28 Feb 09:00) reported on 1 March.
    let b = one_sum().nil("DP3A", "2025-02-24", "2025-03-01T10:00:00+07:00");
    assert_eq!(
        state(&b.eval("2025-02-28T12:00:00+07:00"), "DP3A", 1),
        "missing"
    );
    assert_eq!(
        state(&b.eval("2025-03-01T10:00:00+07:00"), "DP3A", 1),
        "late"
    );
    assert_eq!(state(&b.eval("2025-03-01"), "DP3A", 1), "late");
    // Before its deadline, a period with nothing yet is open.
    assert_eq!(state(&b.eval("2025-02-25"), "DP3A", 1), "open");
}

#[test]
fn the_earliest_report_of_a_period_decides() {
    // A late entry does not spoil an on-time nil report for the same period.
    let b = one_sum()
        .entry("T1", "2025-03-02", "2025-03-09T10:00:00+07:00", 5.0)
        .nil("DP3A", "2025-03-05", "2025-03-06T10:00:00+07:00");
    assert_eq!(state(&b.eval("2025-03-14"), "DP3A", 2), "on_time");
}

#[test]
fn only_periods_begun_by_as_of_are_listed() {
    let b = one_sum();
    let periods = |as_of: &str| -> Vec<u64> {
        compliance(&b.eval(as_of), "DP3A")
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    assert_eq!(periods("2025-02-21"), Vec::<u64>::new());
    assert_eq!(periods("2025-02-22"), vec![1]);
    assert_eq!(periods("2025-02-27"), vec![1]);
    assert_eq!(periods("2025-02-28T00:00:00+07:00"), vec![1, 2]);
    assert_eq!(periods("2025-03-13"), vec![1, 2, 3]);
    assert_eq!(periods("2025-03-14"), vec![1, 2, 3, 4]);
    assert_eq!(periods("2025-05-21"), (1..=13).collect::<Vec<_>>());
    // Before the start nothing is due: rates are null.
    let eval = b.eval("2025-02-21");
    assert_null(unit(&eval, "DP3A"), "reporting_rate");
    assert_null(unit(&eval, "DP3A"), "on_time_rate");
    assert_null(&eval["summary"], "reporting_rate");
}

#[test]
fn reporting_rate_and_on_time_rate() {
    // Period 1 on time, 2 late, 3 missing, 4 and 5 open.
    let b = one_sum()
        .entry("T1", "2025-02-25", "2025-02-27T10:00:00+07:00", 1.0)
        .nil("DP3A", "2025-03-03", "2025-03-08T10:00:00+07:00");
    let eval = b.eval("2025-03-21T08:00:00+07:00");
    assert_eq!(
        compliance(&eval, "DP3A"),
        vec![
            (1, "on_time".into()),
            (2, "late".into()),
            (3, "missing".into()),
            (4, "open".into()),
            (5, "open".into())
        ]
    );
    let u = unit(&eval, "DP3A");
    assert_num(u, "reporting_rate", 0.67);
    assert_num(u, "on_time_rate", 0.33);
    // While only open periods are listed the rates are null.
    let eval = b.eval("2025-02-23");
    assert_eq!(compliance(&eval, "DP3A"), vec![(1, "open".into())]);
    assert_null(unit(&eval, "DP3A"), "reporting_rate");
    assert_null(unit(&eval, "DP3A"), "on_time_rate");
    // Everything on time: both rates 1.
    let eval = b.eval("2025-02-28T09:00:01+07:00");
    assert_num(unit(&eval, "DP3A"), "reporting_rate", 1.0);
    assert_num(unit(&eval, "DP3A"), "on_time_rate", 1.0);
}

#[test]
fn nil_reports_count_for_compliance_but_not_for_realisation() {
    // 10 March is in period 3 (7-13 March), due 14 March 09:00.
    let b = one_sum().nil("DP3A", "2025-03-10", "2025-03-14T08:00:00+07:00");
    let eval = b.eval("2025-03-20");
    assert_eq!(state(&eval, "DP3A", 3), "on_time");
    assert_eq!(state(&eval, "DP3A", 2), "missing");
    assert_eq!(status(&eval, "T1"), "no_data");
    assert_null(target(&eval, "T1"), "realized");
    // A nil report submitted after as_of does not count yet.
    assert_eq!(
        state(&b.eval("2025-03-14T07:00:00+07:00"), "DP3A", 3),
        "open"
    );
    assert_eq!(state(&b.eval("2025-03-13"), "DP3A", 3), "open");
}

#[test]
fn returned_entries_count_for_compliance_but_never_for_realisation() {
    let b = one_sum().entry_s(
        "T1",
        "2025-03-01",
        "2025-03-06T10:00:00+07:00",
        50.0,
        "returned",
    );
    for options in [
        Options::default(),
        Options {
            verified_only: true,
        },
    ] {
        let eval = b.eval_with("2025-03-20", options);
        assert_eq!(state(&eval, "DP3A", 2), "on_time");
        assert_eq!(status(&eval, "T1"), "no_data");
        assert_null(target(&eval, "T1"), "realized");
    }
    let b = b.entry("T1", "2025-03-02", "2025-03-06T11:00:00+07:00", 10.0);
    let eval = b.eval("2025-03-20");
    assert_num(target(&eval, "T1"), "realized", 10.0);
}

#[test]
fn submitted_entries_count_for_compliance_under_verified_only_too() {
    let b = one_sum().entry_s(
        "T1",
        "2025-03-01",
        "2025-03-06T10:00:00+07:00",
        50.0,
        "submitted",
    );
    let eval = b.eval_verified_only("2025-03-20");
    assert_eq!(state(&eval, "DP3A", 2), "on_time");
    assert_eq!(status(&eval, "T1"), "no_data");
}

#[test]
fn entries_submitted_after_as_of_are_not_counted() {
    let b = one_sum().entry("T1", "2025-03-01", "2025-03-10T10:00:00+07:00", 10.0);
    let eval = b.eval("2025-03-10T09:59:59+07:00");
    assert_null(target(&eval, "T1"), "realized");
    assert_eq!(status(&eval, "T1"), "no_data");
    assert_eq!(state(&eval, "DP3A", 2), "missing");
    let eval = b.eval("2025-03-10T10:00:00+07:00");
    assert_num(target(&eval, "T1"), "realized", 10.0);
    assert_eq!(state(&eval, "DP3A", 2), "late");
}

#[test]
fn entries_with_an_activity_date_after_as_of_local_date_are_not_counted() {
    // A valid bundle cannot hold such an entry submitted before as_of (it would
    // be submitted before its activity date began), so move the submission in
    // the model, which the engine reads as is.
    let b = one_sum()
        .entry("T1", "2025-03-01", "2025-03-01T10:00:00+07:00", 3.0)
        .entry("T1", "2025-03-11", "2025-03-11T10:00:00+07:00", 10.0);
    let mut region = b.region();
    region.programs[0].entries[1].submitted_at = Utc.with_ymd_and_hms(2025, 3, 9, 0, 0, 0).unwrap();
    let eval = eval_region(&region, "2025-03-10", Options::default());
    assert_num(target(&eval, "T1"), "realized", 3.0);
    let eval = eval_region(&region, "2025-03-11T00:00:00+07:00", Options::default());
    assert_num(target(&eval, "T1"), "realized", 13.0);
    // Read by the local date in WIB: 10 March 23:00 UTC is 11 March 06:00 WIB.
    let eval = eval_region(&region, "2025-03-10T23:00:00Z", Options::default());
    assert_num(target(&eval, "T1"), "realized", 13.0);
    let eval = eval_region(&region, "2025-03-10T16:59:59Z", Options::default());
    assert_num(target(&eval, "T1"), "realized", 3.0);
}

// ---------------------------------------------------------------------------
// Realisation
// ---------------------------------------------------------------------------

#[test]
fn sum_is_baseline_plus_counted_values() {
    let b = B::new()
        .sum("T1", "DP3A", 10.0, 100.0)
        .entry("T1", "2025-03-01", "2025-03-02T10:00:00+07:00", 5.0)
        .entry("T1", "2025-03-05", "2025-03-06T10:00:00+07:00", 7.0)
        .entry_s(
            "T1",
            "2025-03-05",
            "2025-03-06T11:00:00+07:00",
            3.0,
            "submitted",
        )
        .entry_s(
            "T1",
            "2025-03-05",
            "2025-03-06T12:00:00+07:00",
            40.0,
            "returned",
        );
    let eval = b.eval("2025-03-10");
    assert_num(target(&eval, "T1"), "realized", 25.0);
    // 25 of 100: the baseline is part of the realisation.
    assert_num(target(&eval, "T1"), "achievement_pct", 25.0);
}

#[test]
fn last_takes_the_latest_activity_date_even_when_submitted_earlier() {
    let b = B::new()
        .last("L", "DP3A", "higher", 0.0, 100.0)
        // Listed first, submitted later, but for an earlier activity date.
        .entry("L", "2025-04-10", "2025-04-20T10:00:00+07:00", 30.0)
        .entry("L", "2025-04-15", "2025-04-16T10:00:00+07:00", 20.0);
    let eval = b.eval("2025-04-25");
    assert_num(target(&eval, "L"), "realized", 20.0);
    // Before the later activity is reported, the earlier one holds.
    let eval = b.eval("2025-04-15T09:00:00+07:00");
    assert_null(target(&eval, "L"), "realized");
    let eval = b.eval("2025-04-16T12:00:00+07:00");
    assert_num(target(&eval, "L"), "realized", 20.0);
}

#[test]
fn last_ties_on_activity_date_go_to_the_latest_submission() {
    let mk = |first: (&str, f64), second: (&str, f64)| {
        B::new()
            .last("L", "DP3A", "higher", 0.0, 100.0)
            .entry("L", "2025-04-15", first.0, first.1)
            .entry("L", "2025-04-15", second.0, second.1)
            .eval("2025-04-25")
    };
    // Whatever the order in the bundle, the later submission wins.
    let eval = mk(
        ("2025-04-17T10:00:00+07:00", 25.0),
        ("2025-04-16T10:00:00+07:00", 20.0),
    );
    assert_num(target(&eval, "L"), "realized", 25.0);
    let eval = mk(
        ("2025-04-16T10:00:00+07:00", 20.0),
        ("2025-04-17T10:00:00+07:00", 25.0),
    );
    assert_num(target(&eval, "L"), "realized", 25.0);
    // Compared as instants, not as text: 03:30Z is 10:30 WIB, after 10:00 WIB.
    let eval = mk(
        ("2025-04-17T03:30:00Z", 25.0),
        ("2025-04-17T10:00:00+07:00", 20.0),
    );
    assert_num(target(&eval, "L"), "realized", 25.0);
}

#[test]
fn last_may_fall_and_is_not_a_sum() {
    let b = B::new()
        .last("L", "DP3A", "higher", 50.0, 80.0)
        .entry("L", "2025-03-01", "2025-03-02T10:00:00+07:00", 70.0)
        .entry("L", "2025-03-08", "2025-03-09T10:00:00+07:00", 60.0);
    let eval = b.eval("2025-03-10");
    assert_num(target(&eval, "L"), "realized", 60.0);
    assert_num(target(&eval, "L"), "achievement_pct", 75.0);
}

#[test]
fn milestone_is_one_once_any_counted_entry_is_one() {
    let b = B::new().milestone("M", "DLH", Some("2025-04-30")).entry(
        "M",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        0.0,
    );
    let eval = b.eval("2025-03-10");
    let t = target(&eval, "M");
    assert_num(t, "realized", 0.0);
    assert_num(t, "achievement_pct", 0.0);
    assert_eq!(t["rating"], "sangat_rendah");

    let b = b
        .entry("M", "2025-03-12", "2025-03-12T10:00:00+07:00", 1.0)
        // A later 0 does not undo it.
        .entry("M", "2025-03-20", "2025-03-20T10:00:00+07:00", 0.0);
    let eval = b.eval("2025-03-25");
    let t = target(&eval, "M");
    assert_num(t, "realized", 1.0);
    assert_num(t, "achievement_pct", 100.0);
    assert_eq!(t["rating"], "sangat_tinggi");
    assert_eq!(t["status"], "achieved");
    // A returned or (verified_only) submitted 1 does not count.
    let b = B::new()
        .milestone("M", "DLH", None)
        .entry("M", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.0)
        .entry_s(
            "M",
            "2025-03-01",
            "2025-03-02T11:00:00+07:00",
            1.0,
            "returned",
        )
        .entry_s(
            "M",
            "2025-03-01",
            "2025-03-02T12:00:00+07:00",
            1.0,
            "submitted",
        );
    assert_num(target(&b.eval("2025-03-10"), "M"), "realized", 1.0);
    assert_num(
        target(&b.eval_verified_only("2025-03-10"), "M"),
        "realized",
        0.0,
    );
}

#[test]
fn verified_only_counts_verified_entries_alone() {
    let b = one_sum()
        .entry("T1", "2025-03-01", "2025-03-02T10:00:00+07:00", 10.0)
        .entry_s(
            "T1",
            "2025-03-01",
            "2025-03-02T11:00:00+07:00",
            5.0,
            "submitted",
        )
        .entry_s(
            "T1",
            "2025-03-01",
            "2025-03-02T12:00:00+07:00",
            100.0,
            "returned",
        );
    assert_num(target(&b.eval("2025-03-10"), "T1"), "realized", 15.0);
    assert_num(
        target(&b.eval_verified_only("2025-03-10"), "T1"),
        "realized",
        10.0,
    );
    // The default status of an entry is verified.
    let b = one_sum().entry_json(json!({
        "target": "T1", "activity_date": "2025-03-01",
        "submitted_at": "2025-03-02T10:00:00+07:00", "value": 4
    }));
    assert_num(
        target(&b.eval_verified_only("2025-03-10"), "T1"),
        "realized",
        4.0,
    );
    // Only submitted entries: no data under verified_only.
    let b = one_sum().entry_s(
        "T1",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        10.0,
        "submitted",
    );
    let eval = b.eval_verified_only("2025-03-10");
    assert_eq!(status(&eval, "T1"), "no_data");
    assert_null(target(&eval, "T1"), "realized");
}

#[test]
fn a_target_with_no_counted_entry_is_no_data() {
    let eval = one_sum().eval("2025-04-25");
    let t = target(&eval, "T1");
    assert_eq!(t["status"], "no_data");
    for field in [
        "realized",
        "achievement_pct",
        "rating",
        "progress",
        "projected",
        "likely_to_miss",
    ] {
        assert_null(t, field);
    }
    // Expected is defined without data.
    assert!(t["expected"].is_number());
}

// ---------------------------------------------------------------------------
// Achievement and rating
// ---------------------------------------------------------------------------

#[test]
fn rating_bands_at_each_edge_through_the_engine() {
    let cases = [
        (90.99, "tinggi"),
        (91.0, "sangat_tinggi"),
        (76.0, "tinggi"),
        (75.99, "sedang"),
        (66.0, "sedang"),
        (65.99, "rendah"),
        (51.0, "rendah"),
        (50.99, "sangat_rendah"),
        (0.0, "sangat_rendah"),
        (100.0, "sangat_tinggi"),
    ];
    let mut b = B::new();
    for (i, (value, _)) in cases.iter().enumerate() {
        let code = format!("T{i}");
        b = b.sum(&code, "DP3A", 0.0, 100.0).entry(
            &code,
            "2025-03-01",
            "2025-03-02T10:00:00+07:00",
            *value,
        );
    }
    let eval = b.eval("2025-03-10");
    for (i, (value, rating)) in cases.iter().enumerate() {
        let t = target(&eval, &format!("T{i}"));
        assert_num(t, "achievement_pct", *value);
        assert_eq!(t["rating"], *rating, "A = {value}");
    }
}

#[test]
fn rating_bands_at_each_edge_direct() {
    for (a, rating) in [
        ("90.99", Rating::Tinggi),
        ("91", Rating::SangatTinggi),
        ("91.00", Rating::SangatTinggi),
        ("76", Rating::Tinggi),
        ("75.99", Rating::Sedang),
        ("66", Rating::Sedang),
        ("65.99", Rating::Rendah),
        ("51", Rating::Rendah),
        ("50.99", Rating::SangatRendah),
        ("0", Rating::SangatRendah),
        ("120", Rating::SangatTinggi),
    ] {
        assert_eq!(Rating::of(dec(a)), rating, "A = {a}");
    }
    assert_eq!(Rating::SangatTinggi.label(), "Sangat Tinggi");
    assert_eq!(Rating::SangatRendah.code(), "sangat_rendah");
}

#[test]
fn a_lower_is_better_value_reaching_91_only_after_rounding_is_sangat_tinggi() {
    // (400 - 218.01) / 200 x 100 = 90.995 -> 91.00.
    let b = B::new().last("L", "DLH", "lower", 300.0, 200.0).entry(
        "L",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        218.01,
    );
    let eval = b.eval("2025-03-10");
    let t = target(&eval, "L");
    assert_num(t, "achievement_pct", 91.0);
    assert_eq!(t["rating"], "sangat_tinggi");
    assert_eq!(
        achievement(
            pantau_domain::bundle::Kind::Last,
            pantau_domain::bundle::Polarity::Lower,
            dec("218.01"),
            dec("200")
        ),
        dec("91.00")
    );
    // The same for higher: 181.99 / 200 = 90.995 %.
    let b = B::new().sum("S", "DP3A", 0.0, 200.0).entry(
        "S",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        181.99,
    );
    let eval = b.eval("2025-03-10");
    assert_num(target(&eval, "S"), "achievement_pct", 91.0);
    assert_eq!(target(&eval, "S")["rating"], "sangat_tinggi");
    // And just below: 181.98 / 200 = 90.99 %.
    let b = B::new().sum("S", "DP3A", 0.0, 200.0).entry(
        "S",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        181.98,
    );
    assert_eq!(target(&b.eval("2025-03-10"), "S")["rating"], "tinggi");
}

#[test]
fn achievement_is_rounded_half_away_from_zero() {
    // 0.05 / 200 = 0.025 % -> 0.03 (banker's rounding would give 0.02).
    let b = B::new()
        .sum("A", "DP3A", 0.0, 200.0)
        .entry("A", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.05)
        .sum("B", "DP3A", 0.0, 200.0)
        .entry("B", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.01)
        // 2/3 % -> 0.67; 1/3 -> 0.33.
        .sum("C", "DP3A", 0.0, 300.0)
        .entry("C", "2025-03-01", "2025-03-02T10:00:00+07:00", 2.0)
        .sum("D", "DP3A", 0.0, 300.0)
        .entry("D", "2025-03-01", "2025-03-02T10:00:00+07:00", 1.0);
    let eval = b.eval("2025-03-10");
    assert_num(target(&eval, "A"), "achievement_pct", 0.03);
    assert_num(target(&eval, "B"), "achievement_pct", 0.01);
    assert_num(target(&eval, "C"), "achievement_pct", 0.67);
    assert_num(target(&eval, "D"), "achievement_pct", 0.33);
    assert_eq!(round2(dec("-0.025")), dec("-0.03"));
    assert_eq!(round2(dec("2.675")), dec("2.68"));
    assert_eq!(round2(dec("2.665")), dec("2.67"));
    assert_eq!(round2(dec("2.6649")), dec("2.66"));
}

#[test]
fn negative_achievement_rounds_away_from_zero_for_a_higher_last() {
    // A `last` level may be negative: -0.05 / 200 = -0.025 % -> -0.03.
    let b = B::new().last("L", "DP3A", "higher", 0.0, 200.0).entry(
        "L",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        -0.05,
    );
    let eval = b.eval("2025-03-10");
    assert_num(target(&eval, "L"), "achievement_pct", -0.03);
    assert_eq!(target(&eval, "L")["rating"], "sangat_rendah");
}

#[test]
fn lower_is_better_formula_and_floor_at_zero() {
    let mk = |r: f64| {
        let b = B::new().last("L", "DLH", "lower", 50.0, 10.0).entry(
            "L",
            "2025-03-01",
            "2025-03-02T10:00:00+07:00",
            r,
        );
        target(&b.eval("2025-03-10"), "L").clone()
    };
    assert_num(&mk(15.0), "achievement_pct", 50.0); // (20 - 15) / 10
    assert_num(&mk(10.0), "achievement_pct", 100.0);
    assert_num(&mk(5.0), "achievement_pct", 150.0); // not capped
    assert_num(&mk(20.0), "achievement_pct", 0.0);
    assert_num(&mk(25.0), "achievement_pct", 0.0); // -50 floored at 0
    assert_eq!(mk(25.0)["rating"], "sangat_rendah");
}

#[test]
fn lower_is_better_with_target_zero() {
    let mk = |r: f64| {
        let b = B::new().last("L", "DLH", "lower", 5.0, 0.0).entry(
            "L",
            "2025-03-01",
            "2025-03-02T10:00:00+07:00",
            r,
        );
        target(&b.eval("2025-03-10"), "L").clone()
    };
    let t = mk(0.0);
    assert_num(&t, "achievement_pct", 100.0);
    assert_eq!(t["status"], "achieved");
    assert_num(&mk(-2.0), "achievement_pct", 100.0);
    let t = mk(1.0);
    assert_num(&t, "achievement_pct", 0.0);
    assert_eq!(t["rating"], "sangat_rendah");
    assert_ne!(t["status"], "achieved");
    let t = mk(0.01);
    assert_num(&t, "achievement_pct", 0.0);
}

#[test]
fn achievement_formulas_direct() {
    use pantau_domain::bundle::{Kind, Polarity};
    assert_eq!(
        achievement(Kind::Sum, Polarity::Higher, dec("120"), dec("100")),
        dec("120")
    );
    assert_eq!(
        achievement(Kind::Last, Polarity::Higher, dec("1"), dec("3")),
        dec("33.33")
    );
    assert_eq!(
        achievement(Kind::Last, Polarity::Lower, dec("30"), dec("10")),
        dec("0")
    );
    assert_eq!(
        achievement(Kind::Last, Polarity::Lower, dec("0"), dec("0")),
        dec("100")
    );
    assert_eq!(
        achievement(Kind::Last, Polarity::Lower, dec("0.001"), dec("0")),
        dec("0")
    );
    assert_eq!(
        achievement(Kind::Milestone, Polarity::Higher, dec("1"), dec("1")),
        dec("100")
    );
    assert_eq!(
        achievement(Kind::Milestone, Polarity::Higher, dec("0"), dec("1")),
        dec("0")
    );
}

#[test]
fn achievement_is_not_capped_but_the_unit_mean_caps_each_target_and_counts_no_data_as_zero() {
    let b = B::new()
        .sum("A", "DP3A", 0.0, 100.0)
        .entry("A", "2025-03-01", "2025-03-02T10:00:00+07:00", 120.0)
        .sum("B", "DP3A", 0.0, 100.0)
        .entry("B", "2025-03-01", "2025-03-02T10:00:00+07:00", 50.0)
        .sum("C", "DP3A", 0.0, 100.0);
    let eval = b.eval("2025-03-10");
    assert_num(target(&eval, "A"), "achievement_pct", 120.0);
    assert_eq!(target(&eval, "A")["rating"], "sangat_tinggi");
    // (min(120, 100) + 50 + 0) / 3 = 50.
    let u = unit(&eval, "DP3A");
    assert_num(u, "achievement_pct", 50.0);
    assert_eq!(u["rating"], "sangat_rendah");
    assert_eq!(u["targets"], 3);
    assert_num(&eval["summary"], "achievement_pct", 50.0);
}

#[test]
fn roll_up_means_are_rounded_half_away_from_zero() {
    // (0.01 + 0.04) / 2 = 0.025 -> 0.03 (banker's rounding would give 0.02).
    let b = B::new()
        .sum("A", "DP3A", 0.0, 100.0)
        .entry("A", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.01)
        .sum("B", "DP3A", 0.0, 100.0)
        .entry("B", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.04);
    let eval = b.eval("2025-03-10");
    assert_num(unit(&eval, "DP3A"), "achievement_pct", 0.03);
}

// ---------------------------------------------------------------------------
// Trajectory: expected value
// ---------------------------------------------------------------------------

#[test]
fn expected_is_linear_without_a_plan() {
    // Baseline 10, target 97 over 87 days: X = 10 + k.
    let b = B::new().sum("T", "DP3A", 10.0, 97.0);
    for (as_of, x) in [
        ("2025-01-01", 10.0),
        ("2025-02-22", 10.0),
        ("2025-03-04", 20.0),
        ("2025-04-25", 72.0),
        ("2025-05-20", 97.0),
        ("2025-06-30", 97.0),
        // The local date counts, not the time of day.
        ("2025-03-04T00:00:00+07:00", 20.0),
    ] {
        assert_num(target(&b.eval(as_of), "T"), "expected", x);
    }
    // Not a whole number: 100 x 1/87 = 1.1494... -> 1.15.
    let b = B::new().sum("T", "DP3A", 0.0, 100.0);
    assert_num(target(&b.eval("2025-02-23"), "T"), "expected", 1.15);
}

#[test]
fn expected_is_piecewise_linear_through_plan_points_in_date_order() {
    // Points (22 Feb, 0), (31 Mar, 40), (10 Apr, 70), (20 May, 120); given out of order.
    let b = B::new().target_json(json!({
        "code": "T", "unit": "DP3A", "name": "t", "kind": "sum", "polarity": "higher",
        "baseline": 0, "target": 120,
        "plan": [{"date": "2025-04-10", "value": 70}, {"date": "2025-03-31", "value": 40}]
    }));
    for (as_of, x) in [
        ("2025-02-22", 0.0),
        ("2025-03-01", 7.57), // 40 x 7/37
        ("2025-03-31", 40.0),
        ("2025-04-05", 55.0), // 40 + 30 x 5/10
        ("2025-04-10", 70.0),
        ("2025-04-25", 88.75), // 70 + 50 x 15/40
        ("2025-05-20", 120.0),
        ("2025-05-25", 120.0),
        ("2025-02-01", 0.0),
    ] {
        assert_num(target(&b.eval(as_of), "T"), "expected", x);
    }
}

#[test]
fn a_plan_point_on_the_start_takes_the_place_of_the_baseline_point() {
    let b = B::new().target_json(json!({
        "code": "T", "unit": "DP3A", "name": "t", "kind": "sum", "polarity": "higher",
        "baseline": 0, "target": 97, "plan": [{"date": "2025-02-22", "value": 10}]
    }));
    assert_num(target(&b.eval("2025-02-22"), "T"), "expected", 10.0);
    assert_num(target(&b.eval("2025-03-04"), "T"), "expected", 20.0);
    assert_num(target(&b.eval("2025-04-25"), "T"), "expected", 72.0);
    assert_num(target(&b.eval("2025-05-20"), "T"), "expected", 97.0);
}

#[test]
fn a_plan_point_on_the_end_takes_the_place_of_the_target_point() {
    let b = B::new().target_json(json!({
        "code": "T", "unit": "DP3A", "name": "t", "kind": "sum", "polarity": "higher",
        "baseline": 0, "target": 100, "plan": [{"date": "2025-05-20", "value": 87}]
    }));
    assert_num(target(&b.eval("2025-03-04"), "T"), "expected", 10.0);
    assert_num(target(&b.eval("2025-04-25"), "T"), "expected", 62.0);
    assert_num(target(&b.eval("2025-05-20"), "T"), "expected", 87.0);
    assert_num(target(&b.eval("2025-05-30"), "T"), "expected", 87.0);
}

#[test]
fn plan_points_on_both_ends_and_a_last_target_with_a_plan() {
    let b = B::new().target_json(json!({
        "code": "T", "unit": "DP3A", "name": "t", "kind": "last", "polarity": "higher",
        "baseline": 50, "target": 90,
        "plan": [{"date": "2025-02-22", "value": 60}, {"date": "2025-05-20", "value": 80}]
    }));
    assert_num(target(&b.eval("2025-02-22"), "T"), "expected", 60.0);
    // 60 + 20 x 62/87 = 74.2528...
    assert_num(target(&b.eval("2025-04-25"), "T"), "expected", 74.25);
    assert_num(target(&b.eval("2025-05-20"), "T"), "expected", 80.0);
}

#[test]
fn milestone_expected_is_zero_before_due_and_one_from_it() {
    let b = B::new()
        .milestone("M", "DLH", Some("2025-04-30"))
        .milestone("E", "DLH", None);
    for (as_of, m, e) in [
        ("2025-02-22", 0.0, 0.0),
        ("2025-04-29", 0.0, 0.0),
        ("2025-04-30", 1.0, 0.0),
        ("2025-05-19", 1.0, 0.0),
        ("2025-05-20", 1.0, 1.0),
        ("2025-06-01", 1.0, 1.0),
    ] {
        let eval = b.eval(as_of);
        assert_num(target(&eval, "M"), "expected", m);
        assert_num(target(&eval, "E"), "expected", e);
    }
}

// ---------------------------------------------------------------------------
// Progress ratio and status
// ---------------------------------------------------------------------------

#[test]
fn progress_is_one_when_the_expected_gain_is_not_positive() {
    // On the start day X = baseline: ge = 0, p = 1, even with no gain.
    let b = one_sum().entry("T1", "2025-02-22", "2025-02-22T10:00:00+07:00", 0.0);
    let eval = b.eval("2025-02-22");
    assert_num(target(&eval, "T1"), "progress", 1.0);
    assert_eq!(status(&eval, "T1"), "on_track");
    // A plan below the baseline: ge < 0, p = 1 although R fell.
    let b = B::new()
        .target_json(json!({
            "code": "L", "unit": "DP3A", "name": "t", "kind": "last", "polarity": "higher",
            "baseline": 50, "target": 100, "plan": [{"date": "2025-04-30", "value": 40}]
        }))
        .entry("L", "2025-04-20", "2025-04-20T10:00:00+07:00", 45.0);
    let eval = b.eval("2025-04-25");
    assert!(num(target(&eval, "L"), "expected") < 50.0);
    assert_num(target(&eval, "L"), "progress", 1.0);
    assert_eq!(status(&eval, "L"), "on_track");
}

#[test]
fn progress_is_actual_gain_over_expected_gain() {
    // Baseline 20, target 107, as of 4 March: X = 30, ge = 10; R = 28: ga = 8.
    let b = B::new().sum("T", "DP3A", 20.0, 107.0).entry(
        "T",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        8.0,
    );
    let eval = b.eval("2025-03-04");
    assert_num(target(&eval, "T"), "expected", 30.0);
    assert_num(target(&eval, "T"), "progress", 0.8);
    assert_eq!(status(&eval, "T"), "at_risk");
}

#[test]
fn progress_for_polarity_lower_uses_the_fall_from_the_baseline() {
    // Baseline 100, target 13: X on 25 April = 100 - 62 = 38, ge = 62.
    // R = 44.2: ga = 55.8, p = 0.9 exactly -> on_track; R = 44.21 -> at_risk.
    let mk = |r: f64| {
        let b = B::new().last("L", "DLH", "lower", 100.0, 13.0).entry(
            "L",
            "2025-04-20",
            "2025-04-20T10:00:00+07:00",
            r,
        );
        target(&b.eval("2025-04-25"), "L").clone()
    };
    let t = mk(44.2);
    assert_num(&t, "expected", 38.0);
    assert_num(&t, "progress", 0.9);
    assert_eq!(t["status"], "on_track");
    let t = mk(44.21);
    assert_eq!(t["status"], "at_risk");
    let t = mk(56.6); // ga 43.4 = 0.7 x 62
    assert_num(&t, "progress", 0.7);
    assert_eq!(t["status"], "at_risk");
    let t = mk(56.61);
    assert_eq!(t["status"], "off_track");
    // Rising above the baseline: negative progress.
    let t = mk(131.0);
    assert_num(&t, "progress", -0.5);
    assert_eq!(t["status"], "off_track");
}

#[test]
fn milestone_progress_is_r_once_due_else_one() {
    let b = B::new().milestone("M", "DLH", Some("2025-04-30")).entry(
        "M",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        0.0,
    );
    let before = b.eval("2025-04-29");
    assert_num(target(&before, "M"), "progress", 1.0);
    assert_eq!(status(&before, "M"), "on_track");
    let due = b.eval("2025-04-30");
    assert_num(target(&due, "M"), "progress", 0.0);
    assert_eq!(status(&due, "M"), "off_track");
    // Milestones have no forecast.
    assert_null(target(&due, "M"), "projected");
    assert_null(target(&due, "M"), "likely_to_miss");
}

#[test]
fn status_thresholds_at_exactly_0_9_and_0_7() {
    // Baseline 0, target 87: on 4 March X = 10.
    let mut b = B::new();
    let cases = [
        (9.0, 0.9, "on_track"),
        (8.99, 0.9, "at_risk"),
        (7.0, 0.7, "at_risk"),
        (6.99, 0.7, "off_track"),
    ];
    for (i, (r, _, _)) in cases.iter().enumerate() {
        let code = format!("T{i}");
        b = b.sum(&code, "DP3A", 0.0, 87.0).entry(
            &code,
            "2025-03-01",
            "2025-03-02T10:00:00+07:00",
            *r,
        );
    }
    let eval = b.eval("2025-03-04");
    for (i, (r, p, s)) in cases.iter().enumerate() {
        let t = target(&eval, &format!("T{i}"));
        assert_num(t, "expected", 10.0);
        assert_num(t, "progress", *p); // 0.899 and 0.699 show rounded
        assert_eq!(t["status"], *s, "R = {r}");
    }
}

#[test]
fn custom_thresholds() {
    let mut b = B::new().set("thresholds", json!({"on_track": 0.8, "at_risk": 0.5}));
    let cases = [
        (8.0, "on_track"),
        (7.99, "at_risk"),
        (5.0, "at_risk"),
        (4.99, "off_track"),
    ];
    for (i, (r, _)) in cases.iter().enumerate() {
        let code = format!("T{i}");
        b = b.sum(&code, "DP3A", 0.0, 87.0).entry(
            &code,
            "2025-03-01",
            "2025-03-02T10:00:00+07:00",
            *r,
        );
    }
    let eval = b.eval("2025-03-04");
    for (i, (r, s)) in cases.iter().enumerate() {
        assert_eq!(status(&eval, &format!("T{i}")), *s, "R = {r}");
    }
}

#[test]
fn status_achieved_comes_first() {
    // Met on day 1, before anything is expected, and still achieved after the end.
    let b = B::new()
        .sum("S", "DP3A", 0.0, 10.0)
        .entry("S", "2025-02-22", "2025-02-22T10:00:00+07:00", 10.0)
        .last("L", "DLH", "lower", 50.0, 10.0)
        .entry("L", "2025-02-22", "2025-02-22T10:00:00+07:00", 10.0)
        .milestone("M", "DLH", None)
        .entry("M", "2025-02-22", "2025-02-22T10:00:00+07:00", 1.0);
    for as_of in ["2025-02-22", "2025-04-25", "2025-05-20", "2025-06-01"] {
        let eval = b.eval(as_of);
        for code in ["S", "L", "M"] {
            assert_eq!(status(&eval, code), "achieved", "{code} at {as_of}");
            assert_eq!(
                target(&eval, code)["stale"],
                false,
                "achieved is never stale"
            );
        }
    }
}

#[test]
fn status_no_data_comes_before_not_achieved() {
    let eval = one_sum().eval("2025-05-21");
    assert_eq!(status(&eval, "T1"), "no_data");
}

#[test]
fn status_after_the_end_date_is_not_achieved_whatever_the_progress() {
    // 95 of 100 at the end: p = 0.95 would be on_track, but the program is over.
    let b = one_sum().entry("T1", "2025-05-01", "2025-05-02T10:00:00+07:00", 95.0);
    assert_eq!(status(&b.eval("2025-05-20"), "T1"), "on_track");
    assert_eq!(
        status(&b.eval("2025-05-20T23:59:59+07:00"), "T1"),
        "on_track"
    );
    assert_eq!(
        status(&b.eval("2025-05-21T00:00:00+07:00"), "T1"),
        "not_achieved"
    );
    assert_eq!(status(&b.eval("2025-05-21"), "T1"), "not_achieved");
    // Reading the local date: 20 May 17:00 UTC is 21 May 00:00 WIB.
    assert_eq!(
        status(&b.eval("2025-05-20T17:00:00Z"), "T1"),
        "not_achieved"
    );
}

#[test]
fn stale_when_no_counted_entry_in_the_14_days_ending_on_as_of() {
    // Only activity on 22 Feb (day 1).
    let b = one_sum().entry("T1", "2025-02-22", "2025-02-22T10:00:00+07:00", 1.0);
    // 7 March is day 14; the window 22 Feb - 7 Mar still holds 22 Feb.
    let eval = b.eval("2025-03-07");
    assert_eq!(eval["day"], 14);
    assert_eq!(target(&eval, "T1")["stale"], false);
    // 8 March, day 15: the window 23 Feb - 8 Mar is empty.
    assert_eq!(target(&b.eval("2025-03-08"), "T1")["stale"], true);
    // A returned entry in the window does not freshen it; a counted one does.
    let b2 = b.clone().entry_s(
        "T1",
        "2025-03-05",
        "2025-03-05T10:00:00+07:00",
        1.0,
        "returned",
    );
    assert_eq!(target(&b2.eval("2025-03-08"), "T1")["stale"], true);
    let b3 = b
        .clone()
        .entry("T1", "2025-02-23", "2025-03-05T10:00:00+07:00", 1.0);
    assert_eq!(target(&b3.eval("2025-03-08"), "T1")["stale"], false);
    assert_eq!(target(&b3.eval("2025-03-09"), "T1")["stale"], true);
}

#[test]
fn stale_needs_day_14_and_applies_to_no_data() {
    let b = one_sum();
    // Day 13: never stale.
    assert_eq!(target(&b.eval("2025-03-06"), "T1")["stale"], false);
    // Day 14 with no data at all: stale.
    let eval = b.eval("2025-03-07");
    assert_eq!(status(&eval, "T1"), "no_data");
    assert_eq!(target(&eval, "T1")["stale"], true);
    // Before the start: day 0, not stale.
    assert_eq!(target(&b.eval("2025-01-01"), "T1")["stale"], false);
}

#[test]
fn stale_does_not_apply_to_not_achieved() {
    let b = one_sum().entry("T1", "2025-03-01", "2025-03-02T10:00:00+07:00", 5.0);
    let eval = b.eval("2025-06-30");
    assert_eq!(status(&eval, "T1"), "not_achieved");
    assert_eq!(target(&eval, "T1")["stale"], false);
}

#[test]
fn projected_and_likely_to_miss_for_higher() {
    // 25 April: f = 62/87. R = 62 -> projected 87 = T: not likely to miss.
    let mk = |r: f64| {
        let b = B::new().sum("T", "DP3A", 0.0, 87.0).entry(
            "T",
            "2025-04-20",
            "2025-04-20T10:00:00+07:00",
            r,
        );
        target(&b.eval("2025-04-25"), "T").clone()
    };
    let t = mk(62.0);
    assert_num(&t, "projected", 87.0);
    assert_eq!(t["likely_to_miss"], false);
    let t = mk(61.0); // 61 x 87/62 = 85.596...
    assert_num(&t, "projected", 85.6);
    assert_eq!(t["likely_to_miss"], true);
    // With a baseline: baseline + (R - baseline) / f.
    let b = B::new().sum("T", "DP3A", 10.0, 100.0).entry(
        "T",
        "2025-04-20",
        "2025-04-20T10:00:00+07:00",
        21.0,
    );
    // R = 31: 10 + 21 x 87/62 = 39.47
    let t = target(&b.eval("2025-04-25"), "T").clone();
    assert_num(&t, "realized", 31.0);
    assert_num(&t, "projected", 39.47);
    assert_eq!(t["likely_to_miss"], true);
}

#[test]
fn projected_and_likely_to_miss_for_lower() {
    // Baseline 100, target 13; 25 April f = 62/87.
    let mk = |r: f64| {
        let b = B::new().last("L", "DLH", "lower", 100.0, 13.0).entry(
            "L",
            "2025-04-20",
            "2025-04-20T10:00:00+07:00",
            r,
        );
        target(&b.eval("2025-04-25"), "L").clone()
    };
    let t = mk(38.0); // 100 - 62 x 87/62 = 13
    assert_num(&t, "projected", 13.0);
    assert_eq!(t["likely_to_miss"], false);
    let t = mk(39.0); // 100 - 61 x 87/62 = 14.40
    assert_num(&t, "projected", 14.4);
    assert_eq!(t["likely_to_miss"], true);
}

#[test]
fn projected_is_null_where_undefined() {
    // f = 0 on the start date.
    let b = one_sum().entry("T1", "2025-02-22", "2025-02-22T10:00:00+07:00", 5.0);
    let t = target(&b.eval("2025-02-22"), "T1").clone();
    assert_null(&t, "projected");
    assert_null(&t, "likely_to_miss");
    // After the end f = 1: projected is R.
    let t = target(&b.eval("2025-06-01"), "T1").clone();
    assert_num(&t, "projected", 5.0);
    assert_eq!(t["likely_to_miss"], true);
    // No data: null.
    let t = target(&one_sum().eval("2025-04-25"), "T1").clone();
    assert_null(&t, "projected");
    assert_null(&t, "likely_to_miss");
}

// ---------------------------------------------------------------------------
// The documented example (bundle.md)
// ---------------------------------------------------------------------------

fn documented_bundle() -> String {
    // The example bundle of bundle.md, with 95 posyandu reported by 25 April.
    json!({
      "format": "pantau-bundle/1",
      "region": {"code": "3275", "name": "Kota Bekasi", "timezone": "Asia/Jakarta"},
      "clusters": [{"code": "ASDA1", "name": "Asisten Pemerintahan dan Kesejahteraan Rakyat"},
                   {"code": "ASDA2", "name": "Asisten Perekonomian dan Pembangunan"}],
      "units": [{"code": "DP3A", "name": "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "cluster": "ASDA1"},
                {"code": "DLH", "name": "Dinas Lingkungan Hidup", "cluster": "ASDA2"}],
      "priorities": [{"code": "P1", "name": "Peningkatan kualitas pelayanan publik"},
                     {"code": "P3", "name": "Pengelolaan lingkungan hidup"}],
      "programs": [{
        "code": "100HK",
        "name": "Program 100 Hari Kerja",
        "start": "2025-02-22",
        "end": "2025-05-20",
        "evaluation_weekday": "friday",
        "deadline_time": "09:00",
        "final_deadline": "2025-05-21T09:00:00+07:00",
        "thresholds": {"on_track": 0.9, "at_risk": 0.7},
        "targets": [{
          "code": "DP3A-01", "unit": "DP3A", "priority": "P1",
          "name": "Posyandu direvitalisasi", "measure": "posyandu",
          "kind": "sum", "polarity": "higher",
          "baseline": 0, "target": 120,
          "plan": [{"date": "2025-03-31", "value": 40}]
        }, {
          "code": "DLH-02", "unit": "DLH", "priority": "P3",
          "name": "Peraturan Wali Kota pengelolaan sampah ditetapkan",
          "kind": "milestone", "polarity": "higher", "due": "2025-04-30"
        }],
        "entries": [{
          "target": "DP3A-01", "activity_date": "2025-03-01",
          "submitted_at": "2025-03-07T08:30:00+07:00",
          "value": 12, "status": "verified", "note": "Revitalisasi posyandu di Bekasi Utara"
        }, {
          "target": "DP3A-01", "activity_date": "2025-03-20",
          "submitted_at": "2025-03-20T15:00:00+07:00", "value": 40
        }, {
          "target": "DP3A-01", "activity_date": "2025-04-19",
          "submitted_at": "2025-04-24T10:00:00+07:00", "value": 43, "status": "submitted"
        }, {
          "target": "DP3A-01", "activity_date": "2025-04-26",
          "submitted_at": "2025-04-26T10:00:00+07:00", "value": 100
        }],
        "nil_reports": [{"unit": "DP3A", "date": "2025-03-10", "submitted_at": "2025-03-14T08:00:00+07:00", "reason": "Tidak ada kegiatan"}]
      }]
    })
    .to_string()
}

#[test]
fn the_documented_example_dp3a_01() {
    let eval = eval_text(&documented_bundle(), "2025-04-25", Options::default());
    assert_eq!(eval["program"], "100HK");
    assert_eq!(eval["as_of"], "2025-04-25T23:59:59+07:00");
    assert_eq!(eval["day"], 63);
    assert_eq!(eval["days_total"], 88);
    assert_eq!(
        eval["periods"][0],
        json!({"index": 1, "start": "2025-02-22", "end": "2025-02-27", "deadline": "2025-02-28T09:00:00+07:00"})
    );
    let t = target(&eval, "DP3A-01");
    assert_eq!(t["unit"], "DP3A");
    assert_eq!(t["priority"], "P1");
    assert_num(t, "realized", 95.0);
    assert_num(t, "expected", 80.0);
    assert_num(t, "achievement_pct", 79.17);
    assert_eq!(t["rating"], "tinggi");
    assert_num(t, "progress", 1.19);
    assert_eq!(t["status"], "on_track");
    assert_eq!(t["stale"], false);
    assert_num(t, "projected", 133.31);
    assert_eq!(t["likely_to_miss"], false);

    let u = unit(&eval, "DP3A");
    assert_eq!(u["targets"], 1);
    assert_num(u, "achievement_pct", 79.17);
    assert_eq!(u["rating"], "tinggi");
    assert_eq!(u["status"], "on_track");
    assert_null(u, "final");
    assert_eq!(u["status_counts"], json!({"on_track": 1}));
    let p = priority(&eval, "P1");
    assert_eq!(
        (
            p["targets"].clone(),
            p["rating"].clone(),
            p["status"].clone()
        ),
        (json!(1), json!("tinggi"), json!("on_track"))
    );
    assert_num(p, "achievement_pct", 79.17);
    let c = cluster(&eval, "ASDA1");
    assert_eq!(c["units"], 1);
    assert_eq!(c["targets"], 1);
    assert_num(c, "achievement_pct", 79.17);

    // The milestone due 30 April has no report: no data, expected 0 before its due date.
    let m = target(&eval, "DLH-02");
    assert_eq!(m["status"], "no_data");
    assert_null(m, "realized");
    assert_num(m, "expected", 0.0);
    assert_eq!(m["stale"], true);

    // Compliance: periods 2, 3 (nil report), 4 and 9 on time; 1 and 5-8 missing; 10 open.
    let states: Vec<String> = compliance(&eval, "DP3A")
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        states,
        [
            "missing", "on_time", "on_time", "on_time", "missing", "missing", "missing", "missing",
            "on_time", "open"
        ]
    );
    assert_num(u, "reporting_rate", 0.44);
    assert_num(u, "on_time_rate", 0.44);
    assert_num(unit(&eval, "DLH"), "reporting_rate", 0.0);
    // Summary: 4 on time of 18 due.
    assert_num(&eval["summary"], "reporting_rate", 0.22);
    assert_eq!(eval["summary"]["targets"], 2);
    assert_eq!(eval["summary"]["units_with_targets"], 2);
    // (79.17 + 0) / 2 = 39.585 -> 39.59 (the mean of the shown values).
    assert_num(&eval["summary"], "achievement_pct", 39.59);
    assert_eq!(
        eval["summary"]["status_counts"],
        json!({"on_track": 1, "no_data": 1})
    );
}

#[test]
fn the_documented_example_verified_only() {
    // The 43 of 19 April is only submitted: 52 verified of 120.
    let eval = eval_text(
        &documented_bundle(),
        "2025-04-25",
        Options {
            verified_only: true,
        },
    );
    let t = target(&eval, "DP3A-01");
    assert_num(t, "realized", 52.0);
    assert_num(t, "achievement_pct", 43.33);
    assert_eq!(t["rating"], "sangat_rendah");
    assert_num(t, "progress", 0.65);
    assert_eq!(t["status"], "off_track");
}

// ---------------------------------------------------------------------------
// Roll-ups
// ---------------------------------------------------------------------------

/// Units U1..U6 in cluster C1 (U6 without targets), U7 in C2 and U8 in none;
/// each target of the list below (baseline 0, target 87) gets an entry for
/// 1 March that gives it, on a day where X = `x`, the status named.
fn rollup_bundle(x: f64, targets: &[(&str, &str, Option<&str>)]) -> B {
    let mut b = B::new()
        .top(
            "clusters",
            json!([{"code": "C1", "name": "Asda 1"}, {"code": "C2", "name": "Asda 2"}, {"code": "C3", "name": "Asda 3"}]),
        )
        .top(
            "units",
            json!([
                {"code": "U1", "name": "u1", "cluster": "C1"},
                {"code": "U2", "name": "u2", "cluster": "C1"},
                {"code": "U3", "name": "u3", "cluster": "C1"},
                {"code": "U4", "name": "u4", "cluster": "C1"},
                {"code": "U5", "name": "u5", "cluster": "C1"},
                {"code": "U6", "name": "u6", "cluster": "C1"},
                {"code": "U7", "name": "u7", "cluster": "C2"},
                {"code": "U8", "name": "u8"}
            ]),
        )
        .top(
            "priorities",
            json!([{"code": "P1", "name": "p1"}, {"code": "P2", "name": "p2"}, {"code": "P9", "name": "p9"}]),
        );
    for (i, (unit, wanted, priority)) in targets.iter().enumerate() {
        let code = format!("{unit}-{i}-{wanted}");
        let mut t = json!({"code": code, "unit": unit, "name": "t", "kind": "sum", "polarity": "higher", "baseline": 0, "target": 87});
        if let Some(p) = priority {
            t["priority"] = json!(p);
        }
        b = b.target_json(t);
        let value = match *wanted {
            "achieved" => Some(87.0),
            "on_track" => Some(0.95 * x),
            "at_risk" => Some(0.8 * x),
            "off_track" => Some(0.1 * x),
            "no_data" => None,
            other => panic!("{other}"),
        };
        if let Some(v) = value {
            b = b.entry(&code, "2025-03-01", "2025-03-02T10:00:00+07:00", v);
        }
    }
    b
}

#[test]
fn unit_status_is_the_worst_in_the_documented_order() {
    let b = rollup_bundle(
        10.0,
        &[
            ("U1", "achieved", None),
            ("U1", "on_track", None),
            ("U2", "on_track", None),
            ("U2", "no_data", None),
            ("U3", "no_data", None),
            ("U3", "at_risk", None),
            ("U4", "at_risk", None),
            ("U4", "off_track", None),
            ("U5", "achieved", None),
            ("U5", "achieved", None),
        ],
    );
    let eval = b.eval("2025-03-04");
    // Every target has the status its name says.
    for t in eval["targets"].as_array().unwrap() {
        let code = t["code"].as_str().unwrap();
        assert!(
            code.ends_with(t["status"].as_str().unwrap()),
            "{code}: {}",
            t["status"]
        );
    }
    for (u, s) in [
        ("U1", "on_track"),
        ("U2", "no_data"),
        ("U3", "at_risk"),
        ("U4", "off_track"),
        ("U5", "achieved"),
    ] {
        assert_eq!(unit(&eval, u)["status"], s, "{u}");
    }
    assert_eq!(
        unit(&eval, "U3")["status_counts"],
        json!({"at_risk": 1, "no_data": 1})
    );
    assert_eq!(unit(&eval, "U5")["status_counts"], json!({"achieved": 2}));
    // No final verdict before the end.
    for u in ["U1", "U5"] {
        assert_null(unit(&eval, u), "final");
    }
}

#[test]
fn not_achieved_is_the_worst_and_the_final_verdict_comes_after_the_end() {
    let b = rollup_bundle(
        10.0,
        &[
            ("U1", "achieved", None),
            ("U1", "achieved", None),
            ("U2", "achieved", None),
            ("U2", "no_data", None),
            ("U3", "no_data", None),
            ("U3", "on_track", None), // 9.5 of 87: not achieved after the end
        ],
    );
    let eval = b.eval("2025-05-21");
    assert_eq!(unit(&eval, "U1")["status"], "achieved");
    assert_eq!(unit(&eval, "U1")["final"], "achieved");
    assert_eq!(unit(&eval, "U2")["status"], "no_data");
    assert_eq!(unit(&eval, "U2")["final"], "not_achieved");
    assert_eq!(unit(&eval, "U3")["status"], "not_achieved");
    assert_eq!(unit(&eval, "U3")["final"], "not_achieved");
    assert_eq!(
        unit(&eval, "U3")["status_counts"],
        json!({"no_data": 1, "not_achieved": 1})
    );
    // A unit without targets has no verdict.
    assert_null(unit(&eval, "U6"), "final");
    // On the end date itself: no verdict yet.
    let eval = b.eval("2025-05-20");
    for u in ["U1", "U2", "U3"] {
        assert_null(unit(&eval, u), "final");
    }
}

#[test]
fn units_without_targets_are_listed_with_zero_targets_no_status_and_no_compliance() {
    let b = rollup_bundle(10.0, &[("U1", "on_track", None)]);
    for as_of in ["2025-03-04", "2025-06-01"] {
        let eval = b.eval(as_of);
        assert_eq!(eval["units"].as_array().unwrap().len(), 8);
        let u = unit(&eval, "U6");
        assert_eq!(u["targets"], 0);
        for field in [
            "status",
            "final",
            "achievement_pct",
            "rating",
            "reporting_rate",
            "on_time_rate",
        ] {
            assert_null(u, field);
        }
        assert_eq!(u["compliance"], json!([]));
        assert_eq!(u["status_counts"], json!({}));
        assert!(u.get("budget").is_none());
        // The unit with a target owes reports.
        assert!(!compliance(&eval, "U1").is_empty());
    }
}

#[test]
fn priority_roll_up() {
    let b = rollup_bundle(
        10.0,
        &[
            ("U1", "achieved", Some("P1")),  // 100
            ("U2", "at_risk", Some("P1")),   // 8 / 87 = 9.20
            ("U7", "no_data", Some("P1")),   // 0
            ("U1", "off_track", Some("P2")), // 1 / 87 = 1.15
            ("U3", "on_track", None),
        ],
    );
    let eval = b.eval("2025-03-04");
    let p1 = priority(&eval, "P1");
    assert_eq!(p1["targets"], 3);
    // (100 + 9.20 + 0) / 3 = 36.40
    assert_num(p1, "achievement_pct", 36.4);
    assert_eq!(p1["rating"], "sangat_rendah");
    assert_eq!(p1["status"], "at_risk");
    assert_eq!(
        p1["status_counts"],
        json!({"achieved": 1, "at_risk": 1, "no_data": 1})
    );
    let p2 = priority(&eval, "P2");
    assert_eq!(p2["targets"], 1);
    assert_eq!(p2["status"], "off_track");
    assert_num(p2, "achievement_pct", 1.15);
    // A priority without targets.
    let p9 = priority(&eval, "P9");
    assert_eq!(p9["targets"], 0);
    assert_null(p9, "status");
    assert_null(p9, "achievement_pct");
    assert_null(p9, "rating");
    assert_eq!(p9["status_counts"], json!({}));
    // A target without a priority is in no priority but in the summary.
    assert_eq!(eval["summary"]["targets"], 5);
    assert_null(target(&eval, "U3-4-on_track"), "priority");
}

#[test]
fn cluster_roll_up_counts_all_its_units_and_sums_their_compliance() {
    // On 14 March X = 20.
    let b = rollup_bundle(
        20.0,
        &[
            ("U1", "on_track", None),
            ("U2", "at_risk", None),
            ("U7", "achieved", None),
            ("U8", "off_track", None),
        ],
    )
    // Every target's entry of 1 March makes period 2 on time.
    // U1: periods 1 and 2 on time, 3 missing. U2: period 1 late, 2 on time, 3 missing.
    // U7: 1-3 on time. U8 (no cluster): 2 on time, 1 and 3 missing.
    .nil("U1", "2025-02-23", "2025-02-24T10:00:00+07:00")
    .nil("U1", "2025-03-05", "2025-03-06T10:00:00+07:00")
    .nil("U2", "2025-02-23", "2025-02-28T10:00:00+07:00")
    .nil("U7", "2025-02-23", "2025-02-24T10:00:00+07:00")
    .nil("U7", "2025-03-05", "2025-03-06T10:00:00+07:00")
    .nil("U7", "2025-03-10", "2025-03-11T10:00:00+07:00");
    let eval = b.eval("2025-03-14T12:00:00+07:00");
    assert_eq!(state(&eval, "U1", 4), "open");
    let c1 = cluster(&eval, "C1");
    assert_eq!(c1["units"], 6);
    assert_eq!(c1["targets"], 2);
    assert_eq!(c1["status"], "at_risk");
    assert_eq!(c1["status_counts"], json!({"on_track": 1, "at_risk": 1}));
    // (19/87 = 21.84 + 16/87 = 18.39) / 2 = 20.115 -> 20.12
    assert_num(c1, "achievement_pct", 20.12);
    // on time 3, late 1, missing 2 (U3-U6, without targets, owe nothing).
    assert_num(c1, "reporting_rate", 0.67);
    assert_num(c1, "on_time_rate", 0.5);
    let c2 = cluster(&eval, "C2");
    assert_eq!(c2["units"], 1);
    assert_eq!(c2["status"], "achieved");
    assert_num(c2, "reporting_rate", 1.0);
    assert_num(c2, "on_time_rate", 1.0);
    // A cluster without units.
    let c3 = cluster(&eval, "C3");
    assert_eq!(c3["units"], 0);
    assert_eq!(c3["targets"], 0);
    assert_null(c3, "status");
    assert_null(c3, "reporting_rate");
    assert_null(c3, "achievement_pct");

    // Summary: all units, U8 included: on time 7, late 1, missing 4.
    let s = &eval["summary"];
    assert_eq!(s["targets"], 4);
    assert_eq!(s["units_with_targets"], 4);
    assert_num(s, "reporting_rate", 0.67);
    assert_num(s, "on_time_rate", 0.58);
    assert_eq!(
        s["status_counts"],
        json!({"achieved": 1, "on_track": 1, "at_risk": 1, "off_track": 1})
    );
    // (21.84 + 18.39 + 100 + 2.30) / 4 = 35.6325 -> 35.63
    assert_num(s, "achievement_pct", 35.63);
    assert_eq!(s["rating"], "sangat_rendah");
}

#[test]
fn summary_without_targets() {
    let eval = B::new().eval("2025-03-10");
    let s = &eval["summary"];
    assert_eq!(s["targets"], 0);
    assert_eq!(s["units_with_targets"], 0);
    assert_null(s, "achievement_pct");
    assert_null(s, "rating");
    assert_null(s, "reporting_rate");
    assert_null(s, "on_time_rate");
    assert_eq!(eval["targets"], json!([]));
    assert_eq!(eval["units"].as_array().unwrap().len(), 4);
}

#[test]
fn the_output_carries_every_documented_field() {
    let eval = one_sum()
        .entry("T1", "2025-03-01", "2025-03-02T10:00:00+07:00", 5.0)
        .eval("2025-03-10");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |list: &[&str]| -> Vec<String> {
        let mut k: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&eval),
        sorted(&[
            "program",
            "as_of",
            "day",
            "days_total",
            "periods",
            "targets",
            "units",
            "priorities",
            "clusters",
            "summary"
        ])
    );
    assert_eq!(
        keys(target(&eval, "T1")),
        sorted(&[
            "code",
            "unit",
            "priority",
            "realized",
            "expected",
            "achievement_pct",
            "rating",
            "progress",
            "status",
            "stale",
            "projected",
            "likely_to_miss"
        ])
    );
    assert_eq!(
        keys(unit(&eval, "DP3A")),
        sorted(&[
            "code",
            "targets",
            "achievement_pct",
            "rating",
            "status",
            "final",
            "status_counts",
            "reporting_rate",
            "on_time_rate",
            "compliance"
        ])
    );
    assert_eq!(
        keys(priority(&eval, "P1")),
        sorted(&[
            "code",
            "targets",
            "achievement_pct",
            "rating",
            "status",
            "status_counts"
        ])
    );
    assert_eq!(
        keys(cluster(&eval, "ASDA1")),
        sorted(&[
            "code",
            "units",
            "targets",
            "achievement_pct",
            "rating",
            "status",
            "status_counts",
            "reporting_rate",
            "on_time_rate"
        ])
    );
    assert_eq!(
        keys(&eval["summary"]),
        sorted(&[
            "targets",
            "units_with_targets",
            "achievement_pct",
            "rating",
            "status_counts",
            "reporting_rate",
            "on_time_rate"
        ])
    );
}

// ---------------------------------------------------------------------------
// Budgets
// ---------------------------------------------------------------------------

fn budget_bundle() -> B {
    one_sum()
        .budget(json!({
            "unit": "DP3A", "year": 2025, "pagu": "1000000000",
            "months": [
                {"month": 1, "planned": 100000000, "realised": 80000000, "physical_pct": 5},
                {"month": 2, "planned": "100000000", "realised": "70000000", "physical_pct": 10.5},
                {"month": 3, "planned": 200000000, "realised": 50000000},
                {"month": 4, "planned": 100000000, "realised": 100000000, "physical_pct": 30}
            ]
        }))
        .budget(json!({
            "unit": "DLH", "year": 2025, "pagu": 3000000000u64,
            "months": [
                {"month": 2, "planned": 1000000000, "realised": 950000000, "physical_pct": 50}
            ]
        }))
        .budget(json!({"unit": "DINKES", "year": 2024, "pagu": 500, "months": [{"month": 1, "planned": 100, "realised": 100}]}))
}

#[test]
fn budget_absorption_against_plan_rating_physical_and_flag() {
    let eval = budget_bundle().eval("2025-03-15");
    let b = &unit(&eval, "DP3A")["budget"];
    assert_eq!(b["pagu"], "1000000000");
    assert_eq!(b["planned_to_date"], "400000000");
    assert_eq!(b["realised_to_date"], "200000000");
    assert_num(b, "absorption_pct", 20.0);
    assert_num(b, "against_plan_pct", 50.0);
    assert_eq!(b["rating"], "sangat_rendah");
    // March has no physical figure: February's is the latest to date.
    assert_num(b, "physical_pct", 10.5);
    assert_eq!(b["flagged"], true);

    // The whole month of as_of counts, from its first day.
    let eval = budget_bundle().eval("2025-04-01");
    let b = &unit(&eval, "DP3A")["budget"];
    assert_eq!(b["planned_to_date"], "500000000");
    assert_eq!(b["realised_to_date"], "300000000");
    assert_num(b, "absorption_pct", 30.0);
    assert_num(b, "against_plan_pct", 60.0);
    assert_num(b, "physical_pct", 30.0);

    // Months after the last one given add nothing.
    let eval = budget_bundle().eval("2025-12-31");
    let b = &unit(&eval, "DP3A")["budget"];
    assert_eq!(b["realised_to_date"], "300000000");
}

#[test]
fn budget_against_plan_is_null_while_nothing_is_planned() {
    let eval = budget_bundle().eval("2025-01-31");
    let b = &unit(&eval, "DLH")["budget"];
    assert_eq!(b["planned_to_date"], "0");
    assert_eq!(b["realised_to_date"], "0");
    assert_null(b, "against_plan_pct");
    assert_num(b, "absorption_pct", 0.0);
    assert_eq!(b["rating"], "sangat_rendah");
    assert_null(b, "physical_pct");
    assert_eq!(b["flagged"], false);
    // In February: 95 % of plan, not flagged; 31.67 % absorbed.
    let eval = budget_bundle().eval("2025-02-01");
    let b = &unit(&eval, "DLH")["budget"];
    assert_num(b, "against_plan_pct", 95.0);
    assert_num(b, "absorption_pct", 31.67);
    assert_eq!(b["flagged"], false);
}

#[test]
fn budget_rating_uses_the_achievement_scale() {
    let mk = |realised: u64| {
        let eval = one_sum()
            .budget(json!({"unit": "DP3A", "year": 2025, "pagu": 10000,
                           "months": [{"month": 1, "planned": 10000, "realised": realised}]}))
            .eval("2025-01-15");
        unit(&eval, "DP3A")["budget"].clone()
    };
    for (realised, pct, rating) in [
        (9100, 91.0, "sangat_tinggi"),
        (9099, 90.99, "tinggi"),
        (7600, 76.0, "tinggi"),
        (7599, 75.99, "sedang"),
        (6600, 66.0, "sedang"),
        (6599, 65.99, "rendah"),
        (5100, 51.0, "rendah"),
        (5099, 50.99, "sangat_rendah"),
    ] {
        let b = mk(realised);
        assert_num(&b, "absorption_pct", pct);
        assert_eq!(b["rating"], rating, "{realised}");
    }
}

#[test]
fn budget_flag_with_its_margin() {
    let mk = |realised: u64, margin: Option<f64>| {
        let mut b = one_sum().budget(json!({"unit": "DP3A", "year": 2025, "pagu": 100000,
                       "months": [{"month": 1, "planned": 10000, "realised": realised}]}));
        if let Some(m) = margin {
            b = b.top("budget_flag_margin", json!(m));
        }
        unit(&b.eval("2025-01-15"), "DP3A")["budget"]["flagged"].clone()
    };
    // Default margin 10: flagged below 90 % of plan.
    assert_eq!(mk(9000, None), false);
    assert_eq!(mk(8999, None), true);
    assert_eq!(mk(10000, None), false);
    // Margin 20: flagged below 80 %.
    assert_eq!(mk(8500, Some(20.0)), false);
    assert_eq!(mk(8000, Some(20.0)), false);
    assert_eq!(mk(7999, Some(20.0)), true);
    // Margin 0: flagged below plan.
    assert_eq!(mk(9999, Some(0.0)), true);
}

#[test]
fn budget_summary_sums_units_and_weights_physical_progress_by_pagu() {
    let b = B::new()
        .budget(json!({"unit": "DP3A", "year": 2025, "pagu": 1000,
                       "months": [{"month": 1, "planned": 100, "realised": 80, "physical_pct": 10}]}))
        .budget(json!({"unit": "DLH", "year": 2025, "pagu": 3000,
                       "months": [{"month": 1, "planned": 300, "realised": 150, "physical_pct": 50}]}))
        .budget(json!({"unit": "DINKES", "year": 2025, "pagu": "2000",
                       "months": [{"month": 1, "planned": 600, "realised": 570}]}))
        .budget(json!({"unit": "BAPPEDA", "year": 2024, "pagu": 9000}));
    let eval = b.eval("2025-01-20");
    let s = &eval["summary"]["budget"];
    assert_eq!(s["pagu"], "6000");
    assert_eq!(s["planned_to_date"], "1000");
    assert_eq!(s["realised_to_date"], "800");
    // 800 / 6000 = 13.33 %; 800 / 1000 = 80 % of plan.
    assert_num(s, "absorption_pct", 13.33);
    assert_num(s, "against_plan_pct", 80.0);
    assert_eq!(s["rating"], "sangat_rendah");
    // (10 x 1000 + 50 x 3000) / 4000 = 40: DINKES reports no physical progress.
    assert_num(s, "physical_pct", 40.0);
    assert_eq!(s["flagged"], true);
    // BAPPEDA's budget is for 2024: null in 2025.
    assert!(unit(&eval, "BAPPEDA")["budget"].is_null());
    assert!(unit(&eval, "BAPPEDA").get("budget").is_some());
    // In 2024 only BAPPEDA has a budget.
    let eval = b.eval("2024-06-30");
    assert_eq!(eval["summary"]["budget"]["pagu"], "9000");
    assert!(unit(&eval, "DP3A")["budget"].is_null());
    // A year without any budget: the summary's budget is null.
    let eval = b.eval("2026-01-10");
    assert!(eval["summary"]["budget"].is_null());
    assert!(eval["summary"].get("budget").is_some());
}

#[test]
fn budget_amounts_are_exact_strings() {
    // Above 2^53: a float would lose the last digits.
    let b = B::new().budget(json!({"unit": "DP3A", "year": 2025, "pagu": "12500000000000000001",
                   "months": [{"month": 1, "planned": "9007199254740993", "realised": 9007199254740993u64}]}));
    let eval = b.eval("2025-01-20");
    let u = &unit(&eval, "DP3A")["budget"];
    assert_eq!(u["pagu"], "12500000000000000001");
    assert_eq!(u["planned_to_date"], "9007199254740993");
    assert_eq!(u["realised_to_date"], "9007199254740993");
    assert_num(u, "against_plan_pct", 100.0);
    assert_eq!(eval["summary"]["budget"]["pagu"], "12500000000000000001");
}

#[test]
fn budget_key_absent_without_budgets_and_null_for_a_unit_without_one() {
    let eval = one_sum().eval("2025-03-15");
    for u in eval["units"].as_array().unwrap() {
        assert!(u.get("budget").is_none(), "{u}");
    }
    assert!(eval["summary"].get("budget").is_none());

    let eval = budget_bundle().eval("2025-03-15");
    // DINKES has a 2024 budget only, BAPPEDA none.
    for code in ["DINKES", "BAPPEDA"] {
        let u = unit(&eval, code);
        assert!(u.get("budget").is_some_and(Value::is_null), "{code}: {u}");
    }
    assert!(unit(&eval, "DLH")["budget"].is_object());
    assert!(eval["summary"]["budget"].is_object());
}

#[test]
fn budget_year_follows_the_local_date_of_as_of() {
    // 31 Dec 2024 18:00 UTC is 1 Jan 2025 01:00 WIB: fiscal year 2025, January.
    let eval = budget_bundle().eval("2024-12-31T18:00:00Z");
    let b = &unit(&eval, "DP3A")["budget"];
    assert_eq!(b["realised_to_date"], "80000000");
    let eval = budget_bundle().eval("2024-12-31T16:59:59Z");
    assert!(unit(&eval, "DP3A")["budget"].is_null());
}

#[test]
fn budget_amounts_above_i64_stay_exact() {
    let b = B::new()
        .budget(json!({"unit": "DP3A", "year": 2025, "pagu": "10000000000000000000",
                       "months": [{"month": 1, "planned": "10000000000000000000", "realised": "5000000000000000000"}]}))
        .budget(json!({"unit": "DLH", "year": 2025, "pagu": "10000000000000000000",
                       "months": [{"month": 1, "planned": "10000000000000000000", "realised": "5000000000000000000"}]}));
    let eval = b.eval("2025-01-10");
    let u = &unit(&eval, "DP3A")["budget"];
    assert_num(u, "absorption_pct", 50.0);
    assert_num(u, "against_plan_pct", 50.0);
    let s = &eval["summary"]["budget"];
    assert_eq!(s["pagu"], "20000000000000000000");
    assert_eq!(s["planned_to_date"], "20000000000000000000");
    assert_eq!(s["realised_to_date"], "10000000000000000000");
    assert_num(s, "absorption_pct", 50.0);
}

#[test]
fn budget_amounts_beyond_a_decimal_neither_panic_nor_lose_the_percentages() {
    // 2e38 and 1e38 rupiah: beyond Decimal's 7.9e28, within u128.
    let b = B::new()
        .budget(json!({"unit": "DP3A", "year": 2025, "pagu": "200000000000000000000000000000000000000",
                       "months": [{"month": 1, "planned": "200000000000000000000000000000000000000",
                                   "realised": "100000000000000000000000000000000000000", "physical_pct": 30}]}))
        .budget(json!({"unit": "DLH", "year": 2025, "pagu": "100000000000000000000000000000000000000",
                       "months": [{"month": 1, "planned": 1,
                                   "realised": "50000000000000000000000000000000000000", "physical_pct": 60}]}));
    let eval = b.eval("2025-01-10");
    let u = &unit(&eval, "DP3A")["budget"];
    assert_num(u, "absorption_pct", 50.0);
    assert_num(u, "against_plan_pct", 50.0);
    let u = &unit(&eval, "DLH")["budget"];
    assert_num(u, "absorption_pct", 50.0);
    // 5e39 %: beyond what a Decimal holds, so it saturates; still flagged as not behind.
    assert!(num(u, "against_plan_pct") > 7.9e28, "{u}");
    assert_eq!(u["flagged"], false);
    let s = &eval["summary"]["budget"];
    assert_eq!(s["pagu"], "300000000000000000000000000000000000000");
    assert_eq!(
        s["realised_to_date"],
        "150000000000000000000000000000000000000"
    );
    assert_num(s, "absorption_pct", 50.0);
    // Pagu-weighted: (30 x 2 + 60 x 1) / 3.
    assert_num(s, "physical_pct", 40.0);
}

#[test]
fn each_program_is_evaluated_on_its_own() {
    // A second program with its own calendar, target and entries.
    let mut b = one_sum().entry("T1", "2025-03-01", "2025-03-02T10:00:00+07:00", 5.0);
    let mut second = b.doc["programs"][0].clone();
    second["code"] = json!("RPJMD25");
    second["start"] = json!("2025-01-01");
    second["end"] = json!("2025-12-31");
    second["evaluation_weekday"] = json!("monday");
    second["targets"] = json!([{"code": "T1", "unit": "DLH", "name": "t", "kind": "sum", "polarity": "higher", "baseline": 0, "target": 10}]);
    second["entries"] = json!([{"target": "T1", "activity_date": "2025-03-01", "submitted_at": "2025-03-02T10:00:00+07:00", "value": 7}]);
    second["nil_reports"] = json!([]);
    b.doc["programs"].as_array_mut().unwrap().push(second);
    let region = b.region();
    let as_of = region.programs[0]
        .calendar
        .parse_as_of("2025-03-10")
        .unwrap();
    let first = serde_json::to_value(pantau_domain::evaluate(
        &region,
        region.program("100HK").unwrap(),
        &as_of,
        Options::default(),
    ))
    .unwrap();
    let program = region.program("RPJMD25").unwrap();
    let as_of = program.calendar.parse_as_of("2025-03-10").unwrap();
    let other = serde_json::to_value(pantau_domain::evaluate(
        &region,
        program,
        &as_of,
        Options::default(),
    ))
    .unwrap();
    assert_eq!(first["program"], "100HK");
    assert_num(target(&first, "T1"), "realized", 5.0);
    assert_eq!(target(&first, "T1")["unit"], "DP3A");
    assert_eq!(unit(&first, "DLH")["targets"], 0);
    assert_eq!(other["program"], "RPJMD25");
    assert_eq!(other["days_total"], 365);
    assert_eq!(other["day"], 69);
    assert_num(target(&other, "T1"), "realized", 7.0);
    assert_eq!(unit(&other, "DP3A")["targets"], 0);
    assert_eq!(unit(&other, "DP3A")["compliance"], json!([]));
    // DLH owes reports in the second program only: 11 periods begun by Mon 10 March
    // (1-5 Jan, then weeks from each Monday).
    assert_eq!(compliance(&other, "DLH").len(), 11);
    assert_eq!(other["periods"][0]["end"], "2025-01-05");
}
