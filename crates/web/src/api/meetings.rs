//! Evaluation meetings and follow-ups over the API, with the same rights as
//! the pages and through the same service functions: the holder of a meeting
//! records notes, overrides and follow-ups and closes it; the owner unit's
//! operator completes a follow-up.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use pantau_domain::evaluation::Status;
use pantau_domain::meeting::FollowUpState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiJson, ApiPath, ApiQuery, ApiUser, Created, paging};
use crate::AppState;
use crate::access::{deny, operator_of};
use crate::error::PageError;
use crate::service::meetings::{
    self, FollowUpDraft, OverrideDraft, follow_ups_of, hold, live_minutes, resolve, right_of,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings/{program}/{cluster}/{period}", get(meeting))
        .route(
            "/meetings/{program}/{cluster}/{period}/notes",
            post(save_note),
        )
        .route(
            "/meetings/{program}/{cluster}/{period}/overrides",
            post(add_override),
        )
        .route(
            "/meetings/{program}/{cluster}/{period}/follow-ups",
            post(add_follow_up),
        )
        .route("/meetings/{program}/{cluster}/{period}/close", post(close))
        .route("/follow-ups", get(follow_ups))
        .route("/follow-ups/{id}/complete", post(complete_follow_up))
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(
        meeting,
        save_note,
        add_override,
        add_follow_up,
        close,
        follow_ups,
        complete_follow_up
    ),
    components(schemas(
        FollowUpInfo,
        FollowUpPage,
        FollowUpStatus,
        NoteRequest,
        OverrideRequest,
        OverrideStatus,
        FollowUpRequest,
        CloseRequest,
        CompleteRequest
    ))
)]
pub struct Doc;

/// A meeting and its minutes: frozen when closed, built now from the engine
/// (as of the period's deadline) while open.
#[utoipa::path(
    get,
    path = "/api/v1/meetings/{program}/{cluster}/{period}",
    params(
        ("program" = String, Path, description = "Program code, e.g. 100HK"),
        ("cluster" = String, Path, description = "Cluster code, e.g. ASDA1; `semua` for the final meeting"),
        ("period" = String, Path, description = "Period number from 1; `akhir` for the final meeting")
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "`{\"status\": \"open\"|\"closed\", \"minutes\": {...}}`", content_type = "application/json"),
        (status = 403, description = "Operators and finance do not read meetings", body = ApiError),
        (status = 404, description = "No such program, cluster or period", body = ApiError)
    )
)]
async fn meeting(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(segments): ApiPath<(String, String, String)>,
) -> Result<Response, ApiFailure> {
    let region = caller.user.region.clone();
    let resolved = resolve(&state, &region, &segments).await?;
    if right_of(&caller.user, resolved.cluster_code()).is_none() {
        return Err(deny(&state, &caller.user, "meeting.read").await.into());
    }
    let (status, minutes) = match state
        .store
        .minutes(&region, &resolved.key)
        .await
        .map_err(crate::error::PageError::from)?
    {
        Some(frozen) => ("closed", frozen),
        None => (
            "open",
            live_minutes(&state, &resolved, &region, &caller.user.username).await?,
        ),
    };
    Ok(Json(serde_json::json!({ "status": status, "minutes": minutes })).into_response())
}

/// Where a follow-up stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    Open,
    Done,
    /// Open past its due date.
    Overdue,
}

impl From<FollowUpState> for FollowUpStatus {
    fn from(state: FollowUpState) -> Self {
        match state {
            FollowUpState::Open => FollowUpStatus::Open,
            FollowUpState::Done => FollowUpStatus::Done,
            FollowUpState::Overdue => FollowUpStatus::Overdue,
        }
    }
}

/// A follow-up (tindak lanjut) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpInfo {
    id: i64,
    program: String,
    /// The meeting it was made in: cluster and period, none for the final one.
    meeting_cluster: Option<String>,
    meeting_period: Option<u32>,
    unit: String,
    description: String,
    due: chrono::NaiveDate,
    /// Today in the region's time zone.
    state: FollowUpStatus,
    done_at: Option<chrono::DateTime<Utc>>,
    done_note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpsQuery {
    /// At most this many per page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; none for the first.
    #[param(pattern = "^f[0-9a-f]{1,15}$")]
    cursor: Option<String>,
}

/// A page of follow-ups, in the order they were made.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpPage {
    items: Vec<FollowUpInfo>,
    /// Pass it as `cursor` for the next page; null on the last.
    next_cursor: Option<String>,
}

