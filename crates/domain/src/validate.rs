//! Reading and checking a bundle. A bundle that breaks a rule is refused whole,
//! with every problem listed by its JSON path (bundle.md); a bundle that passes
//! becomes the indexed [`Region`] the engine evaluates.

use std::collections::HashMap;
use std::fmt;

use chrono::{NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::bundle::{self, Bundle, Kind, Polarity};
use crate::calendar::{Calendar, default_deadline_time};
use crate::model;
use crate::rules;

/// One reason a bundle is refused: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON path, e.g. `programs[0].targets[3].unit`; empty for the document itself.
    pub path: String,
    /// What is wrong, in English (the API's and the command line's wording).
    pub message: String,
    /// What is wrong, as a value, so a page can word it in its own language.
    #[serde(skip)]
    pub kind: ProblemKind,
}

/// What is wrong with a bundle, as a value: the problems a plan edited on the
/// admin page can run into, with what a translation needs. The rest are
/// [`ProblemKind::Other`] and keep only the English message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    #[default]
    Other,
    NameTooLong {
        chars: usize,
        max: usize,
    },
    EmptyCode,
    DuplicateCode {
        code: String,
    },
    UnknownCode {
        code: String,
    },
    NotATime {
        text: String,
    },
    ProgramTooLong {
        days: i64,
        max: i64,
    },
    StartAfterEnd {
        start: NaiveDate,
        end: NaiveDate,
    },
    OutsideProgram {
        date: NaiveDate,
        start: NaiveDate,
        end: NaiveDate,
    },
    ThresholdsNegative,
    ThresholdsOrder,
    MilestoneBaseline,
    MilestoneTarget,
    NeedsBaseline,
    NeedsTarget,
    SumLower,
    NegativeBaseline,
    ZeroTarget,
    PlanForMilestone,
    DueForMilestoneOnly,
    /// A reported value the target's (new) kind does not take.
    EntryValue {
        value: Decimal,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A refused bundle and all its problems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the bundle is refused: {} problem(s), the first: {}", .problems.len(), .problems[0])]
pub struct Refused {
    pub problems: Vec<Problem>,
}

/// The default time zone of a region.
pub const DEFAULT_TIMEZONE: chrono_tz::Tz = chrono_tz::Asia::Jakarta;

/// Parse bundle JSON. A document that does not fit the format's types is
/// refused with the path of the first field that does not fit.
pub fn parse(text: &str) -> Result<Bundle, Refused> {
    serde_json::from_str(text).map_err(|_| {
        // The fast parser keeps no path; read again to find where it broke.
        let mut de = serde_json::Deserializer::from_str(text);
        let problem = match serde_path_to_error::deserialize::<_, Bundle>(&mut de) {
            Err(err) => {
                let path = err.path().to_string();
                Problem {
                    path: if path == "." { String::new() } else { path },
                    message: err.into_inner().to_string(),
                    kind: ProblemKind::Other,
                }
            }
            Ok(_) => Problem {
                path: String::new(),
                message: "the document is not valid JSON".into(),
                kind: ProblemKind::Other,
            },
        };
        Refused {
            problems: vec![problem],
        }
    })
}

/// Parse and validate in one step.
pub fn load(text: &str) -> Result<model::Region, Refused> {
    validate(&parse(text)?)
}

fn parse_timezone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse().ok()
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
}

struct Checker {
    problems: Vec<Problem>,
    limits: Limits,
}

/// Sizes a bundle may not pass: the server's memory and the pages stay
/// bounded whatever a bundle or an import asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Days from a program's first to its last day, both counted.
    pub max_program_days: i64,
    /// Characters of a name (region, cluster, unit, priority, program, target).
    pub max_name_chars: usize,
    /// Characters of an entry's note, and of any other free text (a
    /// reason, a meeting's notes, a follow-up).
    pub max_note_chars: usize,
    /// Characters of an account's username.
    pub max_username_chars: usize,
}

