//! Refusals (bundle.md): a bundle that breaks a rule is refused whole, with
//! every problem listed by its JSON path and what is wrong there.

mod common;

use common::*;
use pantau_domain::{Problem, ProblemKind, Refused, load, parse, validate};
use serde_json::json;

/// A valid bundle with targets of every kind, an entry and a nil report.
fn valid() -> B {
    B::new()
        .target_json(json!({
            "code": "DP3A-01", "unit": "DP3A", "priority": "P1", "name": "Posyandu", "measure": "posyandu",
            "kind": "sum", "polarity": "higher", "baseline": 0, "target": 120,
            "plan": [{"date": "2025-03-31", "value": 40}]
        }))
        .target_json(json!({
            "code": "DLH-02", "unit": "DLH", "priority": "P3", "name": "Perwal",
            "kind": "milestone", "polarity": "higher", "due": "2025-04-30"
        }))
        .last("DLH-03", "DLH", "lower", 120.0, 80.0)
        .entry("DP3A-01", "2025-03-01", "2025-03-07T08:30:00+07:00", 12.0)
        .nil("DP3A", "2025-03-10", "2025-03-14T08:00:00+07:00")
        .budget(json!({"unit": "DP3A", "year": 2025, "pagu": 1000,
                       "months": [{"month": 1, "planned": 100, "realised": 80, "physical_pct": 5}]}))
}

/// The problems of a refused bundle as (path, message).
fn problems(b: &B) -> Vec<Problem> {
    b.refused().problems
}

/// Assert that the bundle is refused with a problem at `path` whose message
/// contains every one of `words`.
#[track_caller]
fn assert_refused(b: &B, path: &str, words: &[&str]) -> Vec<Problem> {
    let problems = problems(b);
    let found = problems
        .iter()
        .any(|p| p.path == path && words.iter().all(|w| p.message.contains(w)));
    assert!(
        found,
        "no problem at {path} mentioning {words:?}; got {problems:#?}"
    );
    problems
}

