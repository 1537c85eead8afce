//! Achievement (capaian) and its rating on the Permendagri 86/2017 scale.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::bundle::{Kind, Polarity};

/// Arithmetic that saturates instead of panicking: the engine must stay total
/// on any valid bundle, even one with absurdly large or small numbers.
pub mod sat {
    use rust_decimal::Decimal;

    fn saturate(positive: bool) -> Decimal {
        if positive { Decimal::MAX } else { Decimal::MIN }
    }

    pub fn add(a: Decimal, b: Decimal) -> Decimal {
        a.checked_add(b)
            .unwrap_or_else(|| saturate(a.is_sign_positive()))
    }

    pub fn sub(a: Decimal, b: Decimal) -> Decimal {
        a.checked_sub(b)
            .unwrap_or_else(|| saturate(a.is_sign_positive()))
    }

    pub fn mul(a: Decimal, b: Decimal) -> Decimal {
        a.checked_mul(b)
            .unwrap_or_else(|| saturate(a.is_sign_positive() == b.is_sign_positive()))
    }

    /// `b` must not be zero.
    pub fn div(a: Decimal, b: Decimal) -> Decimal {
        a.checked_div(b)
            .unwrap_or_else(|| saturate(a.is_sign_positive() == b.is_sign_positive()))
    }
}

/// Rounded to 2 decimals, half away from zero: how every figure is shown.
pub fn round2(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    SangatRendah,
    Rendah,
    Sedang,
    Tinggi,
    SangatTinggi,
}

impl Rating {
    /// The band of a (rounded) percentage; bands are closed at their lower bound.
    pub fn of(pct: Decimal) -> Rating {
        if pct >= Decimal::from(91) {
            Rating::SangatTinggi
        } else if pct >= Decimal::from(76) {
            Rating::Tinggi
        } else if pct >= Decimal::from(66) {
            Rating::Sedang
        } else if pct >= Decimal::from(51) {
            Rating::Rendah
        } else {
            Rating::SangatRendah
        }
    }

    /// The label as written in Indonesian reports.
    pub fn label(self) -> &'static str {
        match self {
            Rating::SangatTinggi => "Sangat Tinggi",
            Rating::Tinggi => "Tinggi",
            Rating::Sedang => "Sedang",
            Rating::Rendah => "Rendah",
            Rating::SangatRendah => "Sangat Rendah",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Rating::SangatTinggi => "sangat_tinggi",
            Rating::Tinggi => "tinggi",
            Rating::Sedang => "sedang",
            Rating::Rendah => "rendah",
            Rating::SangatRendah => "sangat_rendah",
        }
    }
}

/// Capaian in percent of realisation `r` against target `t`, already rounded
/// to 2 decimals (the rating is taken of the rounded value).
pub fn achievement(kind: Kind, polarity: Polarity, r: Decimal, t: Decimal) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let raw = match (kind, polarity) {
        (Kind::Milestone, _) => sat::mul(hundred, r),
        (_, Polarity::Higher) => {
            if t.is_zero() {
                // Refused by validation; kept total so the engine never panics.
                Decimal::ZERO
            } else {
                sat::mul(sat::div(r, t), hundred)
            }
        }
        (_, Polarity::Lower) => {
            if t.is_zero() {
                if r <= Decimal::ZERO {
                    hundred
                } else {
                    Decimal::ZERO
                }
            } else {
                let shortfall = sat::sub(sat::mul(Decimal::TWO, t), r);
                sat::mul(sat::div(shortfall, t), hundred).max(Decimal::ZERO)
            }
        }
    };
    round2(raw)
}
