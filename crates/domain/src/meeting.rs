//! Evaluation meetings: the agenda built from an evaluation as of a period's
//! deadline, follow-up (tindak lanjut) states, and the minutes (berita acara)
//! that a closed meeting freezes.
//!
//! Everything here is pure: the caller evaluates the program with
//! [`crate::evaluate`] as of [`MeetingScope::as_of`] and passes the result in,
//! so the agenda and the minutes show the engine's figures and nothing else.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{AsOf, Period};
use crate::evaluation::{
    ClusterResult, ComplianceState, Evaluation, Status, TargetResult, UnitResult,
};
use crate::model::{Program, Region};

/// A weekly meeting of one cluster, or the final one of the whole program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Weekly,
    Final,
}

/// Which meeting: a cluster's meeting for one period, or the program's final one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingScope {
    /// Position of the cluster in [`Region::clusters`]; `None` for the final meeting.
    pub cluster: Option<usize>,
    /// The period the meeting reviews: for the final meeting, the last one.
    pub period: Period,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("no cluster \"{0}\" in this region")]
    UnknownCluster(String),
    #[error("period {0} does not exist in this program")]
    UnknownPeriod(u32),
}

impl MeetingScope {
    /// The weekly meeting of `cluster` (a code) for period `index` (1-based).
    pub fn weekly(
        region: &Region,
        program: &Program,
        cluster: &str,
        index: u32,
    ) -> Result<MeetingScope, ScopeError> {
        let cluster = region
            .clusters
            .iter()
            .position(|c| c.code == cluster)
            .ok_or_else(|| ScopeError::UnknownCluster(cluster.to_owned()))?;
        let period = program
            .calendar
            .periods()
            .iter()
            .find(|p| p.index == index)
            .cloned()
            .ok_or(ScopeError::UnknownPeriod(index))?;
        Ok(MeetingScope {
            cluster: Some(cluster),
            period,
        })
    }

    /// The final meeting: it reviews the last period, as of the final deadline.
    pub fn final_of(program: &Program) -> MeetingScope {
        let period = program
            .calendar
            .periods()
            .last()
            .cloned()
            .expect("a calendar has at least one period");
        MeetingScope {
            cluster: None,
            period,
        }
    }

    pub fn kind(&self) -> MeetingKind {
        match self.cluster {
            Some(_) => MeetingKind::Weekly,
            None => MeetingKind::Final,
        }
    }

    /// The meeting looks at the data as it stood at the period's deadline.
    pub fn as_of(&self, program: &Program) -> AsOf {
        program.calendar.as_of_instant(self.period.deadline)
    }

    /// The meeting's day: the local date of the deadline.
    pub fn date(&self, program: &Program) -> NaiveDate {
        program.calendar.local_date(self.period.deadline)
    }

    /// Whether a unit (by position) is concerned: the cluster's units, or all.
    pub fn concerns(&self, region: &Region, unit: usize) -> bool {
        match self.cluster {
            None => true,
            Some(c) => region.units[unit].cluster == Some(c),
        }
    }
}

/// Open, done, or overdue (not done and its due date has passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Open,
    Done,
    Overdue,
}

impl FollowUpState {
    pub fn code(self) -> &'static str {
        match self {
            FollowUpState::Open => "open",
            FollowUpState::Done => "done",
            FollowUpState::Overdue => "overdue",
        }
    }

    /// On `today` (a local date in the program's time zone), a follow-up due
    /// on `due` is overdue from the day after: the due date itself still counts.
    pub fn of(due: NaiveDate, done: bool, today: NaiveDate) -> FollowUpState {
        if done {
            FollowUpState::Done
        } else if today > due {
            FollowUpState::Overdue
        } else {
            FollowUpState::Open
        }
    }
}

/// A follow-up as the agenda and the minutes need it (self-contained: names too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub description: String,
    pub due: NaiveDate,
    /// When the owner's operator marked it done, with what it wrote.
    pub done_at: Option<DateTime<Utc>>,
    pub done_note: Option<String>,
    /// The state on the day it was looked at (the meeting's day in an agenda).
    pub state: FollowUpState,
}

/// A unit whose reporting needs a word at the meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportingLine {
    pub unit: String,
    pub unit_name: String,
    /// The state of the meeting's period at the deadline: `open` there means
    /// nothing had arrived by the deadline.
    pub this_period: ComplianceState,
    /// Earlier periods with no report at all, and those reported late.
    pub missing_periods: Vec<u32>,
    pub late_periods: Vec<u32>,
}

/// A target that needs a word at the meeting, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetLine {
    pub target: String,
    pub target_name: String,
    pub unit: String,
    pub unit_name: String,
    pub status: Status,
    pub stale: bool,
    pub likely_to_miss: bool,
    pub achievement_pct: Option<rust_decimal::Decimal>,
}