/// Assert the bundle is refused with exactly one problem, at `path`.
#[track_caller]
fn assert_only(b: &B, path: &str, words: &[&str]) {
    let problems = assert_refused(b, path, words);
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

fn target_mut(b: &mut B, i: usize) -> &mut serde_json::Value {
    &mut b.program_mut()["targets"][i]
}

#[test]
fn the_valid_bundle_is_accepted() {
    let region = valid().region();
    assert_eq!(region.programs.len(), 1);
    assert_eq!(region.programs[0].targets.len(), 3);
    assert_eq!(region.units.len(), 4);
}

#[test]
fn wrong_format_tag() {
    let b = valid().top("format", json!("pantau-bundle/2"));
    assert_only(&b, "format", &["pantau-bundle/1", "pantau-bundle/2"]);
}

#[test]
fn unknown_unit_of_a_target_names_the_path_and_the_code() {
    let mut b = valid().sum("X1", "DP3A", 0.0, 1.0);
    target_mut(&mut b, 3)["unit"] = json!("DP3X");
    assert_only(
        &b,
        "programs[0].targets[3].unit",
        &["unknown unit", "\"DP3X\""],
    );
    let refused = b.refused();
    assert_eq!(
        refused.problems[0].to_string(),
        "programs[0].targets[3].unit: unknown unit \"DP3X\""
    );
}

#[test]
fn unknown_references_everywhere() {
    let mut b = valid();
    b.doc["units"][1]["cluster"] = json!("ASDA9");
    assert_only(&b, "units[1].cluster", &["ASDA9"]);

    let mut b = valid();
    target_mut(&mut b, 0)["priority"] = json!("P7");
    assert_only(&b, "programs[0].targets[0].priority", &["P7"]);

    let b = valid().entry("NOPE", "2025-03-01", "2025-03-02T10:00:00+07:00", 1.0);
    assert_only(&b, "programs[0].entries[1].target", &["NOPE"]);

    let b = valid().nil("DISHUB", "2025-03-10", "2025-03-14T08:00:00+07:00");
    assert_only(&b, "programs[0].nil_reports[1].unit", &["DISHUB"]);

    let b = valid().budget(json!({"unit": "DISDIK", "year": 2025, "pagu": 1}));
    assert_only(&b, "budgets[1].unit", &["DISDIK"]);
}

#[test]
fn duplicate_codes_of_each_kind() {
    let mut b = valid();
    b.doc["clusters"][1]["code"] = json!("ASDA1");
    b.doc["units"][1]["cluster"] = json!("ASDA1");
    assert_only(&b, "clusters[1].code", &["duplicate", "ASDA1"]);

    let mut b = valid();
    b.doc["units"][2]["code"] = json!("DP3A");
    assert_only(&b, "units[2].code", &["duplicate", "DP3A"]);

    let mut b = valid();
    b.doc["priorities"][1]["code"] = json!("P1");
    target_mut(&mut b, 1)["priority"] = json!("P1");
    assert_only(&b, "priorities[1].code", &["duplicate", "P1"]);

    let mut b = valid();
    let program = b.doc["programs"][0].clone();
    b.doc["programs"].as_array_mut().unwrap().push(program);
    assert_only(&b, "programs[1].code", &["duplicate", "100HK"]);

    let mut b = valid().sum("X1", "DP3A", 0.0, 1.0);
    target_mut(&mut b, 3)["code"] = json!("DLH-02");
    assert_only(&b, "programs[0].targets[3].code", &["duplicate", "DLH-02"]);

    // An empty code is refused too.
    let mut b = valid();
    b.doc["units"][3]["code"] = json!(" ");
    assert_only(&b, "units[3].code", &["empty"]);
}

#[test]
fn start_after_end() {
    let b = valid()
        .set("start", json!("2025-05-21"))
        .set("end", json!("2025-05-20"));
    assert_refused(&b, "programs[0].end", &["2025-05-21", "2025-05-20"]);
    // start = end is a one-day program.
    let b = B::new()
        .set("start", json!("2025-05-20"))
        .set("end", json!("2025-05-20"));
    load(&b.text()).expect("a one-day program is valid");
}

#[test]
fn activity_dates_inside_the_program() {
    let b = valid().entry("DP3A-01", "2025-02-21", "2025-02-21T10:00:00+07:00", 1.0);
    assert_only(
        &b,
        "programs[0].entries[1].activity_date",
        &["2025-02-21", "outside"],
    );
    let b = valid().entry("DP3A-01", "2025-05-21", "2025-05-21T10:00:00+07:00", 1.0);
    assert_only(&b, "programs[0].entries[1].activity_date", &["2025-05-21"]);
    // The first and last days are inside.
    valid()
        .entry("DP3A-01", "2025-02-22", "2025-02-22T10:00:00+07:00", 1.0)
        .entry("DP3A-01", "2025-05-20", "2025-05-20T10:00:00+07:00", 1.0)
        .region();
}

#[test]
fn submitted_at_not_before_local_midnight_of_the_activity_date() {
    // 00:00 WIB on 1 March is 17:00 UTC on 28 February.
    valid()
        .entry("DP3A-01", "2025-03-01", "2025-02-28T17:00:00Z", 1.0)
        .entry("DP3A-01", "2025-03-01", "2025-03-01T00:00:00+07:00", 1.0)
        .region();
    let b = valid().entry("DP3A-01", "2025-03-01", "2025-02-28T16:59:59Z", 1.0);
    assert_only(&b, "programs[0].entries[1].submitted_at", &["2025-03-01"]);
    let b = valid().entry("DP3A-01", "2025-03-01", "2025-02-28T23:59:59+07:00", 1.0);
    assert_only(&b, "programs[0].entries[1].submitted_at", &[]);
    // In the program's time zone, not the submission's offset: 23:30 on 28 Feb
    // at -05:00 is 11:30 WIB on 1 March.
    valid()
        .entry("DP3A-01", "2025-03-01", "2025-02-28T23:30:00-05:00", 1.0)
        .region();
}

#[test]
fn sum_values_are_not_negative() {
    let b = valid().entry("DP3A-01", "2025-03-01", "2025-03-02T10:00:00+07:00", -1.0);
    assert_only(&b, "programs[0].entries[1].value", &["-1"]);
    // Zero is a value; a `last` level may be negative.
    valid()
        .entry("DP3A-01", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.0)
        .entry("DLH-03", "2025-03-01", "2025-03-02T10:00:00+07:00", -3.5)
        .region();
}

#[test]
fn milestone_values_are_zero_or_one() {
    for bad in [0.5, 2.0, -1.0] {
        let b = valid().entry("DLH-02", "2025-03-01", "2025-03-02T10:00:00+07:00", bad);
        assert_only(&b, "programs[0].entries[1].value", &["0 or 1"]);
    }
    valid()
        .entry("DLH-02", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.0)
        .entry("DLH-02", "2025-03-01", "2025-03-02T10:00:00+07:00", 1.0)
        .region();
}

#[test]
fn a_value_given_as_a_string_is_refused() {
    let b = valid().entry_json(json!({
        "target": "DP3A-01", "activity_date": "2025-03-01",
        "submitted_at": "2025-03-02T10:00:00+07:00", "value": "12"
    }));
    assert_only(&b, "programs[0].entries[1].value", &[]);
}

#[test]
fn every_number_given_as_a_string_is_refused() {
    let mut b = valid();
    target_mut(&mut b, 0)["baseline"] = json!("0");
    assert_only(&b, "programs[0].targets[0].baseline", &[]);
    let mut b = valid();
    target_mut(&mut b, 0)["target"] = json!("120");
    assert_only(&b, "programs[0].targets[0].target", &[]);
    let mut b = valid();
    target_mut(&mut b, 0)["plan"][0]["value"] = json!("40");
    assert_only(&b, "programs[0].targets[0].plan[0].value", &[]);
    let b = valid().set("thresholds", json!({"on_track": "0.9", "at_risk": 0.7}));
    assert_only(&b, "programs[0].thresholds.on_track", &[]);
    let b = valid().top("budget_flag_margin", json!("10"));
    assert_only(&b, "budget_flag_margin", &[]);
    let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": 1000,
        "months": [{"month": 1, "physical_pct": "5"}]}));
    assert_only(&b, "budgets[1].months[0].physical_pct", &[]);
    // Optional numbers may be null; numbers are read exactly as written.
    let mut b = valid().top("budget_flag_margin", json!(null));
    target_mut(&mut b, 1)["baseline"] = json!(null);
    b.region();
    let mut b = valid();
    target_mut(&mut b, 0)["target"] = json!(0.1);
    target_mut(&mut b, 0)["plan"][0]["value"] = json!(0.03);
    let region = b.region();
    let t = &region.programs[0].targets[0];
    assert_eq!(t.target.to_string(), "0.1");
    assert_eq!(t.plan[0].1.to_string(), "0.03");
}

