//! The final evaluation of a program (evaluasi akhir): per unit achieved or
//! not achieved, with each target's capaian, rating and status and the unit's
//! reporting record and budget; per priority program and per cluster; the
//! program summary. A view of an [`Evaluation`](pantau_domain::Evaluation):
//! every figure is the engine's, whether computed now or read from frozen
//! minutes.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use pantau_domain::evaluation::{BudgetFigures, FinalVerdict, Status, StatusCounts};
use pantau_domain::rating::Rating;

use crate::tables::record;
use crate::{Error, Report};

#[derive(Debug, Clone, Serialize)]
pub struct FinalEvaluation {
    pub region: String,
    pub region_name: String,
    pub program: String,
    pub program_name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub as_of: String,
    pub day: i64,
    pub days_total: i64,
    pub summary: FinalSummary,
    pub units: Vec<FinalUnit>,
    pub priorities: Vec<FinalGroup>,
    pub clusters: Vec<FinalGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FinalSummary {
    pub targets: u32,
    pub units_with_targets: u32,
    pub units_achieved: u32,
    pub units_not_achieved: u32,
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status_counts: StatusCounts,
    pub reporting_rate: Option<Decimal>,
    pub on_time_rate: Option<Decimal>,
    pub budget: Option<BudgetFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FinalUnit {
    pub code: String,
    pub name: String,
    pub cluster: Option<String>,
    /// None for a unit without targets in the program: it owed nothing.
    pub verdict: Option<FinalVerdict>,
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub targets: Vec<FinalTarget>,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub reporting_rate: Option<Decimal>,
    pub on_time_rate: Option<Decimal>,
    pub budget: Option<BudgetFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FinalTarget {
    pub code: String,
    pub name: String,
    pub measure: Option<String>,
    pub target: Decimal,
    pub realized: Option<Decimal>,
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status: Status,
}

/// A priority program or a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct FinalGroup {
    pub code: String,
    pub name: String,
    pub targets: u32,
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status_counts: StatusCounts,
    pub reporting_rate: Option<Decimal>,
    pub on_time_rate: Option<Decimal>,
}

/// True when the final evaluation of the report's program may be drawn up:
/// from the program's end date on (the final meeting is held on the last day).
pub fn available(report: &Report) -> bool {
    as_of_date(report).is_some_and(|d| d >= report.program.calendar.end)
}

fn as_of_date(report: &Report) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(&report.evaluation.as_of)
        .ok()
        .map(|t| t.date_naive())
}

/// The final evaluation, or [`Error::NotFinal`] before the program's end date.
pub fn final_evaluation(report: &Report) -> Result<FinalEvaluation, Error> {
    if !available(report) {
        return Err(Error::NotFinal {
            program: report.program.code.clone(),
            end: report.program.calendar.end,
            as_of: report.evaluation.as_of.clone(),
        });
    }
    let e = report.evaluation;
    let region = report.region;
    let units: Vec<FinalUnit> = e
        .units
        .iter()
        .map(|u| {
            let model = region.units.iter().find(|m| m.code == u.code);
            let targets = e
                .targets
                .iter()
                .filter(|t| t.unit == u.code)
                .map(|t| {
                    let m = report.program.targets.iter().find(|m| m.code == t.code);
                    FinalTarget {
                        code: t.code.clone(),
                        name: m.map(|m| m.name.clone()).unwrap_or_default(),
                        measure: m.and_then(|m| m.measure.clone()),
                        target: m.map(|m| m.target).unwrap_or_default(),
                        realized: t.realized,
                        achievement_pct: t.achievement_pct,
                        rating: t.rating,
                        status: t.status,
                    }
                })
                .collect::<Vec<_>>();
            // The engine gives the verdict after the end date; on the last day
            // itself (the final meeting) the same rule is read off its statuses.
            let verdict = u.final_verdict.or_else(|| {
                (u.targets > 0).then(|| {
                    if u.status_counts.get(Status::Achieved) == u.targets {
                        FinalVerdict::Achieved
                    } else {
                        FinalVerdict::NotAchieved
                    }
                })
            });
            let [on_time, late, missing, _open] = record(u.compliance.iter().map(|c| c.state));
            FinalUnit {
                code: u.code.clone(),
                name: model.map(|m| m.name.clone()).unwrap_or_default(),
                cluster: model
                    .and_then(|m| m.cluster)
                    .map(|c| region.clusters[c].code.clone()),
                verdict,
                achievement_pct: u.achievement_pct,
                rating: u.rating,
                targets,
                on_time,
                late,
                missing,
                reporting_rate: u.reporting_rate,
                on_time_rate: u.on_time_rate,
                budget: u.budget.clone().flatten(),
            }
        })
        .collect();
    let count = |v: FinalVerdict| units.iter().filter(|u| u.verdict == Some(v)).count() as u32;
    let summary = FinalSummary {
        targets: e.summary.targets,
        units_with_targets: e.summary.units_with_targets,
        units_achieved: count(FinalVerdict::Achieved),
        units_not_achieved: count(FinalVerdict::NotAchieved),
        achievement_pct: e.summary.achievement_pct,
        rating: e.summary.rating,
        status_counts: e.summary.status_counts,
        reporting_rate: e.summary.reporting_rate,
        on_time_rate: e.summary.on_time_rate,
        budget: e.summary.budget.clone().flatten(),
    };
    let priorities = e
        .priorities
        .iter()
        .map(|p| FinalGroup {
            code: p.code.clone(),
            name: region
                .priorities
                .iter()
                .find(|m| m.code == p.code)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            targets: p.targets,
            achievement_pct: p.achievement_pct,
            rating: p.rating,
            status_counts: p.status_counts,
            reporting_rate: None,
            on_time_rate: None,
        })
        .collect();
    let clusters = e
        .clusters
        .iter()
        .map(|c| FinalGroup {
            code: c.code.clone(),
            name: region
                .clusters
                .iter()
                .find(|m| m.code == c.code)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            targets: c.targets,
            achievement_pct: c.achievement_pct,
            rating: c.rating,
            status_counts: c.status_counts,
            reporting_rate: c.reporting_rate,
            on_time_rate: c.on_time_rate,
        })
        .collect();
    Ok(FinalEvaluation {
        region: region.code.clone(),
        region_name: region.name.clone(),
        program: report.program.code.clone(),
        program_name: report.program.name.clone(),
        start: report.program.calendar.start,
        end: report.program.calendar.end,
        as_of: e.as_of.clone(),
        day: e.day,
        days_total: e.days_total,
        summary,
        units,
        priorities,
        clusters,
    })
}
