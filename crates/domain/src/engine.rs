//! The evaluation engine: every figure Pantau shows comes from [`evaluate`].
//! It follows domain.md rule by rule; comments name the rule where it is not
//! obvious. One pass over the entries feeds every target and every unit's
//! compliance, so the cost is linear in the bundle.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::bundle::{EntryStatus, Kind, Polarity};
use crate::calendar::AsOf;
use crate::evaluation::*;
use crate::model::{Program, Region, Target};
use crate::rating::{Rating, achievement, round2, sat};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Count verified entries only (default: submitted and verified).
    pub verified_only: bool,
}

/// True when an entry's status counts towards realisation.
pub fn counts(status: EntryStatus, verified_only: bool) -> bool {
    match status {
        EntryStatus::Verified => true,
        EntryStatus::Submitted => !verified_only,
        EntryStatus::Returned => false,
    }
}

/// What the counted entries of one target add up to.
#[derive(Debug, Clone, Default)]
struct Realisation {
    counted: bool,
    sum: Decimal,
    /// `last`: (activity date, submitted at) of the value held, and the value.
    latest: Option<(NaiveDate, DateTime<Utc>, Decimal)>,
    milestone_done: bool,
    latest_activity: Option<NaiveDate>,
}

impl Realisation {
    fn add(&mut self, date: NaiveDate, submitted_at: DateTime<Utc>, value: Decimal) {
        self.counted = true;
        self.sum = sat::add(self.sum, value);
        // Latest activity date wins; ties go to the latest submission, then to the later entry.
        if self
            .latest
            .is_none_or(|(d, s, _)| (date, submitted_at) >= (d, s))
        {
            self.latest = Some((date, submitted_at, value));
        }
        self.milestone_done |= value == Decimal::ONE;
        if self.latest_activity.is_none_or(|d| date > d) {
            self.latest_activity = Some(date);
        }
    }

    fn value(&self, target: &Target) -> Option<Decimal> {
        if !self.counted {
            return None;
        }
        Some(match target.kind {
            Kind::Sum => sat::add(target.baseline, self.sum),
            Kind::Last => self.latest.map(|(_, _, v)| v).unwrap_or(target.baseline),
            Kind::Milestone => {
                if self.milestone_done {
                    Decimal::ONE
                } else {
                    Decimal::ZERO
                }
            }
        })
    }
}

/// A value `num / den` kept as a fraction so that thresholds compare exactly.
#[derive(Debug, Clone, Copy)]
struct Fraction {
    num: Decimal,
    den: Decimal,
}

impl Fraction {
    fn whole(value: Decimal) -> Fraction {
        Fraction {
            num: value,
            den: Decimal::ONE,
        }
    }

    fn value(self) -> Decimal {
        sat::div(self.num, self.den)
    }

    /// `self - x`, still over the same denominator.
    fn minus(self, x: Decimal) -> Fraction {
        Fraction {
            num: sat::sub(self.num, sat::mul(x, self.den)),
            den: self.den,
        }
    }

    fn negate(self) -> Fraction {
        Fraction {
            num: -self.num,
            den: self.den,
        }
    }
}

/// Linear interpolation between two points at `k` of `m` days from the first.
fn interpolate(v0: Decimal, v1: Decimal, k: i64, m: i64) -> Fraction {
    let m = Decimal::from(m);
    Fraction {
        num: sat::add(
            sat::mul(v0, m),
            sat::mul(sat::sub(v1, v0), Decimal::from(k)),
        ),
        den: m,
    }
}

/// Expected value X of a `sum` or `last` target on a local date.
fn expected(program: &Program, target: &Target, date: NaiveDate) -> Fraction {
    let cal = &program.calendar;
    let (start, end) = (cal.start, cal.end);
    if target.plan.is_empty() {
        let (k, span) = cal.elapsed(date);
        return interpolate(target.baseline, target.target, k, span);
    }
    // Through (start, baseline), the plan points, (end, target); a plan point on
    // start or end takes that end point's place.
    let mut points: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(target.plan.len() + 2);
    if target.plan.first().is_none_or(|(d, _)| *d != start) {
        points.push((start, target.baseline));
    }
    points.extend(target.plan.iter().copied());
    if target.plan.last().is_none_or(|(d, _)| *d != end) {
        points.push((end, target.target));
    }
    let date = date.clamp(start, end);
    let left = points.iter().rposition(|(d, _)| *d <= date).unwrap_or(0);
    match points.get(left + 1) {
        None => Fraction::whole(points[left].1),
        Some(&(d1, v1)) => {
            let (d0, v0) = points[left];
            interpolate(v0, v1, (date - d0).num_days(), (d1 - d0).num_days())
        }
    }
}

