//! The rules of one reported figure, defined once: bundle validation, the
//! store and the pages all ask these, so a value one of them takes the others
//! take too. Each returns what is wrong as a value whose `Display` is the
//! bundle's wording; a caller may word it its own way from the variant.

use rust_decimal::Decimal;

use crate::bundle::Kind;

/// Why an entry's value does not fit its target's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueProblem {
    /// A `sum` target adds what was done: never less than 0.
    #[error("{0} is negative: values of a sum target are >= 0")]
    NegativeSum(Decimal),
    /// A milestone is done (1) or not (0).
    #[error("{0} is not 0 or 1: a milestone is done (1) or not (0)")]
    MilestoneNotBinary(Decimal),
}

/// Check a reported value against its target's kind: a `sum` takes 0 or more,
/// a `milestone` 0 or 1, a `last` any level.
pub fn check_entry_value(kind: Kind, value: Decimal) -> Result<(), ValueProblem> {
    match kind {
        Kind::Sum if value.is_sign_negative() && !value.is_zero() => {
            Err(ValueProblem::NegativeSum(value))
        }
        Kind::Milestone if !(value.is_zero() || value == Decimal::ONE) => {
            Err(ValueProblem::MilestoneNotBinary(value))
        }
        _ => Ok(()),
    }
}

/// A percentage outside 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a percentage from 0 to 100")]
pub struct PercentageProblem(pub Decimal);

/// Check a percentage (physical progress, the budget flag margin): from 0 to
/// 100 inclusive; `-0` is 0.
pub fn check_percentage(value: Decimal) -> Result<(), PercentageProblem> {
    if (value.is_sign_negative() && !value.is_zero()) || value > Decimal::ONE_HUNDRED {
        return Err(PercentageProblem(value));
    }
    Ok(())
}

/// A month number outside 1 to 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a month from 1 to 12")]
pub struct MonthProblem(pub u32);

/// Check a month of a fiscal year: 1 (January) to 12.
pub fn check_month(month: u32) -> Result<(), MonthProblem> {
    if (1..=12).contains(&month) {
        Ok(())
    } else {
        Err(MonthProblem(month))
    }
}

/// Realised spending above the pagu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("realised spending {} is above the pagu {pagu}", spent_text(*.spent))]
pub struct OverPagu {
    /// The sum of the realised amounts; `None` when it does not fit a `u128`.
    pub spent: Option<u128>,
    pub pagu: u128,
}

fn spent_text(spent: Option<u128>) -> String {
    spent.map_or_else(|| format!("above {}", u128::MAX), |s| s.to_string())
}

/// Check that realised amounts (whole rupiah) add up to no more than the pagu;
/// returns their sum.
pub fn check_within_pagu(
    pagu: u128,
    realised: impl IntoIterator<Item = u128>,
) -> Result<u128, OverPagu> {
    let spent = realised
        .into_iter()
        .try_fold(0u128, |sum, amount| sum.checked_add(amount));
    match spent {
        Some(spent) if spent <= pagu => Ok(spent),
        spent => Err(OverPagu { spent, pagu }),
    }
}
