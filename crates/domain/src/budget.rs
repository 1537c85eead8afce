//! Serapan anggaran: budget absorption and physical progress (domain.md, "Budget").
//! Money is whole rupiah in integers; only the percentages are decimals.

use rust_decimal::Decimal;

use crate::bundle::Rupiah;
use crate::evaluation::BudgetFigures;
use crate::model;
use crate::rating::{Rating, round2};

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
            pagu: u128::from(budget.pagu),
            planned: months.iter().map(|m| u128::from(m.planned)).sum(),
            realised: months.iter().map(|m| u128::from(m.realised)).sum(),
            physical_pct: months.iter().rev().find_map(|m| m.physical_pct),
        }
    }

    /// The region's figures: sums over its units; physical progress is the
    /// pagu-weighted mean over the units that report it.
    pub fn region(units: &[ToDate]) -> ToDate {
        let mut weighted = Decimal::ZERO;
        let mut weight = Decimal::ZERO;
        for unit in units {
            if let Some(pct) = unit.physical_pct {
                let pagu = to_decimal(unit.pagu);
                weighted += pct * pagu;
                weight += pagu;
            }
        }
        ToDate {
            pagu: units.iter().map(|u| u.pagu).sum(),
            planned: units.iter().map(|u| u.planned).sum(),
            realised: units.iter().map(|u| u.realised).sum(),
            physical_pct: (!weight.is_zero()).then(|| weighted / weight),
        }
    }

    pub fn figures(&self, flag_margin: Decimal) -> BudgetFigures {
        let absorption = percent(self.realised, self.pagu).map(round2);
        let against_plan = percent(self.realised, self.planned).map(round2);
        BudgetFigures {
            pagu: rupiah(self.pagu),
            planned_to_date: rupiah(self.planned),
            realised_to_date: rupiah(self.realised),
            absorption_pct: absorption,
            against_plan_pct: against_plan,
            rating: absorption.map(Rating::of),
            physical_pct: self.physical_pct,
            flagged: against_plan.is_some_and(|pct| pct < Decimal::ONE_HUNDRED - flag_margin),
        }
    }
}

fn to_decimal(amount: u128) -> Decimal {
    Decimal::from_i128_with_scale(amount.min(i64::MAX as u128) as i128, 0)
}

fn rupiah(amount: u128) -> Rupiah {
    Rupiah(amount.min(u128::from(u64::MAX)) as u64)
}

/// `part / whole x 100`, none when `whole` is 0.
fn percent(part: u128, whole: u128) -> Option<Decimal> {
    (whole > 0).then(|| to_decimal(part) * Decimal::ONE_HUNDRED / to_decimal(whole))
}
