//! The JSON API under `/api/v1`: the same rules and the same engine as the pages.

mod budget;
mod checkin;
mod contract;
mod meetings;
mod paging;
mod public;
mod regions;
mod reports;
mod sync;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::access::CurrentUser;
use crate::error::PageError;
use crate::reads::Reads;
use crate::service::figures::{ViewQuery, evaluate_for};
pub use contract::{
    ApiError, ApiFailure, ApiJson, ApiPath, ApiQuery, ErrorCode, oversized_as_api_error,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/programs", get(programs))
        .route("/programs/{code}/evaluation", get(evaluation))
        .route("/entries", get(list_entries).post(create_entry))
        .route("/entries/{id}/review", axum::routing::post(review_entry))
        .merge(checkin::routes())
        .merge(meetings::routes())
        .merge(budget::routes())
        .merge(reports::routes())
        .merge(regions::routes())
        .merge(sync::routes())
        .merge(public::routes())
        // Set last: it reaches the routes merged above.
        .method_not_allowed_fallback(contract::wrong_method)
        .fallback(contract::no_route)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pantau API",
        version = "1",
        description = "Plans, reports and evaluations of a pemda's units."
    ),
    paths(programs, evaluation, list_entries, create_entry, review_entry),
    components(schemas(ApiError, ErrorCode, ProgramInfo, EntryInfo, EntryPage, EntryState, NewEntryRequest, ReviewRequest, Decision, Created)),
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
    document.merge(checkin::Doc::openapi());
    document.merge(meetings::Doc::openapi());
    document.merge(budget::Doc::openapi());
    document.merge(reports::Doc::openapi());
    document.merge(regions::Doc::openapi());
    document.merge(sync::Doc::openapi());
    document.merge(public::Doc::openapi());
    utoipa::Modify::modify(&contract::ErrorResponses, &mut document);
    document
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
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
        if let Some(token) = crate::reads::bearer_token(parts) {
            return match state
                .store
                .use_api_token(token, chrono::Utc::now())
                .await
                .map_err(PageError::from)?
            {
                Some(user) if !user.disabled => {
                    crate::reads::Writer::note(parts, &user.region, Some(token));
                    Ok(ApiUser {
                        user,
                        by_token: true,
                    })
                }
                _ => Err(PageError::LoginRequired.into()),
            };
        }
        let current = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(ApiFailure::from)?;
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
            Err(ApiFailure::bad_request(
                "writes through the API need an API token (Authorization: Bearer ...)",
            ))
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
        (status = 404, description = "No such program", body = ApiError),
        (status = 422, description = "An as_of that is neither a date nor an RFC 3339 moment", body = ApiError)
    )
)]
async fn evaluation(
    State(state): State<AppState>,
    caller: ApiUser,
    reads: Reads,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<EvaluationQuery>,
) -> Result<Response, ApiFailure> {
    let evaluated = evaluate_for(
        &state,
        &reads,
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
    responses((status = 200, description = "The programs", body = [ProgramInfo])))]
async fn programs(
    State(state): State<AppState>,
    caller: ApiUser,
    reads: Reads,
) -> Result<Json<Vec<ProgramInfo>>, ApiFailure> {
    let region = state
        .evaluations
        .region(reads.store(), &caller.user.region)
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

/// Where an entry (or a unit's budget month) stands in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting for review.
    Submitted,
    /// Counts in the figures.
    Verified,
    /// Sent back with a reason; does not count.
    Returned,
}

impl From<pantau_domain::bundle::EntryStatus> for EntryState {
    fn from(status: pantau_domain::bundle::EntryStatus) -> Self {
        use pantau_domain::bundle::EntryStatus;
        match status {
            EntryStatus::Submitted => EntryState::Submitted,
            EntryStatus::Verified => EntryState::Verified,
            EntryStatus::Returned => EntryState::Returned,
        }
    }
}

impl From<EntryState> for pantau_domain::bundle::EntryStatus {
    fn from(state: EntryState) -> Self {
        use pantau_domain::bundle::EntryStatus;
        match state {
            EntryState::Submitted => EntryStatus::Submitted,
            EntryState::Verified => EntryStatus::Verified,
            EntryState::Returned => EntryStatus::Returned,
        }
    }
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
    #[schema(example = "12.5")]
    value: String,
    status: EntryState,
    note: Option<String>,
    return_reason: Option<String>,
    /// Came in through an import (bundle or XLSX template), status and all.
    imported: bool,
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
            status: e.status.into(),
            note: e.note,
            return_reason: e.return_reason,
            imported: e.imported_at.is_some(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// Program code.
    program: Option<String>,
    /// Unit code.
    unit: Option<String>,
    /// Target code.
    target: Option<String>,
    status: Option<EntryState>,
    /// At most this many per page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; none for the first.
    #[param(pattern = "^e[0-9a-f]{1,15}$")]
    cursor: Option<String>,
}

/// A page of entries, in the order they were made.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    items: Vec<EntryInfo>,
    /// Pass it as `cursor` for the next page; null on the last.
    next_cursor: Option<String>,
}