/// What a meeting discusses, in the order it discusses it: the follow-ups
/// promised before (overdue first), the units that did not report, the targets
/// in trouble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    pub follow_ups: Vec<FollowUp>,
    pub reporting: Vec<ReportingLine>,
    pub targets: Vec<TargetLine>,
}

impl Agenda {
    pub fn overdue(&self) -> impl Iterator<Item = &FollowUp> {
        self.follow_ups
            .iter()
            .filter(|f| f.state == FollowUpState::Overdue)
    }
}

/// Whether a target belongs on the agenda: in trouble by status, or flagged.
pub fn needs_attention(result: &TargetResult) -> bool {
    matches!(
        result.status,
        Status::OffTrack | Status::AtRisk | Status::NotAchieved
    ) || result.stale
        || result.likely_to_miss == Some(true)
}

/// Build the agenda of a meeting.
///
/// `evaluation` must be the program evaluated as of [`MeetingScope::as_of`].
/// `follow_ups` are the follow-ups of earlier meetings (any state); those of
/// units outside the scope and those already done are left out, and the state
/// of the others is taken on the meeting's day.
pub fn agenda(
    region: &Region,
    program: &Program,
    scope: &MeetingScope,
    evaluation: &Evaluation,
    follow_ups: &[FollowUp],
) -> Agenda {
    let today = scope.date(program);
    let unit_names: std::collections::HashMap<&str, usize> = region
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), i))
        .collect();
    let mut open_follow_ups: Vec<FollowUp> = follow_ups
        .iter()
        .filter(|f| f.done_at.is_none())
        .filter(|f| {
            unit_names
                .get(f.unit.as_str())
                .is_some_and(|u| scope.concerns(region, *u))
        })
        .map(|f| FollowUp {
            state: FollowUpState::of(f.due, false, today),
            ..f.clone()
        })
        .collect();
    // Overdue ones open the agenda; then by due date, then in the order made.
    open_follow_ups.sort_by_key(|f| (f.state != FollowUpState::Overdue, f.due, f.id));

    let mut reporting = Vec::new();
    for (position, (unit, result)) in region.units.iter().zip(&evaluation.units).enumerate() {
        if !scope.concerns(region, position) || result.targets == 0 {
            continue;
        }
        let this_period = result
            .compliance
            .iter()
            .find(|c| c.period == scope.period.index)
            .map_or(ComplianceState::Open, |c| c.state);
        let earlier = |state: ComplianceState| {
            result
                .compliance
                .iter()
                .filter(|c| c.period < scope.period.index && c.state == state)
                .map(|c| c.period)
                .collect::<Vec<u32>>()
        };
        let line = ReportingLine {
            unit: unit.code.clone(),
            unit_name: unit.name.clone(),
            this_period,
            missing_periods: earlier(ComplianceState::Missing),
            late_periods: earlier(ComplianceState::Late),
        };
        if line.this_period != ComplianceState::OnTime
            || !line.missing_periods.is_empty()
            || !line.late_periods.is_empty()
        {
            reporting.push(line);
        }
    }

    let targets = program
        .targets
        .iter()
        .zip(&evaluation.targets)
        .filter(|(t, r)| scope.concerns(region, t.unit as usize) && needs_attention(r))
        .map(|(t, r)| {
            let unit = &region.units[t.unit as usize];
            TargetLine {
                target: t.code.clone(),
                target_name: t.name.clone(),
                unit: unit.code.clone(),
                unit_name: unit.name.clone(),
                status: r.status,
                stale: r.stale,
                likely_to_miss: r.likely_to_miss == Some(true),
                achievement_pct: r.achievement_pct,
            }
        })
        .collect();

    Agenda {
        follow_ups: open_follow_ups,
        reporting,
        targets,
    }
}

/// A note the evaluator wrote about a unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub unit: String,
    pub unit_name: String,
    pub text: String,
    pub by: String,
}

/// An evaluator's judgement beside the engine's: it never replaces the
/// computed status, it is shown next to it with its justification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub unit: String,
    pub unit_name: String,
    /// A target of the unit, or `None` for the unit's status.
    pub target: Option<String>,
    pub target_name: Option<String>,
    /// What the engine computed (a unit with no targets has no status).
    pub computed: Option<Status>,
    pub status: Status,
    pub justification: String,
    pub by: String,
}