impl Limits {
    /// Three years (with one leap day): a five-year RPJMD is planned as
    /// programs of a year or two, never as one.
    pub const DEFAULT_PROGRAM_DAYS: i64 = 3 * 365 + 1;

    /// The defaults with another cap on a program's length, in years.
    pub fn with_program_years(years: u32) -> Limits {
        Limits {
            max_program_days: i64::from(years) * 365 + (i64::from(years) + 3) / 4,
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_program_days: Limits::DEFAULT_PROGRAM_DAYS,
            max_name_chars: 200,
            max_note_chars: 2000,
            max_username_chars: 64,
        }
    }
}

impl Checker {
    /// A name over the cap is named with its length and the cap.
    fn check_name(&mut self, path: impl Into<String>, name: &str) {
        let chars = name.chars().count();
        if chars > self.limits.max_name_chars {
            self.push_kind(
                path,
                ProblemKind::NameTooLong {
                    chars,
                    max: self.limits.max_name_chars,
                },
                format!(
                    "the name has {chars} characters; at most {} are allowed",
                    self.limits.max_name_chars
                ),
            );
        }
    }

    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push_kind(path, ProblemKind::Other, message);
    }

    fn push_kind(
        &mut self,
        path: impl Into<String>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
            kind,
        });
    }

    /// Index codes of one kind, reporting empty and duplicate codes.
    fn index_codes<'a>(
        &mut self,
        kind: &str,
        path: &str,
        codes: impl Iterator<Item = &'a str>,
    ) -> HashMap<&'a str, usize> {
        let mut index = HashMap::new();
        for (i, code) in codes.enumerate() {
            if code.trim().is_empty() {
                self.push_kind(
                    format!("{path}[{i}].code"),
                    ProblemKind::EmptyCode,
                    format!("{kind} code must not be empty"),
                );
            } else if let Some(first) = index.insert(code, i) {
                index.insert(code, first);
                self.push_kind(
                    format!("{path}[{i}].code"),
                    ProblemKind::DuplicateCode {
                        code: code.to_owned(),
                    },
                    format!("duplicate {kind} code \"{code}\" (first at {path}[{first}])"),
                );
            }
        }
        index
    }
}

/// Check every rule of bundle.md and build the engine's model, within the
/// default [`Limits`].
pub fn validate(bundle: &Bundle) -> Result<model::Region, Refused> {
    validate_with(bundle, Limits::default())
}