fn met(target: &Target, r: Decimal) -> bool {
    match (target.kind, target.polarity) {
        (Kind::Milestone, _) => r == Decimal::ONE,
        (_, Polarity::Higher) => r >= target.target,
        (_, Polarity::Lower) => r <= target.target,
    }
}

fn evaluate_target(
    program: &Program,
    target: &Target,
    acc: &Realisation,
    as_of: &AsOf,
    names: (&str, Option<&str>),
) -> TargetResult {
    let cal = &program.calendar;
    let date = as_of.local_date;
    let r = acc.value(target);
    let after_end = date > cal.end;
    let (k, span) = cal.elapsed(date);
    let f_positive = k > 0;

    let (x, progress) = match target.kind {
        Kind::Milestone => {
            let due = date >= target.due;
            let x = if due { Decimal::ONE } else { Decimal::ZERO };
            let p = r.map(|r| if due { r } else { Decimal::ONE });
            (Fraction::whole(x), p)
        }
        Kind::Sum | Kind::Last => {
            let x = expected(program, target, date);
            let (gain_expected, gain_actual) = match target.polarity {
                Polarity::Higher => (
                    x.minus(target.baseline),
                    r.map(|r| sat::sub(r, target.baseline)),
                ),
                Polarity::Lower => (
                    x.minus(target.baseline).negate(),
                    r.map(|r| sat::sub(target.baseline, r)),
                ),
            };
            let p = gain_actual.map(|ga| {
                if gain_expected.num <= Decimal::ZERO {
                    Decimal::ONE
                } else {
                    // ga / (num / den), with a single division.
                    sat::div(sat::mul(ga, gain_expected.den), gain_expected.num)
                }
            });
            (x, p)
        }
    };

    let status = match r {
        Some(r) if met(target, r) => Status::Achieved,
        None => Status::NoData,
        Some(_) if after_end => Status::NotAchieved,
        Some(_) => {
            let p = progress.unwrap_or(Decimal::ONE);
            if p >= program.thresholds.on_track {
                Status::OnTrack
            } else if p >= program.thresholds.at_risk {
                Status::AtRisk
            } else {
                Status::OffTrack
            }
        }
    };

    let stale = matches!(
        status,
        Status::OnTrack | Status::AtRisk | Status::OffTrack | Status::NoData
    ) && cal.day(date) >= 14
        && acc.latest_activity.is_none_or(|d| d < date - Days::new(13));

    let (projected, likely_to_miss) = match (target.kind, r) {
        (Kind::Sum | Kind::Last, Some(r)) if f_positive => {
            // baseline + (R - baseline) / f, with f = k / span.
            let gain = sat::sub(r, target.baseline);
            let projected = sat::add(
                target.baseline,
                sat::div(sat::mul(gain, Decimal::from(span)), Decimal::from(k)),
            );
            let miss = match target.polarity {
                Polarity::Higher => projected < target.target,
                Polarity::Lower => projected > target.target,
            };
            (Some(projected), Some(miss))
        }
        _ => (None, None),
    };

    let achievement_pct = r.map(|r| achievement(target.kind, target.polarity, r, target.target));
    TargetResult {
        code: target.code.clone(),
        unit: names.0.to_owned(),
        priority: names.1.map(str::to_owned),
        realized: r,
        expected: Some(x.value()),
        achievement_pct,
        rating: achievement_pct.map(Rating::of),
        progress,
        status,
        stale,
        projected,
        likely_to_miss,
    }
}

/// Figures shared by every roll-up: targets, capaian, worst status, counts.
#[derive(Debug, Clone, Default)]
struct Rollup {
    targets: u32,
    capaian_sum: Decimal,
    counts: StatusCounts,
    worst: Option<Status>,
}

impl Rollup {
    fn add(&mut self, target: &TargetResult) {
        self.targets += 1;
        // Mean of min(A, 100), no_data counting as 0, on the shown (rounded) values.
        let a = target
            .achievement_pct
            .unwrap_or(Decimal::ZERO)
            .min(Decimal::ONE_HUNDRED);
        self.capaian_sum = sat::add(self.capaian_sum, a);
        self.counts.add(target.status);
        if self
            .worst
            .is_none_or(|w| target.status.severity() > w.severity())
        {
            self.worst = Some(target.status);
        }
    }