/// Entries of the caller's region in the order they were made, a page at a time.
#[utoipa::path(get, path = "/api/v1/entries", params(EntriesQuery), security(("token" = [])),
    responses((status = 200, body = EntryPage),
        (status = 400, description = "A bad status, limit or cursor, named", body = ApiError)))]
async fn list_entries(
    caller: ApiUser,
    reads: Reads,
    ApiQuery(query): ApiQuery<EntriesQuery>,
) -> Result<Json<EntryPage>, ApiFailure> {
    let limit = paging::limit_of(query.limit)?;
    let after = paging::ENTRIES.after(query.cursor.as_deref())?;
    let filter = pantau_store::EntryFilter {
        program: query.program,
        unit: query.unit,
        target: query.target,
        status: query.status.map(Into::into),
        clusters: None,
        after_id: Some(after),
        limit: Some(limit + 1),
        ..Default::default()
    };
    let rows = reads
        .store()
        .entries(&caller.user.region, &filter)
        .await
        .map_err(PageError::from)?;
    let (rows, next_cursor) = paging::ENTRIES.page(rows, limit, |e| e.id);
    Ok(Json(EntryPage {
        items: rows.into_iter().map(EntryInfo::from).collect(),
        next_cursor,
    }))
}

/// A number as JSON sends it: `12`, `12.5` or the string `"12.5"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum EntryValue {
    Number(serde_json::Number),
    Text(String),
}

fn number_or_string() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^-?[0-9]+(\.[0-9]+)?$")),
        )
        .examples([serde_json::json!(12.5)])
        .build()
        .into()
}

/// A report an operator submits for a target of its unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEntryRequest {
    /// Program code, e.g. `100HK`.
    program: String,
    /// Target code of the operator's unit, e.g. `DP3A-01`.
    target: String,
    /// Inside the program and not in the future.
    activity_date: chrono::NaiveDate,
    /// The realisation, e.g. `12` or `12.5`, as a number or a string of one.
    #[schema(schema_with = number_or_string)]
    value: EntryValue,
    note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Submit an entry (operators, for their own unit; API token required).
#[utoipa::path(post, path = "/api/v1/entries", request_body = NewEntryRequest, security(("token" = [])),
    responses((status = 201, body = Created),
        (status = 400, description = "A field of the wrong type or form, or a session without a token", body = ApiError),
        (status = 403, description = "Not an operator, or another unit's target", body = ApiError),
        (status = 422, description = "Refused by a rule: unknown program or target, a date outside the program or in the future, a bad value", body = ApiError)))]
async fn create_entry(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(request): ApiJson<NewEntryRequest>,
) -> Result<(axum::http::StatusCode, Json<Created>), ApiFailure> {
    caller.writer()?;
    let Some(op) = crate::access::operator_of(&caller.user) else {
        return Err(
            crate::access::deny(&state, &caller.user, "api.entry.create")
                .await
                .into(),
        );
    };
    let value = match request.value {
        EntryValue::Number(n) => n.to_string(),
        EntryValue::Text(s) => s,
    };
    let draft = crate::service::entries::EntryDraft {
        program: request.program,
        target: request.target,
        activity_date: request.activity_date.to_string(),
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

/// What an evaluator decides about an entry.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// It counts.
    Verify,
    /// Back to the operator, with a reason.
    Return,
}

/// Verify an entry, or return it with a reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    decision: Decision,
    /// Required when returning: what the operator must correct.
    reason: Option<String>,
}

/// Review an entry (evaluators, for units of their own clusters; API token required).
#[utoipa::path(post, path = "/api/v1/entries/{id}/review", request_body = ReviewRequest,
    params(("id" = i64, Path, description = "Entry id")), security(("token" = [])),
    responses((status = 204, description = "Reviewed"),
        (status = 403, description = "Not an evaluator of the entry's cluster", body = ApiError),
        (status = 404, description = "No such entry", body = ApiError),
        (status = 422, description = "Refused by a rule: no reason to return it, already reviewed", body = ApiError)))]
async fn review_entry(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<axum::http::StatusCode, ApiFailure> {
    caller.writer()?;
    let Some(evaluator) = crate::access::evaluator_of(&caller.user) else {
        return Err(
            crate::access::deny(&state, &caller.user, "api.entry.review")
                .await
                .into(),
        );
    };
    let review = match request.decision {
        Decision::Verify => pantau_store::Review::Verify,
        Decision::Return => pantau_store::Review::Return {
            reason: request.reason.unwrap_or_default(),
        },
    };
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
