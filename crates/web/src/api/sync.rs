//! Exchange between levels (issue 14): a province's or the nation's server
//! takes complete snapshots pushed by the kab/kota below it, and shows when
//! each last pushed. The rules of a push are in `pantau_store::sync`.
//!
//! A push is authenticated by a push token the receiver issued for that one
//! region (`pantau sync allow CODE --name NAME`), not by an account's token:
//! it can push its region's snapshots and do nothing else here.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiPath, ApiQuery, ApiUser, ErrorCode};
use crate::AppState;
use crate::error::PageError;
use pantau_domain::RegionCode;
use pantau_store::{Actor, Push, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sync/regions/{code}", post(push))
        .route("/sync/status", get(status))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    /// Check the push and count what it would do, without writing.
    dry_run: Option<bool>,
}

/// A row of a push that was not applied, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncConflict {
    /// JSON path of the row in the snapshot, e.g. `programs[0].entries[3]`.
    path: String,
    reason: String,
}

/// What became of a push's rows (entries and nil reports).
#[derive(Debug, Serialize, ToSchema)]
pub struct PushAnswer {
    region: String,
    program: String,
    /// Checked only; nothing was written.
    dry_run: bool,
    /// The stored answer to an earlier push with this Idempotency-Key; nothing written now.
    replayed: bool,
    imported: usize,
    updated: usize,
    unchanged: usize,
    /// Rows stored here that the snapshot no longer has.
    deleted: usize,
    refused: usize,
    conflicts: Vec<SyncConflict>,
    /// When the push was accepted; null for a dry run.
    accepted_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<pantau_store::PushAnswer> for PushAnswer {
    fn from(a: pantau_store::PushAnswer) -> Self {
        PushAnswer {
            region: a.region,
            program: a.program,
            dry_run: a.dry_run,
            replayed: a.replayed,
            imported: a.imported,
            updated: a.updated,
            unchanged: a.unchanged,
            deleted: a.deleted,
            refused: a.refused,
            conflicts: a
                .conflicts
                .into_iter()
                .map(|c| SyncConflict {
                    path: c.path,
                    reason: c.reason,
                })
                .collect(),
            accepted_at: a.accepted_at,
        }
    }
}

fn refused(message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(ErrorCode::Unprocessable, message)
}

fn push_failure(err: StoreError) -> ApiFailure {
    match err {
        StoreError::Invalid { .. } => refused(err.to_string()),
        StoreError::NotFound { .. } => ApiFailure::new(ErrorCode::NotFound, err.to_string()),
        StoreError::Refused(problems) => refused(format!(
            "the snapshot is refused: {}",
            problems
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )),
        other => PageError::from(other).into(),
    }
}

/// Push a complete snapshot of one program of a region below this server's
/// (a `pantau-bundle/1` with that one program). Rows missing from it are
/// deleted here; a zero is a value. Retries carry the same Idempotency-Key
/// and body and get the first answer back.
#[utoipa::path(
    post,
    path = "/api/v1/sync/regions/{code}",
    params(
        ("code" = String, Path, description = "Region code of the snapshot, e.g. 3275"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "1 to 200 visible ASCII characters, the same for every retry of a push; required unless dry_run"),
        PushQuery
    ),
    request_body(content = Object, content_type = "application/json",
        description = "A pantau-bundle/1 of the region with exactly one program"),
    security(("token" = [])),
    responses(
        (status = 200, description = "Applied (or checked, for a dry run), with its counts", body = PushAnswer),
        (status = 401, description = "No push token, or not the token registered for this region", body = ApiError),
        (status = 403, description = "The region is not below this server's", body = ApiError),
        (status = 404, description = "This server takes no pushes, or the region is not registered here", body = ApiError),
        (status = 422, description = "Refused: no or a reused Idempotency-Key, a snapshot of another region, not one program, a plan that breaks a rule", body = ApiError)
    )
)]
async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<PushQuery>,
    body: Bytes,
) -> Result<Json<PushAnswer>, ApiFailure> {
    let unauthorized = || {
        ApiFailure::new(
            ErrorCode::Unauthorized,
            "send Authorization: Bearer <the push token this server issued for the region>",
        )
    };
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(unauthorized)?;
    let Some(own) = state.config.sync_region.clone() else {
        return Err(ApiFailure::new(
            ErrorCode::NotFound,
            "this server takes no pushes: it is started without --region-code",
        ));
    };
    let region =
        RegionCode::parse(&code).map_err(|err| ApiFailure::bad_request(format!("code: {err}")))?;
    if !own.is_above(&region) {
        return Err(ApiFailure::new(
            ErrorCode::Forbidden,
            format!("region {region} is not below this server's region {own}"),
        ));
    }
    if !state
        .store
        .sync_token_matches(region.as_str(), token)
        .await
        .map_err(PageError::from)?
    {
        return Err(unauthorized());
    }
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiFailure::new(
            ErrorCode::UnsupportedMediaType,
            "body: send the snapshot as JSON with Content-Type: application/json",
        ));
    }
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| refused("Idempotency-Key: must be visible ASCII characters"))?
                .to_owned(),
        ),
    };
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiFailure::bad_request("body: not UTF-8 text"))?;
    let snapshot = pantau_domain::parse(text).map_err(|refused| {
        ApiFailure::bad_request(format!(
            "body: not a pantau-bundle/1: {}",
            refused
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let push = Push {
        region: region.as_str().to_owned(),
        snapshot,
        idempotency_key,
        body_sha256: pantau_store::ImportSource::of(None, &body).sha256,
        dry_run: query.dry_run.unwrap_or(false),
    };
    let actor = Actor {
        user_id: None,
        label: format!("sync:{region}"),
    };
    let answer = state
        .store
        .apply_push(&push, &actor)
        .await
        .map_err(push_failure)?;
    if !answer.dry_run && !answer.replayed {
        // Who pushed what, for the operators of the receiving server.
        tracing::info!(
            region = %answer.region,
            program = %answer.program,
            imported = answer.imported,
            updated = answer.updated,
            deleted = answer.deleted,
            refused = answer.refused,
            "sync push accepted"
        );
    }
    Ok(Json(answer.into()))
}

/// A region that pushes here, and whether it is late.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncRegionStatus {
    code: String,
    name: String,
    registered_at: chrono::DateTime<chrono::Utc>,
    /// The moment of its last accepted push; null before the first.
    last_push_at: Option<chrono::DateTime<chrono::Utc>>,
    last_program: Option<String>,
    /// No accepted push within `late_after_days` (counted from its registration before the first).
    late: bool,
}

/// The regions that push to this server.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStatus {
    /// This server's region; null when it takes no pushes.
    region: Option<String>,
    late_after_days: i64,
    regions: Vec<SyncRegionStatus>,
}

/// The regions registered to push here, each with the moment of its last
/// accepted push and whether it is late (admins).
#[utoipa::path(get, path = "/api/v1/sync/status", security(("token" = [])),
    responses((status = 200, body = SyncStatus),
        (status = 403, description = "Not an admin", body = ApiError)))]
async fn status(
    State(state): State<AppState>,
    caller: ApiUser,
) -> Result<Json<SyncStatus>, ApiFailure> {
    if caller.user.role != pantau_store::Role::Admin {
        return Err(crate::access::deny(&state, &caller.user, "api.sync.status")
            .await
            .into());
    }
    let now = chrono::Utc::now();
    let late_after = state.config.sync_late_after;
    let regions = state
        .store
        .sync_regions()
        .await
        .map_err(PageError::from)?
        .into_iter()
        .map(|r| SyncRegionStatus {
            late: r.is_late(now, late_after),
            code: r.code,
            name: r.name,
            registered_at: r.registered_at,
            last_push_at: r.last_push_at,
            last_program: r.last_program,
        })
        .collect();
    Ok(Json(SyncStatus {
        region: state.config.sync_region.as_ref().map(ToString::to_string),
        late_after_days: late_after.num_days(),
        regions,
    }))
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(push, status),
    components(schemas(PushAnswer, SyncConflict, SyncStatus, SyncRegionStatus))
)]
pub struct Doc;