#[test]
fn values_are_json_numbers() {
    for bad in [json!(null), json!("abc"), json!(true), json!([1])] {
        let b = valid().entry_json(json!({
            "target": "DP3A-01", "activity_date": "2025-03-01",
            "submitted_at": "2025-03-02T10:00:00+07:00", "value": bad
        }));
        assert_only(&b, "programs[0].entries[1].value", &[]);
    }
}

#[test]
fn target_zero_is_refused_for_polarity_higher_only() {
    let b = valid().sum("Z", "DP3A", 0.0, 0.0);
    assert_only(&b, "programs[0].targets[3].target", &["0"]);
    let b = valid().last("Z", "DP3A", "higher", 5.0, 0.0);
    assert_only(&b, "programs[0].targets[3].target", &["higher"]);
    valid().last("Z", "DLH", "lower", 5.0, 0.0).region();
}

#[test]
fn sum_with_polarity_lower_is_refused() {
    let mut b = valid().sum("S", "DLH", 10.0, 5.0);
    target_mut(&mut b, 3)["polarity"] = json!("lower");
    assert_only(&b, "programs[0].targets[3].polarity", &["sum", "lower"]);
}

#[test]
fn plan_dates_inside_the_program() {
    let mut b = valid();
    target_mut(&mut b, 0)["plan"] = json!([
        {"date": "2025-03-31", "value": 40},
        {"date": "2025-05-21", "value": 130},
        {"date": "2025-02-21", "value": 0}
    ]);
    let problems = assert_refused(&b, "programs[0].targets[0].plan[1].date", &["2025-05-21"]);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "programs[0].targets[0].plan[2].date"),
        "{problems:#?}"
    );
    assert_eq!(problems.len(), 2, "{problems:#?}");
    // On the start and end days is fine.
    let mut b = valid();
    target_mut(&mut b, 0)["plan"] =
        json!([{"date": "2025-02-22", "value": 1}, {"date": "2025-05-20", "value": 120}]);
    b.region();
}

