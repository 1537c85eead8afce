//! The public API: a region's published programs and their evaluation,
//! counting verified entries only, for anyone without a token. A program
//! that is not published answers 404 as an unknown one does.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::EvaluationQuery;
use super::contract::{ApiFailure, ApiPath, ApiQuery};
use crate::AppState;
use crate::pages::public::{evaluate_public, public_region};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/{region}/programs", get(programs))
        .route(
            "/public/{region}/programs/{code}/evaluation",
            get(evaluation),
        )
}

#[derive(OpenApi)]
#[openapi(paths(programs, evaluation), components(schemas(PublicProgram)))]
pub struct Doc;

/// A published program of a region.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProgram {
    code: String,
    name: String,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    targets: usize,
    published_at: chrono::DateTime<chrono::Utc>,
    /// The licence of the region's open data (an SPDX identifier).
    #[schema(example = "CC-BY-4.0")]
    licence: String,
}

/// The published programs of a region (no log-in).
#[utoipa::path(get, path = "/api/v1/public/{region}/programs",
    params(("region" = String, Path, description = "Region code, e.g. 3275")),
    security(()),
    responses((status = 200, description = "The published programs", body = [PublicProgram]),
        (status = 404, description = "No such region", body = super::ApiError)))]
async fn programs(
    State(state): State<AppState>,
    ApiPath(region): ApiPath<String>,
) -> Result<Json<Vec<PublicProgram>>, ApiFailure> {
    let public = public_region(&state, &region).await?;
    Ok(Json(
        public
            .published
            .iter()
            .map(|(ix, publication)| {
                let p = &public.region.programs[*ix];
                PublicProgram {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    start: p.calendar.start,
                    end: p.calendar.end,
                    targets: p.targets.len(),
                    published_at: publication.published_at,
                    licence: public.licence.clone(),
                }
            })
            .collect(),
    ))
}

/// The evaluation of a published program, verified entries only, as
/// `pantau evaluate --verified-only` prints it (no log-in).
#[utoipa::path(get, path = "/api/v1/public/{region}/programs/{code}/evaluation",
    params(("region" = String, Path, description = "Region code, e.g. 3275"),
        ("code" = String, Path, description = "Program code, e.g. 100HK"), EvaluationQuery),
    security(()),
    responses(
        (status = 200, description = "The evaluation document of bundle.md, verified entries only", content_type = "application/json"),
        (status = 404, description = "No such region, or no such published program", body = super::ApiError),
        (status = 422, description = "An as_of that is neither a date nor an RFC 3339 moment", body = super::ApiError)
    ))]
async fn evaluation(
    State(state): State<AppState>,
    ApiPath((region, code)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<EvaluationQuery>,
) -> Result<Response, ApiFailure> {
    let public = public_region(&state, &region).await?;
    let ix = public.program(&code)?;
    let evaluated = evaluate_public(&state, &public, ix, query.as_of.as_deref())?;
    Ok(Json(&*evaluated.evaluation).into_response())
}
