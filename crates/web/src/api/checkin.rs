//! The operator's reports over the API beside `POST /entries`: nil reports
//! and evidence files, through the same service functions as the pages
//! (`/lapor`) with the same rights.

use axum::Json;
use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiJson, ApiPath, ApiUser, Created, ErrorCode};
use crate::AppState;
use crate::access::{deny, operator_of};
use crate::error::PageError;
use crate::service::entries::{self, EvidenceFile, NilDraft};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/nil-reports", post(create_nil_report))
        .route("/entries/{id}/evidence", post(add_evidence))
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(create_nil_report, add_evidence),
    components(schemas(NilReportRequest, EvidenceUpload))
)]
pub struct Doc;

/// That the operator's unit had nothing to report on a day of the program.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NilReportRequest {
    /// Program code, e.g. `100HK`.
    program: String,
    /// A day inside the program.
    date: chrono::NaiveDate,
    /// Why there was nothing to report.
    reason: Option<String>,
}

/// Submit a nil report for the operator's own unit (operators; API token required).
#[utoipa::path(post, path = "/api/v1/nil-reports", request_body = NilReportRequest, security(("token" = [])),
    responses((status = 201, body = Created),
        (status = 400, description = "A field of the wrong type or form, or a session without a token", body = ApiError),
        (status = 403, description = "Not an operator", body = ApiError),
        (status = 422, description = "Refused by a rule: unknown program, a date outside the program", body = ApiError)))]
async fn create_nil_report(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiJson(request): ApiJson<NilReportRequest>,
) -> Result<(StatusCode, Json<Created>), ApiFailure> {
    caller.writer()?;
    let Some(op) = operator_of(&caller.user) else {
        return Err(deny(&state, &caller.user, "api.nil_report.create")
            .await
            .into());
    };
    let draft = NilDraft {
        program: request.program,
        date: request.date.to_string(),
        reason: request.reason,
    };
    let id = entries::create_nil_report(&state, &op, &draft)
        .await
        .map_err(PageError::from)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An evidence file, sent as `multipart/form-data` with this one field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)] // documented as no other parts: none are read
#[allow(dead_code)] // the document's shape; the handler reads the parts
pub struct EvidenceUpload {
    /// A JPEG or PNG photo or a PDF, recognised by its first bytes, at most
    /// the server's limit (5 MB unless configured otherwise).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Add an evidence file to an entry of the operator's own unit that is not
/// verified yet (operators; API token required).
#[utoipa::path(post, path = "/api/v1/entries/{id}/evidence",
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "Entry id")), security(("token" = [])),
    responses((status = 201, description = "The evidence's id", body = Created),
        (status = 400, description = "No field `file`, a body that is not valid multipart, or a session without a token", body = ApiError),
        (status = 403, description = "Not an operator, or another unit's entry", body = ApiError),
        (status = 404, description = "No such entry", body = ApiError),
        (status = 413, description = "The file is larger than the server's limit", body = ApiError),
        (status = 415, description = "The body is not sent as multipart/form-data", body = ApiError),
        (status = 422, description = "Refused by a rule: not a JPEG, PNG or PDF; the entry is verified", body = ApiError)))]
async fn add_evidence(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Created>), ApiFailure> {
    caller.writer()?;
    let Some(op) = operator_of(&caller.user) else {
        return Err(deny(&state, &caller.user, "api.evidence.create")
            .await
            .into());
    };
    let mut multipart = multipart.map_err(|_| {
        ApiFailure::new(
            ErrorCode::UnsupportedMediaType,
            "body: send multipart/form-data with one file field `file`",
        )
    })?;
    let max_bytes = state.config.max_evidence_bytes;
    let mut upload = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(unreadable)?;
        upload = Some((file_name, bytes));
    }
    let Some((file_name, bytes)) = upload else {
        return Err(ApiFailure::bad_request(
            "file: the body has no field `file`",
        ));
    };
    if bytes.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    let file = EvidenceFile::parse(&file_name, bytes.to_vec(), max_bytes)?;
    match entries::add_evidence(&state, &op, id, &file).await {
        Ok(id) => Ok((StatusCode::CREATED, Json(Created { id }))),
        Err(PageError::Forbidden) => {
            Err(deny(&state, &caller.user, "api.evidence.create.other_unit")
                .await
                .into())
        }
        Err(other) => Err(other.into()),
    }
}

fn too_large(max_bytes: usize) -> ApiFailure {
    ApiFailure::new(
        ErrorCode::PayloadTooLarge,
        format!("file: larger than {max_bytes} bytes"),
    )
}

/// A multipart body that could not be read: too large, or malformed.
fn unreadable(err: MultipartError) -> ApiFailure {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiFailure::new(ErrorCode::PayloadTooLarge, "body: too large")
    } else {
        ApiFailure::bad_request(format!("body: {}", err.body_text()))
    }
}
