//! The JSON API under `/api/v1`: the same rules and the same engine as the pages.

mod budget;
mod meetings;
mod reports;

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
use crate::service::figures::{ViewQuery, evaluate_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/programs", get(programs))
        .route("/programs/{code}/evaluation", get(evaluation))
        .route("/entries", get(list_entries).post(create_entry))
        .route("/entries/{id}/review", axum::routing::post(review_entry))
        .merge(meetings::routes())
        .merge(budget::routes())
        .merge(reports::routes())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pantau API",
        version = "1",
        description = "Plans, reports and evaluations of a pemda's units."
    ),
    paths(programs, evaluation, list_entries, create_entry, review_entry),
    components(schemas(ApiError, ProgramInfo, EntryInfo, NewEntryRequest, ReviewRequest, Created)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI 3.1 document of this API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(meetings::Doc::openapi());
    document.merge(budget::Doc::openapi());
    document.merge(reports::Doc::openapi());
    document
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

/// The caller of an API call: a bearer token (`Authorization: Bearer
/// pantau_...`) or the pages' session. 401, not a redirect, when neither.
pub struct ApiUser {
    user: pantau_store::User,
    /// Writes need a token: a session cookie alone would let another site post.
    by_token: bool,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            return match state
                .store
                .user_by_api_token(token)
                .await
                .map_err(PageError::from)?
            {
                Some(user) if !user.disabled => Ok(ApiUser {
                    user,
                    by_token: true,
                }),
                _ => Err(ApiFailure(PageError::LoginRequired)),
            };
        }
        let current = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(ApiFailure)?;
        Ok(ApiUser {
            user: current.user,
            by_token: false,
        })
    }
}

impl ApiUser {
    fn writer(&self) -> Result<(), ApiFailure> {
        if self.by_token {
            Ok(())
        } else {
            Err(ApiFailure(PageError::BadRequest(
                "writes through the API need an API token (Authorization: Bearer ...)".into(),
            )))
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    /// `YYYY-MM-DD` (the end of that local day) or an RFC 3339 moment; default now.
    as_of: Option<String>,
}

/// The evaluation of a program of the caller's region, as `pantau evaluate` prints it.
#[utoipa::path(
    get,
    path = "/api/v1/programs/{code}/evaluation",
    params(("code" = String, Path, description = "Program code, e.g. 100HK"), EvaluationQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The evaluation document of bundle.md", content_type = "application/json"),
        (status = 400, description = "A bad as_of", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such program", body = ApiError)
    )
)]
async fn evaluation(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(code): Path<String>,
    Query(query): Query<EvaluationQuery>,
) -> Result<Response, ApiFailure> {
    let evaluated = evaluate_for(
        &state,
        &caller.user.region,
        &ViewQuery {
            program: Some(code),
            as_of: query.as_of,
        },
    )
    .await?;
    Ok(Json(&*evaluated.evaluation).into_response())
}

/// A program of the caller's region.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramInfo {
    code: String,
    name: String,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    targets: usize,
}

/// The programs of the caller's region.
#[utoipa::path(get, path = "/api/v1/programs", security(("token" = [])),
    responses((status = 200, body = [ProgramInfo]), (status = 401, body = ApiError)))]
async fn programs(
    State(state): State<AppState>,
    caller: ApiUser,
) -> Result<Json<Vec<ProgramInfo>>, ApiFailure> {
    let region = state
        .evaluations
        .region(state.store.as_ref(), &caller.user.region)
        .await?;
    Ok(Json(
        region
            .programs
            .iter()
            .map(|p| ProgramInfo {
                code: p.code.clone(),
                name: p.name.clone(),
                start: p.calendar.start,
                end: p.calendar.end,
                targets: p.targets.len(),
            })
            .collect(),
    ))
}

/// An entry (realisasi) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryInfo {
    id: i64,
    program: String,
    target: String,
    unit: String,
    activity_date: chrono::NaiveDate,
    submitted_at: chrono::DateTime<chrono::Utc>,
    /// Decimal as a string, exact.
    value: String,
    /// `submitted`, `verified` or `returned`.
    status: String,
    note: Option<String>,
    return_reason: Option<String>,
}

