//! Roll-ups across regions (docs/rollup.md): a province's figures made of its
//! kab/kota's program summaries, for the nation's view. Pure: the inputs are
//! summaries already evaluated (and cached per region version), never entries.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use crate::budget::ToDate;
use crate::evaluation::{BudgetFigures, ComplianceTally, Evaluation, StatusCounts, Summary};
use crate::model::Program;
use crate::rating::{Rating, round2, sat};

/// The margin a rolled-up budget is flagged by: the default of domain.md,
/// since the kab/kota may each set their own.
pub const ROLLUP_FLAG_MARGIN: Decimal = Decimal::TEN;

/// One program summary of one region, as it enters a roll-up, with the
/// reporting record its rates were taken of.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub summary: &'a Summary,
    pub tally: ComplianceTally,
}

/// The budget key of one region, from its programs' summaries: the budget
/// of the first program (in plan order) that has one, `null` when the key is
/// present but no program has figures, absent when no summary has the key.
/// Every program of a region carries the same region-wide budget of its
/// year, so one is taken, never a sum.
pub fn region_budget(programs: &[Part<'_>]) -> Option<Option<BudgetFigures>> {
    let keys: Vec<&Option<BudgetFigures>> = programs
        .iter()
        .filter_map(|p| p.summary.budget.as_ref())
        .collect();
    if keys.is_empty() {
        return None;
    }
    Some(keys.into_iter().find_map(Clone::clone))
}

/// The roll-up of several regions' program summaries (one slice per region),
/// in the shape of one summary:
/// - `achievement_pct`: the mean of the program summaries' capaian as shown
///   (rounded to 2 decimals), over the programs that have one; rounded to 2
///   decimals, half away from zero; null when none has one;
/// - `rating`: of the rounded mean, on domain.md's scale;
/// - `targets`, `units_with_targets`, `status_counts`: sums;
/// - reporting rates: of the programs' reporting records summed, i.e.
///   weighted by the periods each unit owed (as a cluster sums its units');
/// - `budget`: present when a region has the key; each region's
///   [`region_budget`] summed by [`budget`].
///
/// The order of the regions and of their programs does not matter.
pub fn summary(regions: &[Vec<Part<'_>>]) -> Summary {
    let mut targets = 0u32;
    let mut units_with_targets = 0u32;
    let mut counts = StatusCounts::default();
    let mut tally = ComplianceTally::default();
    let mut capaian_sum = Decimal::ZERO;
    let mut with_capaian = 0u32;
    let mut worst: Option<crate::evaluation::Status> = None;
    for part in regions.iter().flatten() {
        let s = part.summary;
        targets = targets.saturating_add(s.targets);
        units_with_targets = units_with_targets.saturating_add(s.units_with_targets);
        counts.merge(&s.status_counts);
        tally.merge(&part.tally);
        if let Some(a) = s.achievement_pct {
            capaian_sum = sat::add(capaian_sum, round2(a));
            with_capaian += 1;
        }
        worst = match (worst, s.status) {
            (Some(w), Some(st)) => Some(if st.severity() > w.severity() { st } else { w }),
            (w, st) => w.or(st),
        };
    }
    let achievement_pct =
        (with_capaian > 0).then(|| round2(capaian_sum / Decimal::from(with_capaian)));
    let budgets: Vec<Option<BudgetFigures>> =
        regions.iter().filter_map(|r| region_budget(r)).collect();
    let budget = (!budgets.is_empty()).then(|| self::budget(budgets.iter().flatten()));
    Summary {
        targets,
        units_with_targets,
        achievement_pct,
        rating: achievement_pct.map(Rating::of),
        status_counts: counts,
        reporting_rate: tally.reporting_rate(),
        on_time_rate: tally.on_time_rate(),
        budget,
        status: worst,
        final_verdict: None,
    }
}

/// The budget of several regions: pagu, plan and realisation to date summed,
/// absorption = sum realised / sum pagu (not a mean of percentages),
/// physical progress the pagu-weighted mean (as a region's over its units),
/// flagged by [`ROLLUP_FLAG_MARGIN`]; none when no region has a budget.
pub fn budget<'a>(budgets: impl IntoIterator<Item = &'a BudgetFigures>) -> Option<BudgetFigures> {
    let to_date: Vec<ToDate> = budgets
        .into_iter()
        .map(|b| ToDate {
            pagu: b.pagu.0,
            planned: b.planned_to_date.0,
            realised: b.realised_to_date.0,
            physical_pct: b.physical_pct,
        })
        .collect();
    (!to_date.is_empty()).then(|| ToDate::region(&to_date).figures(ROLLUP_FLAG_MARGIN))
}

/// The reporting record of one calendar week: every period whose deadline
/// falls in it (by the program's local date), over every unit that owed one.
/// Calendar weeks, not the programs' own period numbers, so that regions
/// whose programs started on different days line up in one strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekTally {
    /// The Monday of the week.
    pub week: NaiveDate,
    pub tally: ComplianceTally,
}

