//! Report downloads (XLSX, CSV, PDF) over the API: the same files as the
//! reports page, for any caller of the region (token or session).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::{ApiError, ApiFailure, ApiUser};
use crate::AppState;
use crate::service::reports::{DownloadQuery, make_download};

pub fn routes() -> Router<AppState> {
    Router::new().route("/programs/{code}/report", get(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `xlsx`, `csv` or `pdf`.
    format: String,
    /// `export` (the evaluation at `as_of`, default) or `final` (the final
    /// evaluation; default `as_of` the program's end date, refused before it).
    kind: Option<String>,
    /// `YYYY-MM-DD` (the end of that local day) or an RFC 3339 moment; default now.
    as_of: Option<String>,
    /// With `format=csv`: `summary`, `units`, `targets`, `compliance`, `entries`,
    /// `nil_reports` or `budget`.
    table: Option<String>,
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
        (status = 400, description = "A bad format, kind, table or as_of; a final evaluation before the end date", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such program", body = ApiError)
    )
)]
async fn report(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(code): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiFailure> {
    let download = make_download(
        &state,
        &caller.user.region,
        &DownloadQuery {
            program: Some(code),
            as_of: query.as_of,
            format: query.format,
            kind: query.kind,
            table: query.table,
        },
    )
    .await?;
    Ok(download.into_response())
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(paths(report))]
pub struct Doc;