/// The follow-ups the caller sees, in the order they were made, a page at a
/// time: an operator its unit's, an evaluator its clusters', admins and
/// leaders all.
#[utoipa::path(get, path = "/api/v1/follow-ups", params(FollowUpsQuery), security(("token" = [])),
    responses((status = 200, description = "A page of follow-ups", body = FollowUpPage),
        (status = 400, description = "A bad limit or cursor, named", body = ApiError),
        (status = 403, description = "Finance does not read follow-ups", body = ApiError)))]
async fn follow_ups(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiQuery(query): ApiQuery<FollowUpsQuery>,
) -> Result<Json<FollowUpPage>, ApiFailure> {
    let Some(filter) = follow_ups_of(&caller.user) else {
        return Err(deny(&state, &caller.user, "follow_up.read").await.into());
    };
    let limit = paging::limit_of(query.limit)?;
    let after = paging::FOLLOW_UPS.after(query.cursor.as_deref())?;
    let filter = pantau_store::meetings::FollowUpFilter {
        after_id: Some(after),
        limit: Some(limit + 1),
        ..filter
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), &caller.user.region)
        .await?;
    let today = Utc::now().with_timezone(&region.timezone).date_naive();
    let rows = state
        .store
        .follow_ups(&caller.user.region, &filter)
        .await
        .map_err(PageError::from)?;
    let (rows, next_cursor) = paging::FOLLOW_UPS.page(rows, limit, |f| f.id);
    let items = rows
        .into_iter()
        .map(|f| FollowUpInfo {
            state: FollowUpState::of(f.due, f.done_at.is_some(), today).into(),
            id: f.id,
            program: f.program,
            meeting_cluster: f.meeting_cluster,
            meeting_period: f.meeting_period,
            unit: f.unit,
            description: f.description,
            due: f.due,
            done_at: f.done_at,
            done_note: f.done_note,
        })
        .collect();
    Ok(Json(FollowUpPage { items, next_cursor }))
}

/// The path of a meeting, as the operations that record in it take it.
type MeetingPath = (String, String, String);

/// A meeting's note on a unit; an empty text removes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteRequest {
    /// Unit code, e.g. `DP3A`.
    unit: String,
    text: String,
}

/// Write the meeting's note on a unit (the meeting's holder: admins, and an
/// evaluator for its own clusters' weekly meetings; API token required).
#[utoipa::path(post, path = "/api/v1/meetings/{program}/{cluster}/{period}/notes",
    request_body = NoteRequest, params(
        ("program" = String, Path, description = "Program code, e.g. 100HK"),
        ("cluster" = String, Path, description = "Cluster code, e.g. ASDA1; `semua` for the final meeting"),
        ("period" = String, Path, description = "Period number from 1; `akhir` for the final meeting")),
    security(("token" = [])),
    responses((status = 204, description = "Saved"),
        (status = 403, description = "Not the meeting's holder", body = ApiError),
        (status = 404, description = "No such program, cluster, period or unit", body = ApiError),
        (status = 422, description = "Refused by a rule: the meeting is closed", body = ApiError)))]
async fn save_note(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(segments): ApiPath<MeetingPath>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> Result<StatusCode, ApiFailure> {
    caller.writer()?;
    let held = hold(&state, &caller.user, &segments, "api.meeting.note").await?;
    meetings::save_note(&state, &held, &request.unit, &request.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The status a meeting sets beside the computed one.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverrideStatus {
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
    NoData,
    NotAchieved,
}

impl From<OverrideStatus> for Status {
    fn from(status: OverrideStatus) -> Self {
        match status {
            OverrideStatus::Achieved => Status::Achieved,
            OverrideStatus::OnTrack => Status::OnTrack,
            OverrideStatus::AtRisk => Status::AtRisk,
            OverrideStatus::OffTrack => Status::OffTrack,
            OverrideStatus::NoData => Status::NoData,
            OverrideStatus::NotAchieved => Status::NotAchieved,
        }
    }
}

/// A status override, kept beside the computed status it never replaces.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OverrideRequest {
    /// `UNIT` for a unit's status, `UNIT/TARGET` for a target's, e.g. `DP3A/DP3A-01`.
    subject: String,
    status: OverrideStatus,
    /// Why (required).
    justification: String,
}

/// Record a status override (the meeting's holder; API token required).
#[utoipa::path(post, path = "/api/v1/meetings/{program}/{cluster}/{period}/overrides",
    request_body = OverrideRequest, params(
        ("program" = String, Path, description = "Program code, e.g. 100HK"),
        ("cluster" = String, Path, description = "Cluster code, e.g. ASDA1; `semua` for the final meeting"),
        ("period" = String, Path, description = "Period number from 1; `akhir` for the final meeting")),
    security(("token" = [])),
    responses((status = 201, description = "The override's id", body = Created),
        (status = 403, description = "Not the meeting's holder", body = ApiError),
        (status = 404, description = "No such program, cluster, period, unit or target", body = ApiError),
        (status = 422, description = "Refused by a rule: no justification, the meeting is closed", body = ApiError)))]