/// The Monday of the week of `date`.
pub fn week_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// A program's reporting record by calendar week, from its evaluation's
/// units' compliance, in week order.
pub fn weekly_tallies(program: &Program, evaluation: &Evaluation) -> Vec<WeekTally> {
    let cal = &program.calendar;
    let week_of_period: BTreeMap<u32, NaiveDate> = cal
        .periods()
        .iter()
        .map(|p| (p.index, week_of(cal.local_date(p.deadline))))
        .collect();
    let mut weeks: BTreeMap<NaiveDate, ComplianceTally> = BTreeMap::new();
    for unit in &evaluation.units {
        for record in &unit.compliance {
            if let Some(week) = week_of_period.get(&record.period) {
                weeks.entry(*week).or_default().add(record.state);
            }
        }
    }
    weeks
        .into_iter()
        .map(|(week, tally)| WeekTally { week, tally })
        .collect()
}

/// Several records merged week by week (a province's kab/kota, a region's
/// programs), in week order.
pub fn merge_weeks<'a>(records: impl IntoIterator<Item = &'a [WeekTally]>) -> Vec<WeekTally> {
    let mut weeks: BTreeMap<NaiveDate, ComplianceTally> = BTreeMap::new();
    for record in records {
        for week in record {
            weeks.entry(week.week).or_default().merge(&week.tally);
        }
    }
    weeks
        .into_iter()
        .map(|(week, tally)| WeekTally { week, tally })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Rupiah;
    use crate::evaluation::Status;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    fn arb_budget() -> impl Strategy<Value = BudgetFigures> {
        (
            0u128..1_000_000_000_000,
            0u128..1_000_000_000_000,
            0u128..1_000_000_000_000,
            proptest::option::of(0u32..10_000),
        )
            .prop_map(|(pagu, planned, realised, physical)| {
                // A region whose pagu is 0 has no weighted physical progress.
                let physical = physical
                    .filter(|_| pagu > 0)
                    .map(|p| Decimal::new(p.into(), 2));
                ToDate {
                    pagu,
                    planned,
                    realised,
                    physical_pct: physical,
                }
                .figures(ROLLUP_FLAG_MARGIN)
            })
    }

    fn arb_summary() -> impl Strategy<Value = (Summary, ComplianceTally)> {
        (
            0u32..500,
            0u32..40,
            proptest::option::of(0u32..15_000),
            proptest::collection::vec(0u32..50, 6),
            (0u32..30, 0u32..30, 0u32..30, 0u32..5),
            proptest::option::of(proptest::option::of(arb_budget())),
        )
            .prop_map(
                |(targets, units, capaian, counts, (on_time, late, missing, open), budget)| {
                    let mut status_counts = StatusCounts::default();
                    for (status, n) in Status::ALL.into_iter().zip(counts) {
                        for _ in 0..n {
                            status_counts.add(status);
                        }
                    }
                    let tally = ComplianceTally {
                        on_time,
                        late,
                        missing,
                        open,
                    };
                    let achievement_pct = capaian.map(|c| Decimal::new(c.into(), 2));
                    let summary = Summary {
                        targets,
                        units_with_targets: units,
                        achievement_pct,
                        rating: achievement_pct.map(Rating::of),
                        status_counts,
                        reporting_rate: tally.reporting_rate(),
                        on_time_rate: tally.on_time_rate(),
                        budget,
                        status: None,
                        final_verdict: None,
                    };
                    (summary, tally)
                },
            )
    }

    /// Each summary as a region of one program.
    fn parts(summaries: &[(Summary, ComplianceTally)]) -> Vec<Vec<Part<'_>>> {
        summaries
            .iter()
            .map(|(summary, tally)| {
                vec![Part {
                    summary,
                    tally: *tally,
                }]
            })
            .collect()
    }

    fn json(summary: &Summary) -> serde_json::Value {
        serde_json::to_value(summary).expect("a summary serializes")
    }

    proptest! {
        #[test]
        fn a_rollup_of_one_region_is_that_region(one in arb_summary()) {
            let rolled = summary(&parts(std::slice::from_ref(&one)));
            prop_assert_eq!(json(&rolled), json(&one.0));
        }

        #[test]
        fn the_order_of_the_regions_does_not_matter(
            mut many in proptest::collection::vec(arb_summary(), 0..8),
        ) {
            let forward = json(&summary(&parts(&many)));
            many.reverse();
            prop_assert_eq!(forward, json(&summary(&parts(&many))));
        }

        #[test]
        fn sums_are_sums_and_absorption_is_of_the_sums(
            many in proptest::collection::vec(arb_summary(), 1..8),
        ) {
            let rolled = summary(&parts(&many));
            prop_assert_eq!(rolled.targets, many.iter().map(|(s, _)| s.targets).sum::<u32>());
            prop_assert_eq!(rolled.status_counts.total(),
                many.iter().map(|(s, _)| s.status_counts.total()).sum::<u32>());
            let budgets: Vec<&BudgetFigures> =
                many.iter().filter_map(|(s, _)| s.budget.as_ref()?.as_ref()).collect();
            match rolled.budget {
                None => prop_assert!(many.iter().all(|(s, _)| s.budget.is_none())),
                Some(None) => prop_assert!(budgets.is_empty()),
                Some(Some(b)) => {
                    let pagu: u128 = budgets.iter().map(|b| b.pagu.0).sum();
                    let realised: u128 = budgets.iter().map(|b| b.realised_to_date.0).sum();
                    prop_assert_eq!(b.pagu, Rupiah(pagu));
                    let expected = (pagu > 0).then(|| {
                        round2(Decimal::from(realised) * Decimal::ONE_HUNDRED / Decimal::from(pagu))
                    });
                    prop_assert_eq!(b.absorption_pct, expected);
                }
            }
        }

        #[test]
        fn the_mean_ignores_regions_without_capaian(
            many in proptest::collection::vec(arb_summary(), 0..8),
        ) {
            let mut with_none = many.clone();
            let mut empty = many.first().cloned().unwrap_or_else(|| {
                arb_summary().new_tree(&mut Default::default()).unwrap().current()
            });
            empty.0.achievement_pct = None;
            empty.0.rating = None;
            with_none.push(empty);
            prop_assert_eq!(
                summary(&parts(&many)).achievement_pct,
                summary(&parts(&with_none)).achievement_pct
            );
        }
    }

    #[test]
    fn capaian_is_the_mean_of_the_shown_values_and_rated_once_rounded() {
        let (mut a, tally) = arb_summary()
            .new_tree(&mut Default::default())
            .unwrap()
            .current();
        a.achievement_pct = Some(Decimal::new(9100, 2));
        let mut b = a.clone();
        b.achievement_pct = Some(Decimal::new(9099, 2));
        let rolled = summary(&parts(&[(a, tally), (b, tally)]));
        // (91.00 + 90.99) / 2 = 90.995, shown 91.00 and rated on what is shown.
        assert_eq!(rolled.achievement_pct, Some(Decimal::new(9100, 2)));
        assert_eq!(rolled.rating, Some(Rating::SangatTinggi));
    }

    #[test]
    fn a_region_budget_is_counted_once_whatever_its_programs() {
        let (mut a, tally) = arb_summary()
            .new_tree(&mut Default::default())
            .unwrap()
            .current();
        let figures = ToDate {
            pagu: 1000,
            planned: 500,
            realised: 250,
            physical_pct: None,
        }
        .figures(ROLLUP_FLAG_MARGIN);
        a.budget = Some(Some(figures.clone()));
        let b = a.clone();
        let region = vec![Part { summary: &a, tally }, Part { summary: &b, tally }];
        let rolled = summary(&[region]);
        assert_eq!(rolled.budget, Some(Some(figures)));
        assert_eq!(rolled.targets, a.targets * 2);
    }

    #[test]
    fn no_regions_roll_up_to_nothing() {
        let rolled = summary(&[]);
        assert_eq!(rolled.targets, 0);
        assert_eq!(rolled.achievement_pct, None);
        assert_eq!(rolled.rating, None);
        assert_eq!(rolled.reporting_rate, None);
        assert!(rolled.budget.is_none());
    }
}