    fn achievement_pct(&self) -> Option<Decimal> {
        (self.targets > 0).then(|| round2(self.capaian_sum / Decimal::from(self.targets)))
    }

    fn rating(&self) -> Option<Rating> {
        self.achievement_pct().map(Rating::of)
    }

    fn final_verdict(&self, after_end: bool) -> Option<FinalVerdict> {
        (after_end && self.targets > 0).then(|| {
            if self.counts.get(Status::Achieved) == self.targets {
                FinalVerdict::Achieved
            } else {
                FinalVerdict::NotAchieved
            }
        })
    }
}

/// Evaluate one program of a region at `as_of`.
pub fn evaluate(region: &Region, program: &Program, as_of: &AsOf, options: Options) -> Evaluation {
    let cal = &program.calendar;
    let date = as_of.local_date;
    let periods = cal.periods();
    let n_periods = periods.len();
    let n_units = region.units.len();

    // One pass over the entries: realisation per target, and the earliest
    // report per unit and period for compliance (every status counts there).
    let mut realisations = vec![Realisation::default(); program.targets.len()];
    let mut earliest: Vec<Option<DateTime<Utc>>> = vec![None; n_units * n_periods];
    let mut note_report = |unit: usize, day: NaiveDate, at: DateTime<Utc>| {
        if let Some(p) = cal.period_position(day) {
            let slot = &mut earliest[unit * n_periods + p];
            if slot.is_none_or(|t| at < t) {
                *slot = Some(at);
            }
        }
    };
    for entry in &program.entries {
        if entry.submitted_at > as_of.instant {
            continue;
        }
        let target = &program.targets[entry.target as usize];
        note_report(
            target.unit as usize,
            entry.activity_date,
            entry.submitted_at,
        );
        if counts(entry.status, options.verified_only) && entry.activity_date <= date {
            realisations[entry.target as usize].add(
                entry.activity_date,
                entry.submitted_at,
                entry.value,
            );
        }
    }
    for nil in &program.nil_reports {
        if nil.submitted_at <= as_of.instant {
            note_report(nil.unit as usize, nil.date, nil.submitted_at);
        }
    }

    let targets: Vec<TargetResult> = program
        .targets
        .iter()
        .zip(&realisations)
        .map(|(target, acc)| {
            let unit = &region.units[target.unit as usize].code;
            let priority = target.priority.map(|p| region.priorities[p].code.as_str());
            evaluate_target(program, target, acc, as_of, (unit, priority))
        })
        .collect();

    let after_end = date > cal.end;
    let mut unit_rollups = vec![Rollup::default(); n_units];
    let mut priority_rollups = vec![Rollup::default(); region.priorities.len()];
    let mut cluster_rollups = vec![Rollup::default(); region.clusters.len()];
    let mut summary_rollup = Rollup::default();
    for (target, result) in program.targets.iter().zip(&targets) {
        unit_rollups[target.unit as usize].add(result);
        if let Some(p) = target.priority {
            priority_rollups[p].add(result);
        }
        if let Some(c) = region.units[target.unit as usize].cluster {
            cluster_rollups[c].add(result);
        }
        summary_rollup.add(result);
    }

    let begun = periods.iter().take_while(|p| p.start <= date).count();
    // The same figures as the budget pages read for a month (one computation).
    let has_budgets = !region.budgets.is_empty();
    let budget_figures = crate::budget::year_figures(region, date.year(), date.month());

    let units: Vec<UnitResult> = region
        .units
        .iter()
        .enumerate()
        .map(|(u, unit)| {
            let rollup = &unit_rollups[u];
            let mut tally = ComplianceTally::default();
            let mut compliance = Vec::new();
            if rollup.targets > 0 {
                for (p, period) in periods[..begun].iter().enumerate() {
                    let state = match earliest[u * n_periods + p] {
                        Some(at) if at <= period.deadline => ComplianceState::OnTime,
                        Some(_) => ComplianceState::Late,
                        None if as_of.instant > period.deadline => ComplianceState::Missing,
                        None => ComplianceState::Open,
                    };
                    tally.add(state);
                    compliance.push(ComplianceOut {
                        period: period.index,
                        state,
                    });
                }
            }
            UnitResult {
                code: unit.code.clone(),
                targets: rollup.targets,
                achievement_pct: rollup.achievement_pct(),
                rating: rollup.rating(),
                status: rollup.worst,
                final_verdict: rollup.final_verdict(after_end),
                status_counts: rollup.counts,
                reporting_rate: tally.reporting_rate(),
                on_time_rate: tally.on_time_rate(),
                compliance,
                budget: has_budgets.then(|| budget_figures.units[u].clone()),
                tally,
            }
        })
        .collect();

    let priorities = region
        .priorities
        .iter()
        .zip(&priority_rollups)
        .map(|(priority, rollup)| PriorityResult {
            code: priority.code.clone(),
            targets: rollup.targets,
            achievement_pct: rollup.achievement_pct(),
            rating: rollup.rating(),
            status: rollup.worst,
            status_counts: rollup.counts,
        })
        .collect();

    let mut cluster_units = vec![0u32; region.clusters.len()];
    let mut cluster_tallies = vec![ComplianceTally::default(); region.clusters.len()];
    let mut program_tally = ComplianceTally::default();
    for (unit, result) in region.units.iter().zip(&units) {
        if let Some(c) = unit.cluster {
            cluster_units[c] += 1;
            cluster_tallies[c].merge(&result.tally);
        }
        program_tally.merge(&result.tally);
    }
    let clusters = region
        .clusters
        .iter()
        .enumerate()
        .map(|(c, cluster)| {
            let rollup = &cluster_rollups[c];
            ClusterResult {
                code: cluster.code.clone(),
                units: cluster_units[c],
                targets: rollup.targets,
                achievement_pct: rollup.achievement_pct(),
                rating: rollup.rating(),
                status: rollup.worst,
                status_counts: rollup.counts,
                reporting_rate: cluster_tallies[c].reporting_rate(),
                on_time_rate: cluster_tallies[c].on_time_rate(),
            }
        })
        .collect();

    let region_budget = has_budgets.then(|| budget_figures.region.clone());
    let summary = Summary {
        targets: summary_rollup.targets,
        units_with_targets: unit_rollups.iter().filter(|r| r.targets > 0).count() as u32,
        achievement_pct: summary_rollup.achievement_pct(),
        rating: summary_rollup.rating(),
        status_counts: summary_rollup.counts,
        reporting_rate: program_tally.reporting_rate(),
        on_time_rate: program_tally.on_time_rate(),
        budget: region_budget,
        status: summary_rollup.worst,
        final_verdict: summary_rollup.final_verdict(after_end),
    };

    Evaluation {
        program: program.code.clone(),
        as_of: cal.format_as_of(as_of),
        day: cal.day(date),
        days_total: cal.days_total(),
        periods: periods
            .iter()
            .map(|p| PeriodOut {
                index: p.index,
                start: p.start,
                end: p.end,
                deadline: cal.format_instant(p.deadline),
            })
            .collect(),
        targets,
        units,
        priorities,
        clusters,
        summary,
    }
}