async fn add_override(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(segments): ApiPath<MeetingPath>,
    ApiJson(request): ApiJson<OverrideRequest>,
) -> Result<(StatusCode, Json<Created>), ApiFailure> {
    caller.writer()?;
    let held = hold(&state, &caller.user, &segments, "api.meeting.override").await?;
    let draft = OverrideDraft {
        subject: request.subject,
        status: Status::from(request.status).code().to_owned(),
        justification: request.justification,
    };
    let id = meetings::add_override(&state, &held, draft).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A follow-up (tindak lanjut) the meeting gives a unit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpRequest {
    /// The owner unit's code, e.g. `DP3A`.
    unit: String,
    /// Not before the meeting's day.
    due: chrono::NaiveDate,
    /// What to do.
    description: String,
}

/// Give a unit a follow-up (the meeting's holder; API token required).
#[utoipa::path(post, path = "/api/v1/meetings/{program}/{cluster}/{period}/follow-ups",
    request_body = FollowUpRequest, params(
        ("program" = String, Path, description = "Program code, e.g. 100HK"),
        ("cluster" = String, Path, description = "Cluster code, e.g. ASDA1; `semua` for the final meeting"),
        ("period" = String, Path, description = "Period number from 1; `akhir` for the final meeting")),
    security(("token" = [])),
    responses((status = 201, description = "The follow-up's id", body = Created),
        (status = 403, description = "Not the meeting's holder", body = ApiError),
        (status = 404, description = "No such program, cluster, period or unit", body = ApiError),
        (status = 422, description = "Refused by a rule: due before the meeting, no description, the meeting is closed", body = ApiError)))]
async fn add_follow_up(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(segments): ApiPath<MeetingPath>,
    ApiJson(request): ApiJson<FollowUpRequest>,
) -> Result<(StatusCode, Json<Created>), ApiFailure> {
    caller.writer()?;
    let held = hold(&state, &caller.user, &segments, "api.meeting.follow_up").await?;
    let draft = FollowUpDraft {
        unit: request.unit,
        due: request.due.to_string(),
        description: request.description,
    };
    let id = meetings::add_follow_up(&state, &held, draft).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Closing a meeting freezes its minutes: the caller confirms it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// Must be `true`: the minutes are final.
    confirm: bool,
}

/// Close the meeting, freezing its minutes as they stand (the meeting's
/// holder; API token required).
#[utoipa::path(post, path = "/api/v1/meetings/{program}/{cluster}/{period}/close",
    request_body = CloseRequest, params(
        ("program" = String, Path, description = "Program code, e.g. 100HK"),
        ("cluster" = String, Path, description = "Cluster code, e.g. ASDA1; `semua` for the final meeting"),
        ("period" = String, Path, description = "Period number from 1; `akhir` for the final meeting")),
    security(("token" = [])),
    responses((status = 204, description = "Closed"),
        (status = 403, description = "Not the meeting's holder", body = ApiError),
        (status = 404, description = "No such program, cluster or period", body = ApiError),
        (status = 422, description = "Refused by a rule: not confirmed, already closed", body = ApiError)))]
async fn close(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(segments): ApiPath<MeetingPath>,
    ApiJson(request): ApiJson<CloseRequest>,
) -> Result<StatusCode, ApiFailure> {
    caller.writer()?;
    let held = hold(&state, &caller.user, &segments, "api.meeting.close").await?;
    meetings::close(&state, &held, request.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What was done, for the next meeting to check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteRequest {
    note: String,
}

/// Mark a follow-up done (the owner unit's operator; API token required).
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/complete", request_body = CompleteRequest,
    params(("id" = i64, Path, description = "Follow-up id")), security(("token" = [])),
    responses((status = 204, description = "Done"),
        (status = 403, description = "Not the operator of the owner unit", body = ApiError),
        (status = 404, description = "No such follow-up", body = ApiError),
        (status = 422, description = "Refused by a rule: an empty note, already done", body = ApiError)))]
async fn complete_follow_up(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<CompleteRequest>,
) -> Result<StatusCode, ApiFailure> {
    caller.writer()?;
    let Some(operator) = operator_of(&caller.user) else {
        return Err(deny(&state, &caller.user, "api.follow_up.done")
            .await
            .into());
    };
    match meetings::complete_follow_up(&state, &operator, id, &request.note).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(PageError::Forbidden) => {
            Err(deny(&state, &caller.user, "api.follow_up.done.other_unit")
                .await
                .into())
        }
        Err(other) => Err(other.into()),
    }
}
