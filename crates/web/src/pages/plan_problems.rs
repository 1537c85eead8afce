//! A refused plan's problems in the page's language: where (the item by its
//! code and the field by its label, never a JSON path) and what is wrong.

use pantau_domain::bundle::Bundle;
use pantau_domain::{Problem, ProblemKind};
use pantau_present as present;

use crate::i18n::Tr;

/// At most this many problems are listed; the rest are counted, so that
/// shortening a program with hundreds of reports outside it stays readable.
const SHOWN: usize = 10;

/// The problems in words, the same wording once, and a count of the rest.
/// `bundle` is the plan the paths point into, when the page has it.
pub fn in_words(tr: &Tr, bundle: Option<&Bundle>, problems: &[Problem]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut hidden = 0usize;
    for problem in problems {
        let line = problem_words(tr, bundle, problem);
        if lines.contains(&line) {
            continue;
        }
        if lines.len() < SHOWN {
            lines.push(line);
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        lines.push(tr.t_with(
            "plan-problem-more",
            &[("count", present::count(tr.lang, hidden as i64))],
        ));
    }
    lines
}

/// One problem: where, then what.
pub fn problem_words(tr: &Tr, bundle: Option<&Bundle>, problem: &Problem) -> String {
    let place = place_words(tr, bundle, &problem.path);
    let what = what_words(tr, problem);
    if place.is_empty() {
        what
    } else {
        format!("{place}: {what}")
    }
}

/// One step of a JSON path: a name, with an index when it has one.
fn steps(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|step| match step.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
            None => (step, None),
        })
        .collect()
}

/// "Program 100HK › Target T05 › Due date", from `programs[0].targets[4].due`.
fn place_words(tr: &Tr, bundle: Option<&Bundle>, path: &str) -> String {
    let mut words = Vec::new();
    let mut program = None;
    for (name, index) in steps(path) {
        let numbered = |key: &str| {
            let i = index.map_or(0, |i| i + 1);
            tr.t_with(key, &[("n", present::count(tr.lang, i as i64))])
        };
        let coded = |label: String, code: Option<&str>, key: &str| match code {
            Some(code) => format!("{label} {code}"),
            None => numbered(key),
        };
        let word = match (name, index) {
            ("programs", Some(i)) => {
                program = bundle.and_then(|b| b.programs.get(i));
                coded(
                    tr.t("admin-field-program"),
                    program.map(|p| p.code.as_str()),
                    "plan-place-program-nth",
                )
            }
            ("targets", Some(i)) => coded(
                tr.t("admin-field-target"),
                program
                    .and_then(|p| p.targets.get(i))
                    .map(|t| t.code.as_str()),
                "plan-place-target-nth",
            ),
            ("units", Some(i)) => coded(
                tr.t("admin-field-unit"),
                bundle.and_then(|b| b.units.get(i)).map(|u| u.code.as_str()),
                "plan-place-unit-nth",
            ),
            ("clusters", Some(i)) => coded(
                tr.t("admin-field-cluster"),
                bundle
                    .and_then(|b| b.clusters.get(i))
                    .map(|c| c.code.as_str()),
                "plan-place-cluster-nth",
            ),
            ("priorities", Some(i)) => coded(
                tr.t("admin-field-priority"),
                bundle
                    .and_then(|b| b.priorities.get(i))
                    .map(|p| p.code.as_str()),
                "plan-place-priority-nth",
            ),
            ("entries", Some(i)) => {
                let entry = program.and_then(|p| p.entries.get(i));
                match entry {
                    Some(e) => tr.t_with(
                        "plan-place-entry",
                        &[
                            ("target", e.target.clone()),
                            ("date", present::date(tr.lang, e.activity_date)),
                        ],
                    ),
                    None => numbered("plan-place-entry-nth"),
                }
            }
            ("nil_reports", Some(i)) => {
                let nil = program.and_then(|p| p.nil_reports.get(i));
                match nil {
                    Some(n) => tr.t_with(
                        "plan-place-nil",
                        &[
                            ("unit", n.unit.clone()),
                            ("date", present::date(tr.lang, n.date)),
                        ],
                    ),
                    None => numbered("plan-place-nil-nth"),
                }
            }
            ("plan", Some(_)) => tr.t("plan-place-plan"),
            ("region", None) => tr.t("plan-place-region"),
            // The item's own fields carry the form's labels.
            (
                "code" | "name" | "start" | "end" | "evaluation_weekday" | "deadline_time" | "unit"
                | "priority" | "cluster" | "kind" | "polarity" | "baseline" | "target" | "due",
                None,
            ) => tr.t(&format!("admin-field-{name}")),
            ("activity_date" | "date", None) => tr.t("activity-date"),
            ("value", None) => tr.t("value"),
            ("note", None) => tr.t("plan-place-note"),
            ("thresholds" | "at_risk", None) => tr.t("plan-place-thresholds"),
            ("timezone", None) => tr.t("plan-place-timezone"),
            ("final_deadline", None) => tr.t("plan-place-final-deadline"),
            (other, _) => other.to_owned(),
        };
        words.push(word);
    }
    words.join(" › ")
}

