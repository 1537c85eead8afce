//! Budget figures and absorption over the API.
//!
//! Figures are the engine's (`pantau_domain::budget::year_figures`), written as
//! in the evaluation output: amounts as strings of whole rupiah, percentages
//! as numbers rounded to 2 decimals. Rights as on the pages: everyone of the
//! region reads; BPKAD writes any unit's month, an operator its own unit's.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pantau_domain::bundle::Rupiah;
use pantau_domain::evaluation::BudgetFigures;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiJson, ApiPath, ApiQuery, ApiUser, EntryState};
use crate::AppState;
use crate::error::PageError;
use crate::service::budgets::{self, MonthInput, Writer, month_writer, year_and_month};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/budgets", get(region_budgets))
        .route("/budgets/{unit}", get(unit_budget))
        .route(
            "/budgets/{unit}/{year}/{month}",
            axum::routing::put(put_month),
        )
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(region_budgets, unit_budget, put_month),
    components(schemas(MonthRequest, MonthSaved, EntryState))
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetQuery {
    /// Fiscal year; default the latest with budgets.
    #[param(minimum = 1900, maximum = 9999)]
    year: Option<i32>,
    /// The figures run to the end of this month; default the latest month with figures.
    #[param(minimum = 1, maximum = 12)]
    month: Option<u32>,
}

/// A year and a month in their ranges, as the page logic takes them.
fn checked(
    year: Option<i32>,
    month: Option<u32>,
) -> Result<(Option<String>, Option<String>), ApiFailure> {
    if let Some(y) = year.filter(|y| !(1900..=9999).contains(y)) {
        return Err(ApiFailure::bad_request(format!(
            "year: {y} is not from 1900 to 9999"
        )));
    }
    if let Some(m) = month.filter(|m| !(1..=12).contains(m)) {
        return Err(ApiFailure::bad_request(format!(
            "month: {m} is not from 1 to 12"
        )));
    }
    Ok((year.map(|y| y.to_string()), month.map(|m| m.to_string())))
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
        (status = 400, description = "A year or month out of range, named", body = ApiError)
    )
)]
async fn region_budgets(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiQuery(query): ApiQuery<BudgetQuery>,
) -> Result<Response, ApiFailure> {
    let region = state
        .evaluations
        .region(state.store.as_ref(), &caller.user.region)
        .await?;
    let (year, month) = checked(query.year, query.month)?;
    let (year, month) = year_and_month(&region, year.as_deref(), month.as_deref())?;
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
    #[param(minimum = 1900, maximum = 9999)]
    year: Option<i32>,
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
        (status = 400, description = "A year out of range", body = ApiError),
        (status = 404, description = "No such unit, or no budget that year", body = ApiError)
    )
)]
async fn unit_budget(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(unit): ApiPath<String>,
    ApiQuery(query): ApiQuery<YearQuery>,
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
    let (year, _) = checked(query.year, None)?;
    let (year, _) = year_and_month(&region, year.as_deref(), Some("12"))?;
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
    /// Anggaran kas for the month (BPKAD only: 403 for an operator); left
    /// out, the month keeps its plan.
    #[schema(schema_with = rupiah_schema, required = false)]
    #[serde(default, deserialize_with = "some_amount")]
    planned: Option<Rupiah>,
    /// Realised spending in the month.
    #[schema(schema_with = rupiah_schema)]
    #[serde(deserialize_with = "amount")]
    realised: Rupiah,
    /// Physical progress, 0 to 100, at most 2 decimals.
    #[schema(schema_with = pct_schema, required = false)]
    physical_pct: Option<Decimal>,
}

/// Whole rupiah as JSON Schema counts an integer: `12`, `12.0` or `"12"`.
fn amount<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Rupiah, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(n) if n.as_u64().is_none() => match n.as_f64() {
            Some(v) if v >= 0.0 && v.fract() == 0.0 && v <= MAX_AMOUNT as f64 => {
                Ok(Rupiah(v as u128))
            }
            _ => Err(D::Error::custom(format!(
                "{n} is not whole rupiah: a non-negative integer or a string of digits"
            ))),
        },
        other => Rupiah::deserialize(other).map_err(D::Error::custom),
    }
}

