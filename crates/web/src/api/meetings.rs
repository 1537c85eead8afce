//! Evaluation meetings and follow-ups over the API: read-only, with the same
//! rights as the pages.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use pantau_domain::meeting::FollowUpState;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiPath, ApiUser};
use crate::AppState;
use crate::access::deny;
use crate::service::meetings::{follow_ups_of, live_minutes, resolve, right_of};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings/{program}/{cluster}/{period}", get(meeting))
        .route("/follow-ups", get(follow_ups))
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(meeting, follow_ups),
    components(schemas(FollowUpInfo, FollowUpStatus))
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

/// The follow-ups the caller sees: an operator its unit's, an evaluator its
/// clusters', admins and leaders all.
#[utoipa::path(get, path = "/api/v1/follow-ups", security(("token" = [])),
    responses((status = 200, description = "The follow-ups", body = [FollowUpInfo]),
        (status = 403, description = "Finance does not read follow-ups", body = ApiError)))]
async fn follow_ups(
    State(state): State<AppState>,
    caller: ApiUser,
) -> Result<Json<Vec<FollowUpInfo>>, ApiFailure> {
    let Some(filter) = follow_ups_of(&caller.user) else {
        return Err(deny(&state, &caller.user, "follow_up.read").await.into());
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
        .map_err(crate::error::PageError::from)?;
    Ok(Json(
        rows.into_iter()
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
            .collect(),
    ))
}