#[test]
fn plan_only_on_sum_and_last() {
    let mut b = valid();
    target_mut(&mut b, 1)["plan"] = json!([{"date": "2025-03-31", "value": 1}]);
    assert_only(&b, "programs[0].targets[1].plan", &["sum", "last"]);
    let mut b = valid();
    target_mut(&mut b, 2)["plan"] = json!([{"date": "2025-03-31", "value": 100}]);
    b.region();
}

#[test]
fn due_only_on_milestones_and_inside_the_program() {
    let mut b = valid();
    target_mut(&mut b, 0)["due"] = json!("2025-04-30");
    assert_only(&b, "programs[0].targets[0].due", &["milestone"]);
    let mut b = valid();
    target_mut(&mut b, 1)["due"] = json!("2025-05-21");
    assert_only(&b, "programs[0].targets[1].due", &["2025-05-21"]);
    let mut b = valid();
    target_mut(&mut b, 1)["due"] = json!("2025-02-21");
    assert_only(&b, "programs[0].targets[1].due", &["2025-02-21"]);
    let mut b = valid();
    target_mut(&mut b, 1)["due"] = json!("2025-05-20");
    b.region();
}

#[test]
fn a_milestone_has_baseline_0_and_target_1() {
    let mut b = valid();
    target_mut(&mut b, 1)["target"] = json!(2);
    assert_only(&b, "programs[0].targets[1].target", &["1"]);
    let mut b = valid();
    target_mut(&mut b, 1)["baseline"] = json!(1);
    assert_only(&b, "programs[0].targets[1].baseline", &["0"]);
    let mut b = valid();
    target_mut(&mut b, 1)["baseline"] = json!(0);
    target_mut(&mut b, 1)["target"] = json!(1);
    b.region();
}

#[test]
fn sum_and_last_need_baseline_and_target() {
    let b = valid().target_json(
        json!({"code": "N", "unit": "DP3A", "name": "n", "kind": "last", "polarity": "higher"}),
    );
    let problems = assert_refused(&b, "programs[0].targets[3].baseline", &["baseline"]);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "programs[0].targets[3].target"),
        "{problems:#?}"
    );
}

#[test]
fn nil_report_date_inside_the_program() {
    let b = valid().nil("DLH", "2025-05-21", "2025-05-21T10:00:00+07:00");
    assert_only(&b, "programs[0].nil_reports[1].date", &["2025-05-21"]);
}

#[test]
fn settings_of_a_program() {
    let b = valid().set("deadline_time", json!("9 pagi"));
    assert_only(&b, "programs[0].deadline_time", &["9 pagi"]);
    let b = valid().set("timezone", json!("Asia/Bekasi"));
    assert_only(&b, "programs[0].timezone", &["Asia/Bekasi"]);
    let b = valid().set("thresholds", json!({"on_track": 0.6, "at_risk": 0.7}));
    assert_only(&b, "programs[0].thresholds.at_risk", &[]);
    let b = valid().set("final_deadline", json!("2025-05-19T09:00:00+07:00"));
    assert_only(&b, "programs[0].final_deadline", &[]);
    let b = valid().set("evaluation_weekday", json!("jumat"));
    assert_only(&b, "programs[0].evaluation_weekday", &["jumat"]);
    let mut b = valid();
    b.doc["region"]["timezone"] = json!("WIB");
    assert_only(&b, "region.timezone", &["WIB"]);
    let b = valid().top("budget_flag_margin", json!(-1));
    assert_only(&b, "budget_flag_margin", &[]);
}