impl From<pantau_store::EntryRow> for EntryInfo {
    fn from(e: pantau_store::EntryRow) -> Self {
        EntryInfo {
            id: e.id,
            program: e.program,
            target: e.target,
            unit: e.unit,
            activity_date: e.activity_date,
            submitted_at: e.submitted_at,
            value: e.value.normalize().to_string(),
            status: serde_json::to_value(e.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            note: e.note,
            return_reason: e.return_reason,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    program: Option<String>,
    unit: Option<String>,
    target: Option<String>,
    /// `submitted`, `verified` or `returned`.
    status: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<i64>,
}

/// Entries of the caller's region, newest first.
#[utoipa::path(get, path = "/api/v1/entries", params(EntriesQuery), security(("token" = [])),
    responses((status = 200, body = [EntryInfo]), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
async fn list_entries(
    State(state): State<AppState>,
    caller: ApiUser,
    Query(query): Query<EntriesQuery>,
) -> Result<Json<Vec<EntryInfo>>, ApiFailure> {
    let status = query
        .status
        .as_deref()
        .map(|s| {
            serde_json::from_value(serde_json::Value::String(s.to_owned()))
                .map_err(|_| PageError::BadRequest(format!("status: unknown status \"{s}\"")))
        })
        .transpose()?;
    let filter = pantau_store::EntryFilter {
        program: query.program,
        unit: query.unit,
        target: query.target,
        status,
        clusters: None,
        limit: Some(query.limit.unwrap_or(100).clamp(1, 1000)),
    };
    let rows = state
        .store
        .entries(&caller.user.region, &filter)
        .await
        .map_err(PageError::from)?;
    Ok(Json(rows.into_iter().map(EntryInfo::from).collect()))
}

/// A report an operator submits for a target of its unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEntryRequest {
    program: String,
    target: String,
    /// `YYYY-MM-DD`, inside the program and not in the future.
    activity_date: String,
    /// A number, e.g. `12` or `12.5` (a JSON number or a string).
    value: serde_json::Value,
    note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Submit an entry (operators, for their own unit; API token required).
#[utoipa::path(post, path = "/api/v1/entries", request_body = NewEntryRequest, security(("token" = [])),
    responses((status = 201, body = Created), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
async fn create_entry(
    State(state): State<AppState>,
    caller: ApiUser,
    Json(request): Json<NewEntryRequest>,
) -> Result<(axum::http::StatusCode, Json<Created>), ApiFailure> {
    caller.writer()?;
    let Some(op) = crate::access::operator_of(&caller.user) else {
        return Err(
            crate::access::deny(&state, &caller.user, "api.entry.create")
                .await
                .into(),
        );
    };
    let value = match &request.value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => {
            return Err(PageError::BadRequest(format!("value: {other} is not a number")).into());
        }
    };
    let draft = crate::service::entries::EntryDraft {
        program: request.program,
        target: request.target,
        activity_date: request.activity_date,
        value,
        note: request.note.unwrap_or_default(),
        evidence: None,
    };
    match crate::service::entries::create_entry(&state, &op, &draft).await {
        Ok(id) => Ok((axum::http::StatusCode::CREATED, Json(Created { id }))),
        Err(PageError::Forbidden) => {
            Err(
                crate::access::deny(&state, &caller.user, "api.entry.create.other_unit")
                    .await
                    .into(),
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// Verify an entry, or return it with a reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// `verify` or `return`.
    decision: String,
    /// Required when returning: what the operator must correct.
    reason: Option<String>,
}

/// Review an entry (evaluators, for units of their own clusters; API token required).
#[utoipa::path(post, path = "/api/v1/entries/{id}/review", request_body = ReviewRequest,
    params(("id" = i64, Path, description = "Entry id")), security(("token" = [])),
    responses((status = 204), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn review_entry(
    State(state): State<AppState>,
    caller: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<ReviewRequest>,
) -> Result<axum::http::StatusCode, ApiFailure> {
    caller.writer()?;
    let Some(evaluator) = crate::access::evaluator_of(&caller.user) else {
        return Err(
            crate::access::deny(&state, &caller.user, "api.entry.review")
                .await
                .into(),
        );
    };
    let review = crate::service::entries::parse_review(&request.decision, request.reason)?;
    match crate::service::entries::review_entry(&state, &evaluator, id, review).await {
        Ok(()) => Ok(axum::http::StatusCode::NO_CONTENT),
        Err(PageError::Forbidden) => {
            Err(
                crate::access::deny(&state, &caller.user, "api.entry.review.other_cluster")
                    .await
                    .into(),
            )
        }
        Err(other) => Err(other.into()),
    }
}