/// The entries of one target that count at a moment, by the same rules as
/// [`evaluate`]: submitted by then, for an activity date by then, and of a
/// status that counts (verified only, with `options.verified_only`).
pub fn counted_entries<'a>(
    program: &'a Program,
    target_index: usize,
    as_of: &'a AsOf,
    options: Options,
) -> impl Iterator<Item = &'a crate::model::Entry> + 'a {
    program.entries.iter().filter(move |e| {
        e.target as usize == target_index
            && e.submitted_at <= as_of.instant
            && e.activity_date <= as_of.local_date
            && counts(e.status, options.verified_only)
    })
}

/// The realisation of one target after each counted entry, in activity order:
/// the points of its trajectory chart, counted by the same rules as [`evaluate`].
pub fn realisation_series(
    program: &Program,
    target_index: usize,
    as_of: &AsOf,
    options: Options,
) -> Vec<(NaiveDate, Decimal)> {
    let target = &program.targets[target_index];
    let mut counted: Vec<_> = counted_entries(program, target_index, as_of, options).collect();
    counted.sort_by_key(|e| (e.activity_date, e.submitted_at));
    let mut acc = Realisation::default();
    let mut series: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(counted.len());
    for entry in counted {
        acc.add(entry.activity_date, entry.submitted_at, entry.value);
        if let Some(value) = acc.value(target) {
            match series.last_mut() {
                Some((date, last)) if *date == entry.activity_date => *last = value,
                _ => series.push((entry.activity_date, value)),
            }
        }
    }
    series
}