/// What is wrong, in the page's language; the English message where the
/// domain gives no kind (problems the admin forms cannot cause).
fn what_words(tr: &Tr, problem: &Problem) -> String {
    let lang = tr.lang;
    let n = |v: i64| present::count(lang, v);
    let (key, args): (&str, Vec<(&str, String)>) = match &problem.kind {
        ProblemKind::NameTooLong { chars, max } => (
            "plan-problem-name-too-long",
            vec![("chars", n(*chars as i64)), ("max", n(*max as i64))],
        ),
        ProblemKind::EmptyCode => ("plan-problem-empty-code", vec![]),
        ProblemKind::DuplicateCode { code } => {
            ("plan-problem-duplicate-code", vec![("code", code.clone())])
        }
        ProblemKind::UnknownCode { code } => {
            ("plan-problem-unknown-code", vec![("code", code.clone())])
        }
        ProblemKind::NotATime { text } => ("plan-problem-not-a-time", vec![("text", text.clone())]),
        ProblemKind::ProgramTooLong { days, max } => (
            "plan-problem-program-too-long",
            vec![("days", n(*days)), ("max", n(*max))],
        ),
        ProblemKind::StartAfterEnd { start, end } => (
            "plan-problem-start-after-end",
            vec![
                ("start", present::date(lang, *start)),
                ("end", present::date(lang, *end)),
            ],
        ),
        ProblemKind::OutsideProgram { date, start, end } => (
            "plan-problem-outside",
            vec![
                ("date", present::date(lang, *date)),
                ("range", present::date_range(lang, *start, *end)),
            ],
        ),
        ProblemKind::ThresholdsNegative => ("plan-problem-thresholds-negative", vec![]),
        ProblemKind::ThresholdsOrder => ("plan-problem-thresholds-order", vec![]),
        ProblemKind::MilestoneBaseline => ("plan-problem-milestone-baseline", vec![]),
        ProblemKind::MilestoneTarget => ("plan-problem-milestone-target", vec![]),
        ProblemKind::NeedsBaseline => ("plan-problem-needs-baseline", vec![]),
        ProblemKind::NeedsTarget => ("plan-problem-needs-target", vec![]),
        ProblemKind::SumLower => ("plan-problem-sum-lower", vec![]),
        ProblemKind::NegativeBaseline => ("plan-problem-negative-baseline", vec![]),
        ProblemKind::ZeroTarget => ("plan-problem-zero-target", vec![]),
        ProblemKind::PlanForMilestone => ("plan-problem-plan-for-milestone", vec![]),
        ProblemKind::DueForMilestoneOnly => ("plan-problem-due-for-milestone", vec![]),
        ProblemKind::EntryValue { value } => (
            "plan-problem-entry-value",
            vec![("value", present::number(lang, Some(*value)))],
        ),
        _ => return problem.message.clone(),
    };
    tr.t_with(key, &args)
}
