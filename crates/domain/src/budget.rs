//! Serapan anggaran: budget absorption and physical progress (domain.md, "Budget").
//! Money is whole rupiah in integers (`u128`, exact); only the percentages are
//! decimals.

use rust_decimal::Decimal;

use crate::bundle::Rupiah;
use crate::evaluation::BudgetFigures;
use crate::model;
use crate::rating::{Rating, round2, sat};

/// Every unit's budget figures and the region's, for a fiscal year to the end
/// of a month: what the engine puts in an evaluation, and what the budget pages
/// show for any month of any year.
#[derive(Debug, Clone, PartialEq)]
pub struct YearFigures {
    /// One per unit of the region, in its order; none for a unit without a budget that year.
    pub units: Vec<Option<BudgetFigures>>,
    /// Over the units that have a budget that year; none when no unit has one.
    pub region: Option<BudgetFigures>,
}

/// The budget figures of `year` to the end of `month` (1 to 12).
pub fn year_figures(region: &model::Region, year: i32, month: u32) -> YearFigures {
    let mut to_date = vec![None; region.units.len()];
    for budget in region.budgets.iter().filter(|b| b.year == year) {
        to_date[budget.unit as usize] = Some(ToDate::of(budget, month));
    }
    let margin = region.budget_flag_margin;
    let present: Vec<ToDate> = to_date.iter().flatten().copied().collect();
    YearFigures {
        units: to_date
            .iter()
            .map(|t| t.map(|t| t.figures(margin)))
            .collect(),
        region: (!present.is_empty()).then(|| ToDate::region(&present).figures(margin)),
    }
}

/// The fiscal years the region has budgets for, oldest first.
pub fn years(region: &model::Region) -> Vec<i32> {
    let mut years: Vec<i32> = region.budgets.iter().map(|b| b.year).collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// One unit's figures to the end of a month, before they are turned into percentages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToDate {
    pub pagu: u128,
    pub planned: u128,
    pub realised: u128,
    pub physical_pct: Option<Decimal>,
}

impl ToDate {
    /// Sum the months January to `month` (1-based, inclusive).
    pub fn of(budget: &model::Budget, month: u32) -> ToDate {
        let months = &budget.months[..(month.clamp(1, 12) as usize)];
        ToDate {
            pagu: budget.pagu,
            planned: total(months.iter().map(|m| m.planned)),
            realised: total(months.iter().map(|m| m.realised)),
            physical_pct: months.iter().rev().find_map(|m| m.physical_pct),
        }
    }

    /// The region's figures: sums over its units; physical progress is the
    /// pagu-weighted mean over the units that report it.
    pub fn region(units: &[ToDate]) -> ToDate {
        let reporting = || units.iter().filter(|u| u.physical_pct.is_some());
        // Weights are the pagu, exact while their total is below 2^89 (6.2e26
        // rupiah); above that all are scaled down alike so that no product
        // (percentage at most 100, times weight) leaves a Decimal.
        let shift = (u128::BITS - total(reporting().map(|u| u.pagu)).leading_zeros())
            .saturating_sub(EXACT_BITS);
        let mut weighted = Decimal::ZERO;
        let mut weight = Decimal::ZERO;
        for unit in reporting() {
            if let Some(pct) = unit.physical_pct {
                let pagu = to_decimal(unit.pagu >> shift);
                weighted = sat::add(weighted, sat::mul(pct, pagu));
                weight = sat::add(weight, pagu);
            }
        }
        ToDate {
            pagu: total(units.iter().map(|u| u.pagu)),
            planned: total(units.iter().map(|u| u.planned)),
            realised: total(units.iter().map(|u| u.realised)),
            physical_pct: (!weight.is_zero()).then(|| weighted / weight),
        }
    }

    pub fn figures(&self, flag_margin: Decimal) -> BudgetFigures {
        let absorption = percent(self.realised, self.pagu).map(round2);
        let against_plan = percent(self.realised, self.planned).map(round2);
        BudgetFigures {
            pagu: Rupiah(self.pagu),
            planned_to_date: Rupiah(self.planned),
            realised_to_date: Rupiah(self.realised),
            absorption_pct: absorption,
            against_plan_pct: against_plan,
            rating: absorption.map(Rating::of),
            physical_pct: self.physical_pct,
            flagged: against_plan.is_some_and(|pct| pct < Decimal::ONE_HUNDRED - flag_margin),
        }
    }
}

/// Integers below 2^89 times 100 (< 2^96) still fit a Decimal's mantissa.
const EXACT_BITS: u32 = 89;

/// The largest integer a Decimal holds: 2^96 - 1, about 7.9e28.
const DECIMAL_MAX: u128 = (1 << 96) - 1;

/// A sum of amounts; it saturates at `u128::MAX` (3.4e38 rupiah) rather than overflow.
fn total(amounts: impl Iterator<Item = u128>) -> u128 {
    amounts.fold(0, u128::saturating_add)
}

/// Exact up to [`DECIMAL_MAX`], which it saturates at beyond.
fn to_decimal(amount: u128) -> Decimal {
    Decimal::from_i128_with_scale(amount.min(DECIMAL_MAX) as i128, 0)
}

/// `part / whole x 100`, none when `whole` is 0. The whole percentages are
/// exact (saturating at Decimal's 7.9e28); the fraction below one percent is a
/// decimal division of exact integers while `whole` is below 2^89 (6.2e26),
/// and of both scaled down alike above.
fn percent(part: u128, whole: u128) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    let (quotient, rest) = (part / whole, part % whole);
    let shift = (u128::BITS - whole.leading_zeros()).saturating_sub(EXACT_BITS);
    // rest < whole, so (rest >> shift) * 100 < 2^89 * 100 < 2^96.
    let fraction = to_decimal((rest >> shift) * 100) / to_decimal(whole >> shift);
    Some(sat::add(
        sat::mul(to_decimal(quotient), Decimal::ONE_HUNDRED),
        fraction,
    ))
}
