//! Report downloads (XLSX, CSV, PDF) over the API: the same files as the
//! reports page, for any caller of the region (token or session).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiPath, ApiQuery, ApiUser};
use crate::AppState;
use crate::reads::Reads;
use crate::service::reports::{DownloadQuery, make_download};

pub fn routes() -> Router<AppState> {
    Router::new().route("/programs/{code}/report", get(report))
}

/// The file's format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// A workbook of every table.
    Xlsx,
    /// One table, named by `table`.
    Csv,
    /// A document to sign.
    Pdf,
}

/// Which evaluation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The evaluation at `as_of` (default).
    Export,
    /// The final evaluation; default `as_of` the program's end date, refused before it.
    Final,
}

/// A table of the report, for `format=csv`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportTable {
    Summary,
    Units,
    Targets,
    Compliance,
    Entries,
    NilReports,
    /// Only when a unit has a budget.
    Budget,
}

/// A serde name as the page logic takes it.
fn name_of(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    format: ReportFormat,
    kind: Option<ReportKind>,
    /// `YYYY-MM-DD` (the end of that local day) or an RFC 3339 moment; default now.
    as_of: Option<String>,
    /// Needed with `format=csv`.
    table: Option<ReportTable>,
}

/// A program's evaluation or final evaluation as a file: an XLSX workbook
/// (summary, units, targets, compliance, entries, budget), one CSV table, or
/// a PDF to sign.
#[utoipa::path(
    get,
    path = "/api/v1/programs/{code}/report",
    params(("code" = String, Path, description = "Program code, e.g. 100HK"), ReportQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The file in the asked format", content(
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("text/csv"),
            ("application/pdf")
        )),
        (status = 400, description = "A format, kind or table not in its list, named", body = ApiError),
        (status = 404, description = "No such program", body = ApiError),
        (status = 422, description = "A bad as_of; no table with format=csv, or a budget table without budgets; a final evaluation before the end date", body = ApiError)
    )
)]
async fn report(
    State(state): State<AppState>,
    caller: ApiUser,
    reads: Reads,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiFailure> {
    let download = make_download(
        &state,
        &reads,
        &caller.user.region,
        &DownloadQuery {
            program: Some(code),
            as_of: query.as_of,
            format: name_of(query.format),
            kind: query.kind.map(name_of),
            table: query.table.map(name_of),
        },
    )
    .await?;
    Ok(download.into_response())
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(report),
    components(schemas(ReportFormat, ReportKind, ReportTable))
)]
pub struct Doc;