#[test]
fn a_bad_date_format_is_refused_with_its_path() {
    let b = valid().set("start", json!("22-02-2025"));
    assert_only(&b, "programs[0].start", &[]);
    let b = valid().set("end", json!("2025-02-30"));
    assert_only(&b, "programs[0].end", &[]);
    let b = valid().set("end", json!("2025-05-20T00:00:00+07:00"));
    assert_only(&b, "programs[0].end", &[]);
    let b = valid().entry("DP3A-01", "2025/03/01", "2025-03-02T10:00:00+07:00", 1.0);
    assert_only(&b, "programs[0].entries[1].activity_date", &[]);
    let b = valid().nil("DP3A", "10 Maret 2025", "2025-03-14T08:00:00+07:00");
    assert_only(&b, "programs[0].nil_reports[1].date", &[]);
    let mut b = valid();
    target_mut(&mut b, 1)["due"] = json!("30/04/2025");
    assert_only(&b, "programs[0].targets[1].due", &[]);
    let mut b = valid();
    target_mut(&mut b, 0)["plan"][0]["date"] = json!("2025-03");
    assert_only(&b, "programs[0].targets[0].plan[0].date", &[]);
}

#[test]
fn a_date_not_written_yyyy_mm_dd_is_refused() {
    for bad in ["2025-2-22", "2025-02-2", "+2025-02-22", " 2025-02-22"] {
        let b = valid().set("start", json!(bad));
        assert_only(&b, "programs[0].start", &[]);
    }
    let mut b = valid();
    target_mut(&mut b, 1)["due"] = json!("2025-4-30");
    assert_only(&b, "programs[0].targets[1].due", &[]);
    let b = valid().entry("DP3A-01", "2025-3-1", "2025-03-02T10:00:00+07:00", 1.0);
    assert_only(&b, "programs[0].entries[1].activity_date", &[]);
}

#[test]
fn every_date_is_read_strictly() {
    for bad in ["2025-02-29", "2025-3-10", "2025-03-10 ", "2025-03-10T00:00"] {
        let b = valid().nil("DP3A", bad, "2025-03-14T08:00:00+07:00");
        assert_only(&b, "programs[0].nil_reports[1].date", &[]);
        let mut b = valid();
        target_mut(&mut b, 0)["plan"][0]["date"] = json!(bad);
        assert_only(&b, "programs[0].targets[0].plan[0].date", &[]);
    }
    let b = valid().set("end", json!("2025-5-19"));
    assert_only(&b, "programs[0].end", &[]);
    let mut b = valid();
    target_mut(&mut b, 1)["due"] = json!(20250430);
    assert_only(&b, "programs[0].targets[1].due", &[]);
    // A leap day is a date; an optional date may be null.
    let mut b = valid().set("start", json!("2024-02-29"));
    target_mut(&mut b, 1)["due"] = json!(null);
    b.region();
}

#[test]
fn a_moment_without_an_offset_is_refused_with_its_path() {
    let b = valid().entry("DP3A-01", "2025-03-01", "2025-03-02T10:00:00", 1.0);
    assert_only(&b, "programs[0].entries[1].submitted_at", &[]);
    let b = valid().nil("DP3A", "2025-03-10", "2025-03-14");
    assert_only(&b, "programs[0].nil_reports[1].submitted_at", &[]);
}

#[test]
fn unknown_kind_polarity_or_status_is_refused_with_its_path() {
    let mut b = valid();
    target_mut(&mut b, 0)["kind"] = json!("average");
    assert_only(&b, "programs[0].targets[0].kind", &["average"]);
    let mut b = valid();
    target_mut(&mut b, 0)["polarity"] = json!("up");
    assert_only(&b, "programs[0].targets[0].polarity", &["up"]);
    let b = valid().entry_s(
        "DP3A-01",
        "2025-03-01",
        "2025-03-02T10:00:00+07:00",
        1.0,
        "draft",
    );
    assert_only(&b, "programs[0].entries[1].status", &["draft"]);
}

#[test]
fn a_missing_required_field_is_refused() {
    let mut b = valid();
    b.program_mut().as_object_mut().unwrap().remove("start");
    assert_only(&b, "programs[0]", &["start"]);
}

