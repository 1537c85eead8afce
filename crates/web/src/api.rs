//! The JSON API under `/api/v1`: the same rules and the same engine as the pages.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::access::CurrentUser;
use crate::error::PageError;
use crate::pages::{ViewQuery, evaluate_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/programs/{code}/evaluation", get(evaluation))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pantau API",
        version = "1",
        description = "Plans, reports and evaluations of a pemda's units."
    ),
    paths(evaluation),
    components(schemas(ApiError))
)]
struct ApiDoc;

/// The OpenAPI 3.1 document of this API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}

/// An error as the API reports it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Machine-readable: `unauthorized`, `forbidden`, `not_found`, `bad_request`, `internal`.
    error: String,
    message: String,
}

pub struct ApiFailure(PageError);

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (status, error, message) = match self.0 {
            PageError::LoginRequired => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "log in first".to_owned(),
            ),
            PageError::Forbidden | PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this".to_owned(),
            ),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such record".to_owned(),
            ),
            PageError::BadRequest(message) => (StatusCode::BAD_REQUEST, "bad_request", message),
            PageError::Internal(detail) => {
                tracing::error!("api error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the error has been logged".to_owned(),
                )
            }
        };
        (
            status,
            Json(ApiError {
                error: error.into(),
                message,
            }),
        )
            .into_response()
    }
}

impl From<PageError> for ApiFailure {
    fn from(err: PageError) -> Self {
        ApiFailure(err)
    }
}

/// The logged-in user of an API call; 401 (not a redirect) when there is none.
pub struct ApiUser(CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(ApiFailure)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EvaluationQuery {
    /// `YYYY-MM-DD` (the end of that local day) or an RFC 3339 moment; default now.
    as_of: Option<String>,
}

/// The evaluation of a program of the caller's region, as `pantau evaluate` prints it.
#[utoipa::path(
    get,
    path = "/api/v1/programs/{code}/evaluation",
    params(("code" = String, Path, description = "Program code, e.g. 100HK"), EvaluationQuery),
    responses(
        (status = 200, description = "The evaluation document of bundle.md", content_type = "application/json"),
        (status = 400, description = "A bad as_of", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such program", body = ApiError)
    )
)]
async fn evaluation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Query(query): Query<EvaluationQuery>,
) -> Result<Response, ApiFailure> {
    let evaluated = evaluate_for(
        &state,
        &user,
        &ViewQuery {
            program: Some(code),
            as_of: query.as_of,
        },
    )
    .await?;
    Ok(Json(evaluated.evaluation).into_response())
}