/// [`validate`] within the given limits.
pub fn validate_with(bundle: &Bundle, limits: Limits) -> Result<model::Region, Refused> {
    let mut c = Checker {
        problems: Vec::new(),
        limits,
    };
    c.check_name("region.name", &bundle.region.name);
    for (i, x) in bundle.clusters.iter().enumerate() {
        c.check_name(format!("clusters[{i}].name"), &x.name);
    }
    for (i, x) in bundle.units.iter().enumerate() {
        c.check_name(format!("units[{i}].name"), &x.name);
    }
    for (i, x) in bundle.priorities.iter().enumerate() {
        c.check_name(format!("priorities[{i}].name"), &x.name);
    }
    if bundle.format != bundle::FORMAT {
        c.push(
            "format",
            format!("expected \"{}\", got \"{}\"", bundle::FORMAT, bundle.format),
        );
    }
    if bundle.region.code.trim().is_empty() {
        c.push("region.code", "region code must not be empty");
    }
    let region_tz = match &bundle.region.timezone {
        None => DEFAULT_TIMEZONE,
        Some(name) => parse_timezone(name).unwrap_or_else(|| {
            c.push(
                "region.timezone",
                format!("unknown IANA time zone \"{name}\""),
            );
            DEFAULT_TIMEZONE
        }),
    };

    let cluster_ix = c.index_codes(
        "cluster",
        "clusters",
        bundle.clusters.iter().map(|x| x.code.as_str()),
    );
    let unit_ix = c.index_codes(
        "unit",
        "units",
        bundle.units.iter().map(|x| x.code.as_str()),
    );
    let priority_ix = c.index_codes(
        "priority",
        "priorities",
        bundle.priorities.iter().map(|x| x.code.as_str()),
    );
    c.index_codes(
        "program",
        "programs",
        bundle.programs.iter().map(|x| x.code.as_str()),
    );

    let units = bundle
        .units
        .iter()
        .enumerate()
        .map(|(i, unit)| model::Unit {
            code: unit.code.clone(),
            name: unit.name.clone(),
            cluster: unit.cluster.as_ref().and_then(|code| {
                let found = cluster_ix.get(code.as_str()).copied();
                if found.is_none() {
                    c.push_kind(
                        format!("units[{i}].cluster"),
                        ProblemKind::UnknownCode { code: code.clone() },
                        format!("unknown cluster \"{code}\""),
                    );
                }
                found
            }),
        })
        .collect();

    let programs = bundle
        .programs
        .iter()
        .enumerate()
        .filter_map(|(i, program)| {
            check_program(
                &mut c,
                &format!("programs[{i}]"),
                program,
                region_tz,
                &unit_ix,
                &priority_ix,
            )
        })
        .collect();

    let budget_flag_margin = bundle.budget_flag_margin.unwrap_or(Decimal::TEN);
    if let Err(problem) = rules::check_percentage(budget_flag_margin) {
        c.push("budget_flag_margin", problem.to_string());
    }
    let budgets = check_budgets(&mut c, &bundle.budgets, &unit_ix);

    if !c.problems.is_empty() {
        return Err(Refused {
            problems: c.problems,
        });
    }
    Ok(model::Region {
        code: bundle.region.code.clone(),
        name: bundle.region.name.clone(),
        timezone: region_tz,
        clusters: bundle
            .clusters
            .iter()
            .map(|x| model::Cluster {
                code: x.code.clone(),
                name: x.name.clone(),
            })
            .collect(),
        units,
        priorities: bundle
            .priorities
            .iter()
            .map(|x| model::Priority {
                code: x.code.clone(),
                name: x.name.clone(),
            })
            .collect(),
        programs,
        budget_flag_margin,
        budgets,
    })
}