#[test]
fn not_json_at_all() {
    for text in ["nonsense", "", "[]"] {
        let refused = load(text).unwrap_err();
        assert_eq!(refused.problems.len(), 1, "{text:?}");
        assert_eq!(refused.problems[0].path, "", "{text:?}");
        assert!(!refused.problems[0].message.is_empty());
    }
    // Cut short inside a field: that field's path.
    let refused = load("{\"format\": ").unwrap_err();
    assert_eq!(refused.problems[0].path, "format");
}

#[test]
fn amounts_negative_fractional_or_not_digits_are_refused() {
    for (bad, word) in [
        (json!(-5), "negative"),
        (json!(1.5), "fractional"),
        (json!(-1.5), "negative"),
        (json!(5.0), "integer"),
        (json!("12a"), "12a"),
        (json!("-5"), "-5"),
        (json!(""), ""),
        (json!("1e9"), "1e9"),
        (json!("1.000.000"), "1.000.000"),
        (json!(" 100"), ""),
        (json!(true), ""),
    ] {
        let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": bad}));
        assert_only(&b, "budgets[1].pagu", &[word]);
        let b = valid().budget(
            json!({"unit": "DLH", "year": 2025, "pagu": 1000, "months": [{"month": 1, "planned": bad}]}),
        );
        assert_only(&b, "budgets[1].months[0].planned", &[word]);
        let b = valid().budget(
            json!({"unit": "DLH", "year": 2025, "pagu": 1000, "months": [{"month": 2, "realised": bad}]}),
        );
        assert_only(&b, "budgets[1].months[0].realised", &[word]);
    }
    // Integers and strings of digits are both accepted.
    valid()
        .budget(
            json!({"unit": "DLH", "year": 2025, "pagu": "18446744073709551615",
                       "months": [{"month": 1, "planned": 7, "realised": "0007"}]}),
        )
        .region();
}

#[test]
fn amounts_are_read_up_to_u128() {
    let max = u128::MAX.to_string();
    let region = valid()
        .budget(json!({"unit": "DLH", "year": 2025, "pagu": max,
                       "months": [{"month": 1, "planned": max, "realised": "170141183460469231731687303715884105727"}]}))
        .region();
    let budget = &region.budgets[1];
    assert_eq!(budget.pagu, u128::MAX);
    assert_eq!(budget.months[0].planned, u128::MAX);
    assert_eq!(budget.months[0].realised, u128::MAX / 2);
    // One more than u128::MAX does not fit.
    let b = valid().budget(
        json!({"unit": "DLH", "year": 2025, "pagu": "340282366920938463463374607431768211456"}),
    );
    assert_only(&b, "budgets[1].pagu", &["too large"]);
    // A JSON integer above u64::MAX reaches the reader already rounded: it must be a string.
    let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": 1234}));
    let text = b
        .text()
        .replace("\"pagu\":1234", "\"pagu\":100000000000000000000");
    assert_ne!(text, b.text());
    let problems = parse(&text).unwrap_err().problems;
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].path, "budgets[1].pagu");
    assert!(
        problems[0].message.contains("string of digits"),
        "{problems:#?}"
    );
}

#[test]
fn realised_to_date_beyond_u128_is_above_the_pagu() {
    let max = u128::MAX.to_string();
    let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": max,
        "months": [{"month": 1, "realised": max}, {"month": 2, "realised": 1}]}));
    assert_only(&b, "budgets[1].months[1].realised", &["above", "pagu"]);
}

#[test]
fn repeated_budget_or_month_is_refused() {
    let b = valid().budget(json!({"unit": "DP3A", "year": 2025, "pagu": 5}));
    assert_only(&b, "budgets[1].year", &["DP3A", "2025"]);
    // Another year is another budget.
    valid()
        .budget(json!({"unit": "DP3A", "year": 2026, "pagu": 5}))
        .region();
    let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": 5000,
        "months": [{"month": 3, "planned": 1}, {"month": 4}, {"month": 3, "planned": 2}]}));
    assert_only(&b, "budgets[1].months[2].month", &["3"]);
    for month in [0, 13] {
        let b = valid().budget(
            json!({"unit": "DLH", "year": 2025, "pagu": 5000, "months": [{"month": month}]}),
        );
        assert_only(&b, "budgets[1].months[0].month", &[&month.to_string()]);
    }
}

