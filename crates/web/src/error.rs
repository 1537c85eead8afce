//! How failures reach the user: a page that says what went wrong, with the
//! right status. Server errors are logged and their details hidden.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pantau_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("log-in required")]
    LoginRequired,
    #[error("forbidden")]
    Forbidden,
    #[error("the form has expired")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl PageError {
    pub fn internal(err: impl std::fmt::Display) -> Self {
        PageError::Internal(err.to_string())
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. }
            | StoreError::UnknownRegion(_)
            | StoreError::UnknownUser(_) => PageError::NotFound,
            StoreError::EntryLocked(_)
            | StoreError::NotReviewable(..)
            | StoreError::Invalid { .. }
            | StoreError::Refused(_)
            | StoreError::RegionExists(_)
            | StoreError::UsernameTaken(_) => PageError::BadRequest(err.to_string()),
            other => PageError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message): (StatusCode, &str, String) = match &self {
            PageError::LoginRequired => return Redirect::to("/masuk").into_response(),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Akses ditolak / Forbidden",
                "Peran Anda tidak mengizinkan tindakan ini. Your role does not allow this action."
                    .into(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Formulir kedaluwarsa / Form expired",
                "Muat ulang halaman lalu kirim lagi. Reload the page and submit again.".into(),
            ),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Tidak ditemukan / Not found",
                "Halaman atau data ini tidak ada. This page or record does not exist.".into(),
            ),
            PageError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "Permintaan ditolak / Bad request",
                message.clone(),
            ),
            PageError::Internal(detail) => {
                tracing::error!("server error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Terjadi kesalahan / Server error",
                    "Kesalahan telah dicatat. The error has been logged.".into(),
                )
            }
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: &message,
        };
        match page.render() {
            Ok(body) => (status, Html(body)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    }
}
