//! Budget figures (serapan anggaran): who may write a unit's month, the
//! checks on what is written, and the writes themselves. The pages and the
//! API call these; every figure shown comes from the engine's
//! `pantau_domain::budget::year_figures`.

use chrono::Datelike;
use pantau_domain::bundle::Rupiah;
use pantau_domain::model::Region;
use pantau_store::budgets::{MonthEntry, MonthFigures};
use pantau_store::{Review, Role, User};
use rust_decimal::Decimal;

use crate::AppState;
use crate::access::{FinanceOf, actor_of, operator_of};
use crate::budget_import;
use crate::error::PageError;

/// Who may write a unit's month, and so what they may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// BPKAD: every figure of every unit of its region; verified at once.
    Finance,
    /// The unit's own operator: realised and physical; waits for BPKAD.
    Unit,
}

pub fn month_writer(user: &User, unit: &str) -> Option<Writer> {
    if user.role == Role::Finance {
        return Some(Writer::Finance);
    }
    operator_of(user)
        .filter(|op| op.unit == unit)
        .map(|_| Writer::Unit)
}

/// The fiscal years the region has budgets for, newest last; this year when none.
pub fn years_of(region: &Region) -> Vec<i32> {
    let years = pantau_domain::budget::years(region);
    if years.is_empty() {
        vec![chrono::Utc::now().with_timezone(&region.timezone).year()]
    } else {
        years
    }
}

/// The latest month of `year` with spending or physical progress; December when none.
pub fn latest_month(region: &Region, year: i32) -> u32 {
    region
        .budgets
        .iter()
        .filter(|b| b.year == year)
        .flat_map(|b| {
            b.months
                .iter()
                .enumerate()
                .filter(|(_, m)| m.realised > 0 || m.physical_pct.is_some())
                .map(|(i, _)| i as u32 + 1)
        })
        .max()
        .unwrap_or(12)
}

pub fn parse_year(text: Option<&str>) -> Result<Option<i32>, PageError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .map(Some)
            .ok_or_else(|| PageError::BadRequest(format!("year: \"{t}\" is not a year"))),
    }
}

pub fn parse_month(text: Option<&str>) -> Result<Option<u32>, PageError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|m| pantau_domain::rules::check_month(*m).is_ok())
            .map(Some)
            .ok_or_else(|| {
                PageError::BadRequest(format!("month: \"{t}\" is not a month from 1 to 12"))
            }),
    }
}

/// The year and month asked for, or the latest with figures.
pub fn year_and_month(
    region: &Region,
    year: Option<&str>,
    month: Option<&str>,
) -> Result<(i32, u32), PageError> {
    let year = match parse_year(year)? {
        Some(y) => y,
        None => *years_of(region).last().expect("at least one year"),
    };
    let month = match parse_month(month)? {
        Some(m) => m,
        None => latest_month(region, year),
    };
    Ok((year, month))
}

/// A form field that must be whole rupiah, named in the refusal.
pub fn amount_field(field: &str, text: &str) -> Result<Rupiah, PageError> {
    budget_import::parse_amount(text).map_err(|r| PageError::BadRequest(format!("{field}: {r}")))
}

pub fn pct_field(field: &str, text: &str) -> Result<Option<Decimal>, PageError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    budget_import::parse_pct(text)
        .map(Some)
        .map_err(|r| PageError::BadRequest(format!("{field}: {r}")))
}

/// The plan a month has: what a blank plan field keeps, rather than erase it.
pub async fn kept_plan(
    state: &AppState,
    region: &str,
    unit: &str,
    year: i32,
    month: u32,
) -> Result<Rupiah, PageError> {
    Ok(state
        .store
        .budget_year(region, unit, year)
        .await?
        .and_then(|y| y.months.into_iter().find(|m| m.month == month))
        .map(|m| m.planned)
        .unwrap_or_default())
}

/// A month's figures as asked: a plan left out keeps the month's plan.
#[derive(Debug, Clone, Default)]
pub struct MonthInput {
    pub planned: Option<Rupiah>,
    pub realised: Rupiah,
    pub physical_pct: Option<Decimal>,
}

/// Write a unit's month as `writer` may: BPKAD every figure (verified at
/// once), the unit's operator realised spending and physical progress (waiting
/// for BPKAD). Returns whether it waits for review.
pub async fn write_month(
    state: &AppState,
    user: &User,
    unit: &str,
    writer: Writer,
    year: i32,
    month: u32,
    input: MonthInput,
) -> Result<bool, PageError> {
    if parse_month(Some(&month.to_string()))?.is_none() {
        return Err(PageError::BadRequest(
            "month: a month from 1 to 12 is needed".into(),
        ));
    }
    if let Some(p) = input.physical_pct
        && p.normalize().scale() > 2
    {
        return Err(PageError::BadRequest(format!(
            "physical_pct: {p} has more than 2 decimals"
        )));
    }
    let entry = match writer {
        Writer::Finance => MonthEntry::Finance(MonthFigures {
            planned: match input.planned {
                Some(planned) => planned,
                None => kept_plan(state, &user.region, unit, year, month).await?,
            },
            realised: input.realised,
            physical_pct: input.physical_pct,
        }),
        Writer::Unit if input.planned.is_some() => {
            return Err(PageError::BadRequest(
                "planned: the plan (anggaran kas) is set by BPKAD; send realised and physical_pct"
                    .into(),
            ));
        }
        Writer::Unit => MonthEntry::Unit {
            realised: input.realised,
            physical_pct: input.physical_pct,
        },
    };
    state
        .store
        .set_budget_month(&user.region, unit, year, month, &entry, &actor_of(user))
        .await?;
    Ok(writer == Writer::Unit)
}

/// BPKAD sets a unit's pagu for a year.
pub async fn set_pagu(
    state: &AppState,
    finance: &FinanceOf<'_>,
    unit: &str,
    year: i32,
    pagu: Rupiah,
) -> Result<(), PageError> {
    state
        .store
        .set_budget_pagu(
            &finance.user.region,
            unit,
            year,
            pagu,
            &actor_of(finance.user),
        )
        .await?;
    Ok(())
}

/// BPKAD verifies or returns a month a unit entered.
pub async fn review_month(
    state: &AppState,
    finance: &FinanceOf<'_>,
    unit: &str,
    year: i32,
    month: u32,
    decision: &Review,
) -> Result<(), PageError> {
    state
        .store
        .review_budget_month(
            &finance.user.region,
            unit,
            year,
            month,
            decision,
            &actor_of(finance.user),
        )
        .await?;
    Ok(())
}
