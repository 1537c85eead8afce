//! Budget figures and absorption over the API.
//!
//! Figures are the engine's (`pantau_domain::budget::year_figures`), written as
//! in the evaluation output: amounts as strings of whole rupiah, percentages
//! as numbers rounded to 2 decimals. Rights as on the pages: everyone of the
//! region reads; BPKAD writes any unit's month, an operator its own unit's.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pantau_domain::bundle::Rupiah;
use pantau_domain::evaluation::BudgetFigures;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiUser};
use crate::AppState;
use crate::error::PageError;
use crate::service::budgets::{
    self, MonthInput, Writer, month_writer, parse_month, parse_year, year_and_month,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/budgets", get(region_budgets))
        .route("/budgets/{unit}", get(unit_budget))
        .route(
            "/budgets/{unit}/{year}/{month}",
            axum::routing::put(put_month).post(put_month),
        )
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(region_budgets, unit_budget, put_month),
    components(schemas(MonthRequest, MonthSaved))
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetQuery {
    /// Fiscal year; default the latest with budgets.
    year: Option<String>,
    /// 1 to 12: the figures run to the end of this month; default the latest month with figures.
    month: Option<String>,
}

#[derive(Serialize)]
struct UnitFigures<'a> {
    code: &'a str,
    name: &'a str,
    budget: &'a BudgetFigures,
}

#[derive(Serialize)]
struct RegionBudgets<'a> {
    year: i32,
    month: u32,
    /// Sum realised over sum pagu of the units with a budget; null when none has one.
    region: Option<&'a BudgetFigures>,
    /// The units with a budget that year, in the region's order.
    units: Vec<UnitFigures<'a>>,
}

/// The region's and every unit's absorption for a year, to the end of a month.
#[utoipa::path(
    get,
    path = "/api/v1/budgets",
    params(BudgetQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "`{year, month, region, units: [{code, name, budget}]}`; `budget` objects as in the evaluation output", content_type = "application/json"),
        (status = 400, description = "A bad year or month", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError)
    )
)]
async fn region_budgets(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(query): Query<BudgetQuery>,
) -> Result<Response, ApiFailure> {
    let region = state
        .evaluations
        .region(state.store.as_ref(), &caller.user.region)
        .await?;
    let (year, month) = year_and_month(&region, query.year.as_deref(), query.month.as_deref())?;
    let figures = pantau_domain::budget::year_figures(&region, year, month);
    let body = RegionBudgets {
        year,
        month,
        region: figures.region.as_ref(),
        units: region
            .units
            .iter()
            .zip(&figures.units)
            .filter_map(|(unit, f)| {
                f.as_ref().map(|budget| UnitFigures {
                    code: &unit.code,
                    name: &unit.name,
                    budget,
                })
            })
            .collect(),
    };
    Ok(Json(body).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Fiscal year; default the latest with budgets.
    year: Option<String>,
}

#[derive(Serialize)]
struct MonthOut {
    month: u32,
    planned: Rupiah,
    realised: Rupiah,
    #[serde(serialize_with = "rounded")]
    physical_pct: Option<Decimal>,
    /// `submitted`, `verified` or `returned` (a returned month does not count).
    status: &'static str,
    entered_by: Option<String>,
    return_reason: Option<String>,
    /// The engine's figures to the end of this month.
    to_date: Option<BudgetFigures>,
}

fn rounded<S: serde::Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    match value {
        Some(v) => s.serialize_f64(
            pantau_domain::rating::round2(*v)
                .to_f64()
                .unwrap_or_default(),
        ),
        None => s.serialize_none(),
    }
}

#[derive(Serialize)]
struct UnitYear {
    unit: String,
    year: i32,
    pagu: Rupiah,
    months: Vec<MonthOut>,
}