impl Override {
    /// The engine's status for what the override is about, in `evaluation`.
    pub fn computed_in(
        program: &Program,
        region: &Region,
        evaluation: &Evaluation,
        unit: &str,
        target: Option<&str>,
    ) -> Option<Status> {
        match target {
            Some(code) => program
                .targets
                .iter()
                .position(|t| t.code == code)
                .map(|i| evaluation.targets[i].status),
            None => region
                .units
                .iter()
                .position(|u| u.code == unit)
                .and_then(|i| evaluation.units[i].status),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodInfo {
    pub index: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub deadline: DateTime<Utc>,
}

/// A unit's figures at the meeting, with its name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitFigures {
    pub name: String,
    #[serde(flatten)]
    pub result: UnitResult,
}

/// A target's figures at the meeting, with its name and target value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetFigures {
    pub name: String,
    pub target_value: rust_decimal::Decimal,
    #[serde(flatten)]
    pub result: TargetResult,
}

/// The berita acara of a closed meeting: everything shown about it, frozen as
/// it stood when it closed and never recomputed. Self-contained (names, not only
/// codes) so that it prints without the region's current data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Minutes {
    pub region: Named,
    pub program: Named,
    pub cluster: Option<Named>,
    pub kind: MeetingKind,
    pub period: PeriodInfo,
    /// IANA time zone of the program, to write the moments below locally.
    pub timezone: String,
    /// The evaluation moment, written in the program's time zone.
    pub as_of: String,
    pub closed_at: DateTime<Utc>,
    pub closed_by: String,
    pub agenda: Agenda,
    pub notes: Vec<Note>,
    pub overrides: Vec<Override>,
    pub follow_ups_created: Vec<FollowUp>,
    /// The earlier follow-ups the agenda reviewed, in their state at closing.
    pub follow_ups_reviewed: Vec<FollowUp>,
    /// The cluster's figures (none for the final meeting: see `evaluation`).
    pub cluster_result: Option<ClusterResult>,
    /// The units concerned and their targets.
    pub units: Vec<UnitFigures>,
    pub targets: Vec<TargetFigures>,
    /// The whole evaluation, for the final meeting only, so that the final
    /// evaluation report prints from the frozen copy.
    pub evaluation: Option<Evaluation>,
}

/// What a meeting holds when it closes, besides the engine's figures.
pub struct MeetingRecord<'a> {
    pub notes: Vec<Note>,
    /// Overrides as recorded; their computed status is taken again from the
    /// frozen evaluation so that what is printed beside them is the meeting's.
    pub overrides: Vec<Override>,
    pub follow_ups_created: Vec<FollowUp>,
    /// Every follow-up of earlier meetings (as for [`agenda`]).
    pub earlier_follow_ups: &'a [FollowUp],
    pub closed_at: DateTime<Utc>,
    pub closed_by: String,
}

impl Minutes {
    /// Freeze a meeting. `evaluation` is the program as of [`MeetingScope::as_of`].
    pub fn freeze(
        region: &Region,
        program: &Program,
        scope: &MeetingScope,
        evaluation: &Evaluation,
        record: MeetingRecord<'_>,
    ) -> Minutes {
        let agenda = agenda(
            region,
            program,
            scope,
            evaluation,
            record.earlier_follow_ups,
        );
        let today = program.calendar.local_date(record.closed_at);
        let reviewed_ids: Vec<i64> = agenda.follow_ups.iter().map(|f| f.id).collect();
        // Reviewed: the agenda's follow-ups, with their state when the meeting closed.
        let follow_ups_reviewed = record
            .earlier_follow_ups
            .iter()
            .filter(|f| reviewed_ids.contains(&f.id))
            .map(|f| FollowUp {
                state: FollowUpState::of(f.due, f.done_at.is_some(), today),
                ..f.clone()
            })
            .collect();
        let overrides = record
            .overrides
            .into_iter()
            .map(|o| Override {
                computed: Override::computed_in(
                    program,
                    region,
                    evaluation,
                    &o.unit,
                    o.target.as_deref(),
                ),
                ..o
            })
            .collect();
        let units = region
            .units
            .iter()
            .zip(&evaluation.units)
            .enumerate()
            .filter(|(i, _)| scope.concerns(region, *i))
            .map(|(_, (u, r))| UnitFigures {
                name: u.name.clone(),
                result: r.clone(),
            })
            .collect();
        let targets = program
            .targets
            .iter()
            .zip(&evaluation.targets)
            .filter(|(t, _)| scope.concerns(region, t.unit as usize))
            .map(|(t, r)| TargetFigures {
                name: t.name.clone(),
                target_value: t.target,
                result: r.clone(),
            })
            .collect();
        Minutes {
            region: Named {
                code: region.code.clone(),
                name: region.name.clone(),
            },
            program: Named {
                code: program.code.clone(),
                name: program.name.clone(),
            },
            cluster: scope.cluster.map(|c| Named {
                code: region.clusters[c].code.clone(),
                name: region.clusters[c].name.clone(),
            }),
            kind: scope.kind(),
            period: PeriodInfo {
                index: scope.period.index,
                start: scope.period.start,
                end: scope.period.end,
                deadline: scope.period.deadline,
            },
            timezone: program.calendar.timezone.name().to_owned(),
            as_of: evaluation.as_of.clone(),
            closed_at: record.closed_at,
            closed_by: record.closed_by,
            agenda,
            notes: record.notes,
            overrides,
            follow_ups_created: record.follow_ups_created,
            follow_ups_reviewed,
            cluster_result: scope.cluster.map(|c| evaluation.clusters[c].clone()),
            units,
            targets,
            evaluation: (scope.kind() == MeetingKind::Final).then(|| evaluation.clone()),
        }
    }
}