#[test]
fn realised_to_date_above_the_pagu_is_refused() {
    // 600 + 500 > 1000 in March, given as the second month listed.
    let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": 1000,
        "months": [{"month": 1, "realised": 600}, {"month": 3, "realised": 500}]}));
    assert_only(&b, "budgets[1].months[1].realised", &["1000"]);
    // Exactly the pagu is fine.
    valid()
        .budget(json!({"unit": "DLH", "year": 2025, "pagu": 1000,
            "months": [{"month": 1, "realised": 600}, {"month": 3, "realised": 400}]}))
        .region();
}

#[test]
fn physical_pct_is_a_percentage() {
    for bad in [-1.0, 100.5] {
        let b = valid().budget(json!({"unit": "DLH", "year": 2025, "pagu": 1000,
            "months": [{"month": 1, "physical_pct": bad}]}));
        assert_only(&b, "budgets[1].months[0].physical_pct", &[]);
    }
}

#[test]
fn several_problems_in_one_bundle_are_all_listed() {
    let mut b = valid()
        .sum("X1", "DP3X", 0.0, 10.0)
        .entry("DP3A-01", "2025-06-01", "2025-06-01T10:00:00+07:00", 1.0)
        .entry("DLH-02", "2025-03-01", "2025-03-02T10:00:00+07:00", 0.5)
        .entry("GHOST", "2025-03-01", "2025-03-02T10:00:00+07:00", 1.0)
        .nil("DISHUB", "2025-03-10", "2025-03-14T08:00:00+07:00")
        .budget(json!({"unit": "DISDIK", "year": 2025, "pagu": 1}));
    b.doc["units"][0]["cluster"] = json!("ASDA9");
    target_mut(&mut b, 2)["polarity"] = json!("lower");
    target_mut(&mut b, 2)["kind"] = json!("sum");
    let refused = b.refused();
    let paths: Vec<&str> = refused.problems.iter().map(|p| p.path.as_str()).collect();
    for path in [
        "units[0].cluster",
        "programs[0].targets[2].polarity",
        "programs[0].targets[3].unit",
        "programs[0].entries[1].activity_date",
        "programs[0].entries[2].value",
        "programs[0].entries[3].target",
        "programs[0].nil_reports[1].unit",
        "budgets[1].unit",
    ] {
        assert!(paths.contains(&path), "{path} not in {paths:#?}");
    }
    assert_eq!(paths.len(), 8, "{paths:#?}");
    // The error's text counts them and names the first.
    let text = refused.to_string();
    assert!(text.contains("8 problem"), "{text}");
    assert!(text.contains("units[0].cluster"), "{text}");
}

#[test]
fn parse_then_validate_is_load() {
    let text = valid().text();
    let bundle = parse(&text).expect("parses");
    assert!(validate(&bundle).is_ok());
    let mut bad = bundle.clone();
    bad.programs[0].targets[0].unit = "DP3X".into();
    let Refused { problems } = validate(&bad).unwrap_err();
    assert_eq!(
        problems,
        vec![Problem {
            path: "programs[0].targets[0].unit".into(),
            message: "unknown unit \"DP3X\"".into(),
            kind: ProblemKind::UnknownCode {
                code: "DP3X".into()
            },
        }]
    );
}

#[test]
fn the_bundle_round_trips_through_serde() {
    let text = valid().text();
    let bundle = parse(&text).expect("parses");
    let again = serde_json::to_string(&bundle).unwrap();
    assert_eq!(parse(&again).unwrap(), bundle);
}

#[test]
#[ignore = "known limitation: a document that does not fit the types is refused with the first type error only, with its path (validate::parse); the rule checks need a typed document, so they do not run on it"]
fn type_problems_are_all_listed_too() {
    let mut b = valid()
        .budget(json!({"unit": "DLH", "year": 2025, "pagu": -5}))
        .budget(json!({"unit": "DINKES", "year": 2025, "pagu": 1.5}));
    b.program_mut()["start"] = json!("22-02-2025");
    target_mut(&mut b, 0)["unit"] = json!("DP3X");
    let problems = problems(&b);
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for path in [
        "programs[0].start",
        "programs[0].targets[0].unit",
        "budgets[1].pagu",
        "budgets[2].pagu",
    ] {
        assert!(paths.contains(&path), "{path} not in {paths:#?}");
    }
}