fn some_amount<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Rupiah>, D::Error> {
    Option::<serde_json::Value>::deserialize(deserializer)?
        .map(|value| amount(value).map_err(serde::de::Error::custom))
        .transpose()
}

/// The largest amount the API takes: under a thousand trillion rupiah.
const MAX_AMOUNT: u128 = 999_999_999_999_999;

/// Whole rupiah: a non-negative JSON integer or a string of digits.
fn rupiah_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(MAX_AMOUNT as f64)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]{1,15}$")),
        )
        .description(Some(
            "Whole rupiah, at most 999999999999999: a non-negative integer or a string of digits",
        ))
        .build()
        .into()
}

/// A percentage from 0 to 100 with at most 2 decimals, a number or a string of one; or null.
fn pct_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(0))
                .maximum(Some(100))
                .multiple_of(Some(0.01)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$")),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("Physical progress, 0 to 100, at most 2 decimals"))
        .build()
        .into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthSaved {
    /// `verified` when BPKAD wrote it, `submitted` when the unit did.
    status: EntryState,
}

/// Write a unit's month: BPKAD for any unit (verified), an operator for its
/// own unit (submitted, waiting for BPKAD). Needs an API token.
#[utoipa::path(
    put,
    path = "/api/v1/budgets/{unit}/{year}/{month}",
    params(
        ("unit" = String, Path, description = "Unit code"),
        ("year" = i32, Path, description = "Fiscal year", minimum = 1900, maximum = 9999),
        ("month" = u32, Path, description = "1 to 12", minimum = 1, maximum = 12)
    ),
    request_body = MonthRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved", body = MonthSaved),
        (status = 400, description = "A figure or path segment of the wrong form or out of range, naming it", body = ApiError),
        (status = 403, description = "Neither BPKAD nor the unit's operator; an operator sending `planned`", body = ApiError),
        (status = 404, description = "No such unit", body = ApiError),
        (status = 422, description = "Refused by a rule of the budget, naming the field", body = ApiError)
    )
)]
async fn put_month(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath((unit, year, month)): ApiPath<(String, i32, u32)>,
    body: Result<ApiJson<MonthRequest>, ApiFailure>,
) -> Result<Response, ApiFailure> {
    caller.writer()?;
    let Some(writer) = month_writer(&caller.user, &unit) else {
        return Err(crate::access::deny(&state, &caller.user, "budget.month")
            .await
            .into());
    };
    let ApiJson(mut body) = body?;
    checked(Some(year), Some(month))?;
    // A JSON number is binary: 0.57 may arrive as 0.5700000000000001.
    body.physical_pct = body.physical_pct.map(|p| p.round_dp(10).normalize());
    for (field, amount) in [("planned", body.planned), ("realised", Some(body.realised))] {
        if let Some(amount) = amount.filter(|a| a.0 > MAX_AMOUNT) {
            return Err(ApiFailure::bad_request(format!(
                "{field}: {amount} is more than {MAX_AMOUNT}"
            )));
        }
    }
    if let Some(p) = body.physical_pct {
        if p.scale() > 2 {
            return Err(ApiFailure::bad_request(format!(
                "physical_pct: {p} has more than 2 decimals"
            )));
        }
        if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
            return Err(ApiFailure::bad_request(format!(
                "physical_pct: {p} is not from 0 to 100"
            )));
        }
    }
    if writer == Writer::Unit && body.planned.is_some() {
        return Err(ApiFailure::new(
            super::ErrorCode::Forbidden,
            "planned: the plan (anggaran kas) is set by BPKAD; send realised and physical_pct",
        ));
    }
    let input = MonthInput {
        planned: body.planned,
        realised: body.realised,
        physical_pct: body.physical_pct,
    };
    budgets::write_month(&state, &caller.user, &unit, writer, year, month, input).await?;
    let status = match writer {
        Writer::Finance => EntryState::Verified,
        Writer::Unit => EntryState::Submitted,
    };
    Ok(Json(MonthSaved { status }).into_response())
}
