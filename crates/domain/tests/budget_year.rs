//! Serapan anggaran over a generated fiscal year: every unit's and the region's
//! figures at every month-end, against an independent computation in whole
//! integers, and the rounding of rupiah amounts to the 2 decimals shown.

mod common;

use common::*;
use pantau_domain::budget::{YearFigures, year_figures};
use pantau_domain::evaluation::BudgetFigures;
use pantau_domain::rating::Rating;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const UNITS: [&str; 4] = ["DP3A", "DLH", "DINKES", "BAPPEDA"];

/// A small deterministic generator (64-bit LCG): the year is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// One generated unit-year: pagu, and per month planned, realised, physical.
struct GenYear {
    pagu: u128,
    months: Vec<(u128, u128, Option<u32>)>,
}

/// A year for three units (BAPPEDA has none), amounts in odd rupiah so no
/// percentage comes out round, realised never above pagu.
fn generated() -> Vec<(&'static str, GenYear)> {
    let mut rng = Lcg(20251031);
    UNITS[..3]
        .iter()
        .map(|unit| {
            let pagu = 1_000_000_000u128 * (5 + rng.next(90) as u128) + rng.next(999_999) as u128;
            let mut spent = 0u128;
            let mut physical = 0u32;
            let months = (0..12)
                .map(|_| {
                    let planned = pagu / 12 + rng.next(1_000_000) as u128;
                    let realised = (pagu / 14 + rng.next(10_000_000) as u128).min(pagu - spent);
                    spent += realised;
                    physical = (physical + rng.next(12) as u32).min(100);
                    // Some months report no physical progress.
                    let reported = (rng.next(4) != 0).then_some(physical);
                    (planned, realised, reported)
                })
                .collect();
            (*unit, GenYear { pagu, months })
        })
        .collect()
}