fn check_program(
    c: &mut Checker,
    path: &str,
    program: &bundle::Program,
    region_tz: chrono_tz::Tz,
    unit_ix: &HashMap<&str, usize>,
    priority_ix: &HashMap<&str, usize>,
) -> Option<model::Program> {
    let timezone = match &program.timezone {
        None => region_tz,
        Some(name) => parse_timezone(name).unwrap_or_else(|| {
            c.push(
                format!("{path}.timezone"),
                format!("unknown IANA time zone \"{name}\""),
            );
            region_tz
        }),
    };
    let deadline_time = match &program.deadline_time {
        None => default_deadline_time(),
        Some(text) => parse_time(text).unwrap_or_else(|| {
            c.push_kind(
                format!("{path}.deadline_time"),
                ProblemKind::NotATime { text: text.clone() },
                format!("\"{text}\" is not a local time HH:MM"),
            );
            default_deadline_time()
        }),
    };
    let thresholds = program.thresholds.unwrap_or_default();
    if let Some(t) = &program.thresholds {
        if t.at_risk.is_sign_negative() || t.on_track.is_sign_negative() {
            c.push_kind(
                format!("{path}.thresholds"),
                ProblemKind::ThresholdsNegative,
                "thresholds must not be negative",
            );
        } else if t.at_risk > t.on_track {
            c.push_kind(
                format!("{path}.thresholds.at_risk"),
                ProblemKind::ThresholdsOrder,
                format!("at_risk {} is above on_track {}", t.at_risk, t.on_track),
            );
        }
    }
    c.check_name(format!("{path}.name"), &program.name);
    let days = (program.end - program.start).num_days() + 1;
    if days > c.limits.max_program_days {
        // Refused before its calendar is built: a program of centuries would
        // ask for a period per week of them.
        c.push_kind(
            format!("{path}.end"),
            ProblemKind::ProgramTooLong {
                days,
                max: c.limits.max_program_days,
            },
            format!(
                "the program lasts {days} days; at most {} days are allowed: split it into shorter programs",
                c.limits.max_program_days
            ),
        );
        return None;
    }
    let weekday = program
        .evaluation_weekday
        .unwrap_or(bundle::Weekday::Friday);
    let calendar = match Calendar::new(
        program.start,
        program.end,
        timezone,
        weekday.into(),
        deadline_time,
        program.final_deadline.map(|t| t.with_timezone(&Utc)),
    ) {
        Ok(calendar) => Some(calendar),
        Err(err) => {
            let kind = match err {
                crate::calendar::CalendarError::StartAfterEnd { start, end } => {
                    ProblemKind::StartAfterEnd { start, end }
                }
            };
            c.push_kind(format!("{path}.end"), kind, err.to_string());
            None
        }
    };
    let (start, end) = (program.start, program.end);
    let inside = |date: NaiveDate| start <= date && date <= end;
    let outside = |date: NaiveDate| ProblemKind::OutsideProgram { date, start, end };
    let outside_message =
        |date: NaiveDate| format!("{date} is outside the program ({start} to {end})");
    if let (Some(cal), Some(final_deadline)) = (&calendar, program.final_deadline) {
        let last_day_start = cal.start_of_day(end);
        if final_deadline.with_timezone(&Utc) < last_day_start {
            c.push(
                format!("{path}.final_deadline"),
                format!("{final_deadline} is before the program's last day {end}"),
            );
        }
    }

    let target_ix = c.index_codes(
        "target",
        &format!("{path}.targets"),
        program.targets.iter().map(|t| t.code.as_str()),
    );
    let mut targets = Vec::with_capacity(program.targets.len());
    for (i, target) in program.targets.iter().enumerate() {
        let tpath = format!("{path}.targets[{i}]");
        c.check_name(format!("{tpath}.name"), &target.name);
        let unit = unit_ix
            .get(target.unit.as_str())
            .copied()
            .unwrap_or_else(|| {
                c.push_kind(
                    format!("{tpath}.unit"),
                    ProblemKind::UnknownCode {
                        code: target.unit.clone(),
                    },
                    format!("unknown unit \"{}\"", target.unit),
                );
                0
            });
        let priority = target.priority.as_ref().and_then(|code| {
            let found = priority_ix.get(code.as_str()).copied();
            if found.is_none() {
                c.push_kind(
                    format!("{tpath}.priority"),
                    ProblemKind::UnknownCode { code: code.clone() },
                    format!("unknown priority \"{code}\""),
                );
            }
            found
        });
        let (baseline, goal) = match target.kind {
            Kind::Milestone => {
                if target.baseline.is_some_and(|b| !b.is_zero()) {
                    c.push_kind(
                        format!("{tpath}.baseline"),
                        ProblemKind::MilestoneBaseline,
                        "a milestone's baseline is 0",
                    );
                }
                if target.target.is_some_and(|t| t != Decimal::ONE) {
                    c.push_kind(
                        format!("{tpath}.target"),
                        ProblemKind::MilestoneTarget,
                        "a milestone's target is 1",
                    );
                }
                (Decimal::ZERO, Decimal::ONE)
            }
            Kind::Sum | Kind::Last => {
                let baseline = target.baseline.unwrap_or_else(|| {
                    c.push_kind(
                        format!("{tpath}.baseline"),
                        ProblemKind::NeedsBaseline,
                        format!("a {} target needs a baseline", target.kind.code()),
                    );
                    Decimal::ZERO
                });
                let goal = target.target.unwrap_or_else(|| {
                    c.push_kind(
                        format!("{tpath}.target"),
                        ProblemKind::NeedsTarget,
                        format!("a {} target needs a target value", target.kind.code()),
                    );
                    Decimal::ONE
                });
                (baseline, goal)
            }
        };
        if target.kind == Kind::Sum && target.polarity == Polarity::Lower {
            c.push_kind(
                format!("{tpath}.polarity"),
                ProblemKind::SumLower,
                "kind sum cannot have polarity lower: a ceiling on a running count is kind last, reported as the running total",
            );
        }
        if target.kind == Kind::Sum && baseline.is_sign_negative() {
            c.push_kind(
                format!("{tpath}.baseline"),
                ProblemKind::NegativeBaseline,
                format!("a sum's baseline must not be negative, got {baseline}"),
            );
        }
        if target.polarity == Polarity::Higher && goal.is_zero() && target.target.is_some() {
            c.push_kind(
                format!("{tpath}.target"),
                ProblemKind::ZeroTarget,
                "target must not be 0 for polarity higher",
            );
        }
        let mut plan = Vec::new();
        if let Some(points) = &target.plan {
            if target.kind == Kind::Milestone && !points.is_empty() {
                c.push_kind(
                    format!("{tpath}.plan"),
                    ProblemKind::PlanForMilestone,
                    "plan is only for kinds sum and last",
                );
            }
            for (k, point) in points.iter().enumerate() {
                if !inside(point.date) {
                    c.push_kind(
                        format!("{tpath}.plan[{k}].date"),
                        outside(point.date),
                        outside_message(point.date),
                    );
                }
                plan.push((point.date, point.value));
            }
            plan.sort_by_key(|(date, _)| *date);
        }
        let due = match target.due {
            Some(due) => {
                if target.kind != Kind::Milestone {
                    c.push_kind(
                        format!("{tpath}.due"),
                        ProblemKind::DueForMilestoneOnly,
                        "due is only for milestones",
                    );
                } else if !inside(due) {
                    c.push_kind(format!("{tpath}.due"), outside(due), outside_message(due));
                }
                due
            }
            None => end,
        };
        targets.push(model::Target {
            code: target.code.clone(),
            name: target.name.clone(),
            measure: target.measure.clone(),
            unit: unit as model::UnitIx,
            priority,
            kind: target.kind,
            polarity: target.polarity,
            baseline,
            target: goal,
            plan,
            due,
        });
    }

    // Local midnights of the program's days, to check submissions without a
    // time-zone lookup per entry.
    let midnights: Vec<_> = calendar
        .as_ref()
        .map(|cal| {
            start
                .iter_days()
                .take_while(|d| *d <= end)
                .map(|d| cal.start_of_day(d))
                .collect()
        })
        .unwrap_or_default();
    let mut entries = Vec::with_capacity(program.entries.len());
    for (i, entry) in program.entries.iter().enumerate() {
        if let Some(note) = &entry.note {
            let chars = note.chars().count();
            if chars > c.limits.max_note_chars {
                c.push(
                    format!("{path}.entries[{i}].note"),
                    format!(
                        "the note has {chars} characters; at most {} are allowed",
                        c.limits.max_note_chars
                    ),
                );
            }
        }
        let Some(&t) = target_ix.get(entry.target.as_str()) else {
            c.push(
                format!("{path}.entries[{i}].target"),
                format!("unknown target \"{}\"", entry.target),
            );
            continue;
        };
        let date = entry.activity_date;
        let submitted_at = entry.submitted_at.with_timezone(&Utc);
        if !inside(date) {
            c.push_kind(
                format!("{path}.entries[{i}].activity_date"),
                outside(date),
                outside_message(date),
            );
        } else if let Some(midnight) = midnights.get((date - start).num_days() as usize) {
            if submitted_at < *midnight {
                c.push(
                    format!("{path}.entries[{i}].submitted_at"),
                    format!(
                        "{} is before the activity date {date} began in {}",
                        entry.submitted_at.to_rfc3339(),
                        timezone.name()
                    ),
                );
            }
        }
        let value = entry.value;
        if let Err(problem) = rules::check_entry_value(program.targets[t].kind, value) {
            c.push_kind(
                format!("{path}.entries[{i}].value"),
                ProblemKind::EntryValue { value },
                problem.to_string(),
            );
        }
        entries.push(model::Entry {
            target: t as model::TargetIx,
            activity_date: date,
            submitted_at,
            value,
            status: entry.status,
        });
    }

    let mut nil_reports = Vec::with_capacity(program.nil_reports.len());
    for (i, nil) in program.nil_reports.iter().enumerate() {
        let npath = format!("{path}.nil_reports[{i}]");
        let Some(&unit) = unit_ix.get(nil.unit.as_str()) else {
            c.push(
                format!("{npath}.unit"),
                format!("unknown unit \"{}\"", nil.unit),
            );
            continue;
        };
        if !inside(nil.date) {
            c.push_kind(
                format!("{npath}.date"),
                outside(nil.date),
                outside_message(nil.date),
            );
        }
        nil_reports.push(model::NilReport {
            unit: unit as model::UnitIx,
            date: nil.date,
            submitted_at: nil.submitted_at.with_timezone(&Utc),
        });
    }

    Some(model::Program {
        code: program.code.clone(),
        name: program.name.clone(),
        calendar: calendar?,
        thresholds,
        targets,
        entries,
        nil_reports,
    })
}