/// A unit's year: pagu, every stored month with its review status, and the
/// engine's figures to the end of each month.
#[utoipa::path(
    get,
    path = "/api/v1/budgets/{unit}",
    params(("unit" = String, Path, description = "Unit code, e.g. DP3A"), YearQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "`{unit, year, pagu, months: [{month, planned, realised, physical_pct, status, entered_by, return_reason, to_date}]}`", content_type = "application/json"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such unit, or no budget that year", body = ApiError)
    )
)]
async fn unit_budget(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(unit): Path<String>,
    Query(query): Query<YearQuery>,
) -> Result<Response, ApiFailure> {
    let region = state
        .evaluations
        .region(state.store.as_ref(), &caller.user.region)
        .await?;
    let position = region
        .units
        .iter()
        .position(|u| u.code == unit)
        .ok_or(PageError::NotFound)?;
    let (year, _) = year_and_month(&region, query.year.as_deref(), Some("12"))?;
    let stored = state
        .store
        .budget_year(&caller.user.region, &unit, year)
        .await
        .map_err(PageError::from)?
        .ok_or(PageError::NotFound)?;
    let months = stored
        .months
        .into_iter()
        .map(|m| MonthOut {
            to_date: pantau_domain::budget::year_figures(&region, year, m.month).units[position]
                .clone(),
            month: m.month,
            planned: m.planned,
            realised: m.realised,
            physical_pct: m.physical_pct,
            status: m.status.code(),
            entered_by: m.entered_by,
            return_reason: m.return_reason,
        })
        .collect();
    Ok(Json(UnitYear {
        unit,
        year,
        pagu: stored.pagu,
        months,
    })
    .into_response())
}

/// A month's figures. Amounts are whole rupiah, as a JSON integer or a string
/// of digits. An operator sends `realised` and `physical_pct` only: the plan is BPKAD's.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MonthRequest {
    /// Anggaran kas for the month (BPKAD only); left out, the month keeps its plan.
    #[schema(value_type = Option<String>, example = "2475000000")]
    planned: Option<Rupiah>,
    #[schema(value_type = String, example = "2823619000")]
    realised: Rupiah,
    /// 0 to 100, at most 2 decimals.
    #[schema(value_type = Option<f64>, example = 75.5)]
    physical_pct: Option<Decimal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthSaved {
    /// `verified` when BPKAD wrote it, `submitted` when the unit did.
    status: String,
}

/// Write a unit's month: BPKAD for any unit (verified), an operator for its
/// own unit (submitted, waiting for BPKAD). Needs an API token.
#[utoipa::path(
    put,
    path = "/api/v1/budgets/{unit}/{year}/{month}",
    params(
        ("unit" = String, Path, description = "Unit code"),
        ("year" = i32, Path, description = "Fiscal year"),
        ("month" = u32, Path, description = "1 to 12")
    ),
    request_body = MonthRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved", body = MonthSaved),
        (status = 400, description = "A refused figure, naming the field", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Neither BPKAD nor the unit's operator", body = ApiError),
        (status = 404, description = "No such unit", body = ApiError)
    )
)]
async fn put_month(
    State(state): State<AppState>,
    caller: ApiUser,
    Path((unit, year, month)): Path<(String, String, String)>,
    body: Result<Json<MonthRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiFailure> {
    caller.writer()?;
    let Some(writer) = month_writer(&caller.user, &unit) else {
        return Err(crate::access::deny(&state, &caller.user, "budget.month")
            .await
            .into());
    };
    let Json(body) = body.map_err(|e| PageError::BadRequest(e.body_text()))?;
    let year = parse_year(Some(&year))?
        .ok_or_else(|| PageError::BadRequest("year: a year is needed".into()))?;
    let month = parse_month(Some(&month))?
        .ok_or_else(|| PageError::BadRequest("month: a month from 1 to 12 is needed".into()))?;
    let input = MonthInput {
        planned: body.planned,
        realised: body.realised,
        physical_pct: body.physical_pct,
    };
    budgets::write_month(&state, &caller.user, &unit, writer, year, month, input).await?;
    let status = match writer {
        Writer::Finance => "verified",
        Writer::Unit => "submitted",
    };
    Ok(Json(MonthSaved {
        status: status.into(),
    })
    .into_response())
}