#[test]
fn a_program_longer_than_three_years_is_refused_before_its_calendar_is_built() {
    // 2025-02-22 to 2028-02-23 is 1,097 days, both counted: one more than
    // three years (with their leap day) allow.
    let mut b = valid();
    b.program_mut()["end"] = json!("2028-02-23");
    assert_only(
        &b,
        "programs[0].end",
        &["lasts 1097 days", "at most 1096 days", "split it"],
    );
    // A day less is accepted; so is a long program when the limit is raised.
    let mut b = valid();
    b.program_mut()["end"] = json!("2028-02-22");
    b.region();
    let mut b = valid();
    b.program_mut()["end"] = json!("2225-01-01");
    let bundle = parse(&b.text()).unwrap();
    assert_eq!(
        pantau_domain::validate_with(&bundle, pantau_domain::Limits::with_program_years(3))
            .unwrap_err()
            .problems[0]
            .path,
        "programs[0].end"
    );
    assert!(
        pantau_domain::validate_with(&bundle, pantau_domain::Limits::with_program_years(201))
            .is_ok()
    );
}

#[test]
fn names_and_notes_over_their_caps_are_refused_with_their_length() {
    let long_name = "Dinas ".repeat(34); // 204 characters
    let mut b = valid();
    b.doc["units"][1]["name"] = json!(long_name);
    assert_only(&b, "units[1].name", &["204 characters", "at most 200"]);

    let mut b = valid();
    target_mut(&mut b, 0)["name"] = json!("é".repeat(201));
    assert_only(
        &b,
        "programs[0].targets[0].name",
        &["201 characters", "at most 200"],
    );
    // Characters, not bytes: 200 two-byte characters are allowed.
    let mut b = valid();
    target_mut(&mut b, 0)["name"] = json!("é".repeat(200));
    b.region();

    let mut b = valid();
    b.program_mut()["entries"][0]["note"] = json!("x".repeat(2001));
    assert_only(
        &b,
        "programs[0].entries[0].note",
        &["2001 characters", "at most 2000"],
    );
}

/// The problems an admin's plan edit can run into carry their kind, so the
/// pages word them in their own language instead of showing the English.
#[test]
fn plan_edit_problems_carry_their_kind() {
    let bundle = parse(&valid().text()).expect("parses");
    let kind_of = |edit: &dyn Fn(&mut pantau_domain::bundle::Bundle)| {
        let mut bad = bundle.clone();
        edit(&mut bad);
        let Refused { problems } = validate(&bad).unwrap_err();
        problems
            .into_iter()
            .map(|p| (p.path, p.kind))
            .collect::<Vec<_>>()
    };
    let start = bundle.programs[0].start;
    let end = bundle.programs[0].end;
    let late = end + chrono::Days::new(10);
    assert_eq!(
        kind_of(&|b| {
            b.programs[0].entries.clear();
            let t = &mut b.programs[0].targets[0];
            t.kind = pantau_domain::bundle::Kind::Milestone;
            t.baseline = None;
            t.target = None;
            t.plan = None;
            t.due = Some(late);
        }),
        vec![(
            "programs[0].targets[0].due".to_owned(),
            ProblemKind::OutsideProgram {
                date: late,
                start,
                end
            }
        )]
    );
    assert_eq!(
        kind_of(&|b| b.programs[0].targets[0].polarity = pantau_domain::bundle::Polarity::Lower),
        vec![(
            "programs[0].targets[0].polarity".to_owned(),
            ProblemKind::SumLower
        )]
    );
    assert_eq!(
        kind_of(&|b| b.units[0].name = "x".repeat(201)),
        vec![(
            "units[0].name".to_owned(),
            ProblemKind::NameTooLong {
                chars: 201,
                max: 200
            }
        )]
    );
    let problems = kind_of(&|b| b.programs[0].end = start + chrono::Days::new(2000));
    assert!(
        matches!(
            problems.as_slice(),
            [(_, ProblemKind::ProgramTooLong { days: 2001, .. })]
        ),
        "{problems:?}"
    );
}