fn check_budgets(
    c: &mut Checker,
    budgets: &[bundle::Budget],
    unit_ix: &HashMap<&str, usize>,
) -> Vec<model::Budget> {
    let mut seen: HashMap<(&str, i32), usize> = HashMap::new();
    let mut out = Vec::with_capacity(budgets.len());
    for (i, budget) in budgets.iter().enumerate() {
        let path = format!("budgets[{i}]");
        let unit = unit_ix.get(budget.unit.as_str()).copied();
        if unit.is_none() {
            c.push(
                format!("{path}.unit"),
                format!("unknown unit \"{}\"", budget.unit),
            );
        }
        if let Some(first) = seen.insert((budget.unit.as_str(), budget.year), i) {
            c.push(
                format!("{path}.year"),
                format!(
                    "a second budget for unit \"{}\" in {} (first at budgets[{first}])",
                    budget.unit, budget.year
                ),
            );
        }
        let mut months = [model::BudgetMonth::default(); 12];
        let mut month_seen = [None::<usize>; 12];
        for (k, month) in budget.months.iter().enumerate() {
            let mpath = format!("{path}.months[{k}]");
            if let Err(problem) = rules::check_month(month.month) {
                c.push(format!("{mpath}.month"), problem.to_string());
                continue;
            }
            let m = (month.month - 1) as usize;
            if let Some(first) = month_seen[m] {
                c.push(
                    format!("{mpath}.month"),
                    format!(
                        "month {} appears twice (first at {path}.months[{first}])",
                        month.month
                    ),
                );
                continue;
            }
            month_seen[m] = Some(k);
            if let Some(Err(problem)) = month.physical_pct.map(rules::check_percentage) {
                c.push(format!("{mpath}.physical_pct"), problem.to_string());
            }
            months[m] = model::BudgetMonth {
                planned: month.planned.0,
                realised: month.realised.0,
                physical_pct: month.physical_pct,
            };
        }
        // The first month whose spending to date is above the pagu.
        for m in 0..months.len() {
            let to_date = months[..=m].iter().map(|month| month.realised);
            if let Err(over) = rules::check_within_pagu(budget.pagu.0, to_date) {
                let k = month_seen[m].unwrap_or(0);
                let sum = over
                    .spent
                    .map_or_else(|| format!("above {}", u128::MAX), |s| s.to_string());
                c.push(
                    format!("{path}.months[{k}].realised"),
                    format!(
                        "realised spending to date ({sum}) is above the pagu ({}) in month {}",
                        budget.pagu,
                        m + 1
                    ),
                );
                break;
            }
        }
        if let Some(unit) = unit {
            out.push(model::Budget {
                unit: unit as model::UnitIx,
                year: budget.year,
                pagu: budget.pagu.0,
                months,
            });
        }
    }
    out
}
