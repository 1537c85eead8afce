//! How failures reach the user: a page that says what went wrong, with the
//! right status. Server errors are logged and their details hidden.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pantau_store::StoreError;

use crate::i18n::{Catalog, Lang, Tr};

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

/// What went wrong, kept on the response so that [`localize`] can say it
/// again in the page's language.
#[derive(Debug, Clone)]
pub struct Shown {
    status: StatusCode,
    /// The Fluent key prefix: `error-forbidden`, `error-csrf`, ...
    key: &'static str,
    /// A message of its own (a refused request says why), else the key's text.
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    tr: Tr<'a>,
    nav: Option<crate::pages::Nav>,
    status: u16,
    title: String,
    message: String,
}

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(Catalog::load)
}

fn page(shown: &Shown, lang: Lang) -> Response {
    let tr = Tr {
        catalog: catalog(),
        lang,
    };
    let title = tr.t(&format!("{}-title", shown.key));
    let message = shown
        .message
        .clone()
        .unwrap_or_else(|| tr.t(&format!("{}-text", shown.key)));
    let page = ErrorPage {
        tr,
        nav: None,
        status: shown.status.as_u16(),
        title,
        message: message.clone(),
    };
    let mut response = match page.render() {
        Ok(body) => (shown.status, Html(body)).into_response(),
        Err(_) => (shown.status, message).into_response(),
    };
    response.extensions_mut().insert(shown.clone());
    response
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key, message) = match self {
            PageError::LoginRequired => return Redirect::to("/masuk").into_response(),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden", None),
            PageError::Csrf => (StatusCode::FORBIDDEN, "error-csrf", None),
            PageError::NotFound => (StatusCode::NOT_FOUND, "error-not-found", None),
            PageError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "error-bad-request", Some(message))
            }
            PageError::Internal(detail) => {
                tracing::error!("server error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal", None)
            }
        };
        // In Indonesian, the default; [`localize`] says it again in English
        // when that is the page's language.
        page(
            &Shown {
                status,
                key,
                message,
            },
            Lang::Id,
        )
    }
}

/// Error pages in the language of the session's pages: one language, never both.
pub async fn localize(
    session: tower_sessions::Session,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let Some(shown) = response.extensions().get::<Shown>().cloned() else {
        return response;
    };
    let lang = crate::pages::lang_of(&session).await;
    if lang == Lang::Id {
        return response;
    }
    page(&shown, lang)
}

/// Any path no route knows: the styled "not found" page.
pub async fn not_found() -> PageError {
    PageError::NotFound
}