fn bundle_of(year: &[(&'static str, GenYear)]) -> B {
    let mut b = B::new().sum("T1", "DP3A", 0.0, 100.0);
    for (unit, gen_year) in year {
        let months: Vec<Value> = gen_year
            .months
            .iter()
            .enumerate()
            .map(|(m, (planned, realised, physical))| {
                let mut month = json!({"month": m + 1, "planned": planned.to_string(), "realised": realised.to_string()});
                if let Some(p) = physical {
                    month["physical_pct"] = json!(p);
                }
                month
            })
            .collect();
        b = b.budget(json!({"unit": unit, "year": 2025, "pagu": gen_year.pagu.to_string(), "months": months}));
    }
    b
}

/// `part / whole x 100` rounded half away from zero to 2 decimals, in integers.
fn pct_text(part: u128, whole: u128) -> String {
    let hundredths = (part * 20_000 + whole) / (2 * whole);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

fn shown(value: Option<Decimal>) -> String {
    format!("{:.2}", value.expect("a percentage"))
}

#[test]
fn a_generated_year_month_by_month() {
    let year = generated();
    let region = bundle_of(&year).region();
    for month in 1..=12u32 {
        let figures: YearFigures = year_figures(&region, 2025, month);
        let (mut sum_pagu, mut sum_realised, mut sum_planned) = (0u128, 0u128, 0u128);
        for (unit, gen_year) in &year {
            let index = region.units.iter().position(|u| &u.code == unit).unwrap();
            let got: &BudgetFigures = figures.units[index].as_ref().expect("a budget");
            let to_date = &gen_year.months[..month as usize];
            let planned: u128 = to_date.iter().map(|m| m.0).sum();
            let realised: u128 = to_date.iter().map(|m| m.1).sum();
            assert_eq!(got.pagu.0, gen_year.pagu);
            assert_eq!(got.planned_to_date.0, planned, "{unit} month {month}");
            assert_eq!(got.realised_to_date.0, realised, "{unit} month {month}");
            let absorption = pct_text(realised, gen_year.pagu);
            assert_eq!(
                shown(got.absorption_pct),
                absorption,
                "{unit} month {month}"
            );
            let against = pct_text(realised, planned);
            assert_eq!(shown(got.against_plan_pct), against, "{unit} month {month}");
            let rating = Rating::of(absorption.parse().unwrap());
            assert_eq!(got.rating, Some(rating));
            let physical = to_date.iter().rev().find_map(|m| m.2);
            assert_eq!(got.physical_pct, physical.map(Decimal::from));
            // Flagged when below plan by more than the default margin of 10.
            let flagged = against.parse::<Decimal>().unwrap() < Decimal::from(90);
            assert_eq!(got.flagged, flagged, "{unit} month {month}");
            sum_pagu += gen_year.pagu;
            sum_realised += realised;
            sum_planned += planned;
        }
        // BAPPEDA has no budget: none, and not in the region's sums.
        let bappeda = region
            .units
            .iter()
            .position(|u| u.code == "BAPPEDA")
            .unwrap();
        assert!(figures.units[bappeda].is_none());
        let whole = figures.region.expect("region figures");
        assert_eq!(whole.pagu.0, sum_pagu);
        assert_eq!(whole.realised_to_date.0, sum_realised);
        assert_eq!(whole.planned_to_date.0, sum_planned);
        // Region absorption is sum realised over sum pagu, not a mean of percentages.
        assert_eq!(
            shown(whole.absorption_pct),
            pct_text(sum_realised, sum_pagu)
        );
    }
}

#[test]
fn the_engine_reports_the_same_figures_as_the_year() {
    let year = generated();
    let b = bundle_of(&year);
    let region = b.region();
    for (as_of, month) in [("2025-03-01", 3), ("2025-10-31", 10), ("2025-12-31", 12)] {
        let eval = b.eval(as_of);
        let figures = year_figures(&region, 2025, month);
        let expected = serde_json::to_value(figures.region.unwrap()).unwrap();
        assert_eq!(eval["summary"]["budget"], expected, "{as_of}");
        for (unit, got) in region.units.iter().zip(&figures.units) {
            let expected = serde_json::to_value(got).unwrap();
            assert_eq!(common::unit(&eval, &unit.code)["budget"], expected);
        }
    }
    // Another year has no figures at all.
    assert!(year_figures(&region, 2024, 12).region.is_none());
}

/// The newspaper's figure: 50.70% absorbed by the end of October.
#[test]
fn region_absorption_of_fifty_point_seven_at_the_end_of_october() {
    let month =
        |m: u32, realised: u64| json!({"month": m, "planned": realised, "realised": realised});
    let b = B::new()
        .sum("T1", "DP3A", 0.0, 100.0)
        .budget(
            json!({"unit": "DP3A", "year": 2025, "pagu": 2_000_000_000u64,
                       "months": [month(3, 400_000_000), month(10, 614_000_000)]}),
        )
        .budget(
            json!({"unit": "DLH", "year": 2025, "pagu": 3_000_000_000u64,
                       "months": [month(10, 1_521_000_000)]}),
        );
    let figures = year_figures(&b.region(), 2025, 10);
    let whole = figures.region.unwrap();
    assert_eq!(whole.realised_to_date.0, 2_535_000_000);
    assert_eq!(shown(whole.absorption_pct), "50.70");
    // September: only DP3A's March spending.
    let september = year_figures(&b.region(), 2025, 9).region.unwrap();
    assert_eq!(shown(september.absorption_pct), "8.00");
}

#[test]
fn rupiah_amounts_round_to_two_decimals_exactly() {
    let absorption = |pagu: u128, realised: u128| {
        let b = B::new()
            .sum("T1", "DP3A", 0.0, 100.0)
            .budget(json!({"unit": "DP3A", "year": 2025, "pagu": pagu.to_string(),
                           "months": [{"month": 1, "planned": pagu.to_string(), "realised": realised.to_string()}]}));
        let figures = year_figures(&b.region(), 2025, 1);
        let unit = figures.units[0].clone().unwrap();
        (unit.realised_to_date.0, shown(unit.absorption_pct))
    };
    assert_eq!(absorption(3, 1).1, "33.33");
    assert_eq!(absorption(3, 2).1, "66.67");
    // 1.005 % exactly: half away from zero gives 1.01 (a float reads 1.00499...).
    assert_eq!(absorption(200_000, 2_010).1, "1.01");
    // 0.005 % rounds up, 0.0025 % down.
    assert_eq!(absorption(20_000, 1).1, "0.01");
    assert_eq!(absorption(40_000, 1).1, "0.00");
    // Beyond 2^53 every rupiah still counts: one rupiah short of the pagu is not 100%.
    let pagu = 9_007_199_254_740_993u128; // 2^53 + 1
    let (realised, pct) = absorption(pagu, pagu - 1);
    assert_eq!(realised, pagu - 1);
    assert_eq!(pct, "100.00");
    let pagu = 100_000_000_000_000_000_000u128; // 10^20 rupiah
    let (realised, pct) = absorption(pagu, pagu / 2 + 1);
    assert_eq!(realised, 50_000_000_000_000_000_001);
    assert_eq!(pct, "50.00");
    // 1.005 % of 10^20: exactly half way, away from zero.
    assert_eq!(absorption(pagu, pagu / 100_000 * 1_005).1, "1.01");
}
