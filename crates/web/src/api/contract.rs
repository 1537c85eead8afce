//! The API's contract for failures, written once: every refusal is an
//! [`ApiError`] in JSON with a status the OpenAPI document names, including
//! the framework's own (a bad query string, path segment or body, an unknown
//! route, a wrong method).
//!
//! - 400 `bad_request`: the request breaks the documented schema (a value of
//!   the wrong type, outside its range or its set of values, malformed JSON);
//!   the message names the parameter or field.
//! - 401 `unauthorized`, 403 `forbidden`, 404 `not_found`, 405 `method_not_allowed`.
//! - 413 `payload_too_large`, 415 `unsupported_media_type`.
//! - 422 `unprocessable`: well formed, refused by a rule of the domain (a date
//!   outside the program, an empty reason, a final evaluation before the end).
//! - 500 `internal`: logged, the details hidden.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{
    FromRequest, FromRequestParts, OriginalUri, Path, Query, RawPathParams, Request,
};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::error::PageError;

/// What went wrong, for a program to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unprocessable,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error as the API reports it, whatever the status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Machine-readable; the status follows from it.
    pub error: ErrorCode,
    /// For a person: what was wrong, naming the parameter or field
    /// (`limit: invalid digit found in string`).
    pub message: String,
}

/// A refusal on its way out: an [`ApiError`] with its status.
#[derive(Debug)]
pub struct ApiFailure {
    code: ErrorCode,
    message: String,
}

impl ApiFailure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiFailure {
            code,
            message: message.into(),
        }
    }

    /// The request breaks the documented schema.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiFailure::new(ErrorCode::BadRequest, message)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        (
            self.code.status(),
            Json(ApiError {
                error: self.code,
                message: self.message,
            }),
        )
            .into_response()
    }
}

impl From<PageError> for ApiFailure {
    fn from(err: PageError) -> Self {
        match err {
            PageError::LoginRequired => ApiFailure::new(
                ErrorCode::Unauthorized,
                "log in first, or send Authorization: Bearer <token>",
            ),
            PageError::Forbidden | PageError::Csrf => {
                ApiFailure::new(ErrorCode::Forbidden, "your role does not allow this")
            }
            PageError::NotFound => ApiFailure::new(ErrorCode::NotFound, "no such record"),
            // The shared page logic refuses what is well formed but breaks a rule.
            PageError::BadRequest(message) => ApiFailure::new(ErrorCode::Unprocessable, message),
            PageError::Internal(detail) => {
                tracing::error!("api error: {detail}");
                ApiFailure::new(ErrorCode::Internal, "the error has been logged")
            }
        }
    }
}

/// The query string, deserialized; a 400 [`ApiError`] naming the parameter otherwise.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiFailure> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(err)) => Err(
                ApiFailure::bad_request(format!("query string: {}", source_of(&err))),
            ),
            Err(other) => Err(ApiFailure::bad_request(other.body_text())),
        }
    }
}

/// The path's parameters, deserialized; a 400 [`ApiError`] naming the segment otherwise.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiFailure> {
        use axum::extract::path::ErrorKind;
        let err = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => return Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(err)) => err,
            Err(other) => return Err(ApiFailure::bad_request(other.body_text())),
        };
        // Positional parameters (a tuple, a single value) are named from the route.
        let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
            .await
            .map(|raw| raw.iter().map(|(k, _)| k.to_owned()).collect())
            .unwrap_or_default();
        let name_at = |index: usize| {
            names
                .get(index)
                .cloned()
                .unwrap_or_else(|| "path".to_owned())
        };
        let message = match err.into_kind() {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => format!("{key}: \"{value}\" is not {}", kind_of(expected_type)),
            ErrorKind::ParseErrorAtIndex {
                index,
                value,
                expected_type,
            } => format!(
                "{}: \"{value}\" is not {}",
                name_at(index),
                kind_of(expected_type)
            ),
            ErrorKind::ParseError {
                value,
                expected_type,
            } => format!(
                "{}: \"{value}\" is not {}",
                name_at(0),
                kind_of(expected_type)
            ),
            ErrorKind::InvalidUtf8InPathParam { key } => format!("{key}: not valid UTF-8"),
            ErrorKind::DeserializeError {
                key,
                value,
                message,
            } => {
                format!("{key}: \"{value}\": {message}")
            }
            ErrorKind::Message(message) => format!("path: {message}"),
            other => format!("path: {other}"),
        };
        Err(ApiFailure::bad_request(message))
    }
}

/// What a Rust type name means to a caller.
fn kind_of(expected_type: &str) -> &'static str {
    match expected_type {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number from 0",
        "f32" | "f64" => "a number",
        "bool" => "true or false",
        _ => "a valid value",
    }
}

/// A JSON body, deserialized; a 400, 413 or 415 [`ApiError`] otherwise.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiFailure> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_failure(rejection)),
        }
    }
}

fn json_failure(rejection: JsonRejection) -> ApiFailure {
    match rejection {
        JsonRejection::JsonDataError(err) => {
            ApiFailure::bad_request(format!("body: {}", source_of(&err)))
        }
        JsonRejection::JsonSyntaxError(err) => {
            ApiFailure::bad_request(format!("body: not valid JSON: {}", source_of(&err)))
        }
        JsonRejection::MissingJsonContentType(_) => ApiFailure::new(
            ErrorCode::UnsupportedMediaType,
            "body: send JSON with Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiFailure::new(ErrorCode::PayloadTooLarge, "body: too large")
        }
        other => ApiFailure::bad_request(format!("body: {}", other.body_text())),
    }
}

/// The cause of a rejection without the framework's preamble.
fn source_of(err: &dyn std::error::Error) -> String {
    err.source()
        .map(ToString::to_string)
        .unwrap_or_else(|| err.to_string())
}

/// No route here: 404 as JSON.
pub async fn no_route(method: Method, OriginalUri(uri): OriginalUri) -> ApiFailure {
    ApiFailure::new(
        ErrorCode::NotFound,
        format!("no API route {method} {}", uri.path()),
    )
}

/// A route without this method: 405 as JSON (the framework adds `Allow`).
pub async fn wrong_method(method: Method, OriginalUri(uri): OriginalUri) -> ApiFailure {
    ApiFailure::new(
        ErrorCode::MethodNotAllowed,
        format!("{} does not take {method}", uri.path()),
    )
}

/// Adds, once for every operation, the error responses any of them may give:
/// 400 (a bad parameter or body) where it takes any, 401 where it needs a
/// caller, 413 and 415 where it takes a JSON body, 500. An operation's own
/// description of a status is kept.
pub struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let takes_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|b| b.content.contains_key("application/json"));
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                if takes_parameters || operation.request_body.is_some() {
                    add(
                        "400",
                        "A parameter or the body breaks this document; the message names it",
                    );
                }
                if secured {
                    add("401", "No valid token or session");
                }
                if json_body {
                    add("413", "The body is too large");
                    add("415", "The body is not sent as application/json");
                }
                add("500", "A server error, logged; details hidden");
            }
        }
    }
}

/// The body limit layer answers an oversized request itself, in plain text:
/// under `/api/v1` that answer becomes an [`ApiError`] too.
pub async fn oversized_as_api_error(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/v1");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_api && response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiFailure::new(
            ErrorCode::PayloadTooLarge,
            "body: larger than the server takes",
        )
        .into_response();
    }
    response
}
