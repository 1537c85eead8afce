//! The numbering of the berita acara (`/admin/dokumen`): the admin sets the
//! region's pattern, checked before it is kept, with an example of the number
//! it writes. Numbers are given when a meeting closes (store, `close_meeting`).

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Redirect, Response};
use axum::routing::get;
use pantau_domain::document::{self, PatternError};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/dokumen", get(page).post(save))
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    pattern: String,
    /// The number the pattern writes for the first meeting closed in April 2025.
    example: String,
    error: Option<String>,
    saved: bool,
}

/// The words for a refused pattern, in the page's language.
fn refusal(tr: &Tr, err: &PatternError) -> String {
    let key = match err {
        PatternError::Empty => "docnum-error-empty",
        PatternError::TooLong => "docnum-error-too-long",
        PatternError::NoNumber => "docnum-error-no-number",
        PatternError::TwoNumbers => "docnum-error-two-numbers",
        PatternError::NoYear => "docnum-error-no-year",
        PatternError::Unknown(_) => "docnum-error-unknown",
        PatternError::Unbalanced => "docnum-error-unbalanced",
        PatternError::Control => "docnum-error-control",
    };
    match err {
        PatternError::Unknown(name) => tr.t_with(key, &[("name", format!("{{{name}}}"))]),
        _ => tr.t(key),
    }
}

fn example_of(pattern: &str) -> String {
    document::document_number(pattern, 1, 4, 2025).unwrap_or_default()
}

#[derive(Deserialize)]
struct Shown {
    tersimpan: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(shown): Query<Shown>,
) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.documents.read").await);
    }
    let pattern = state.store.document_pattern(user.region()).await?;
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let nav = Nav::of(&user).await?;
    render(&DocumentsPage {
        tr,
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        example: example_of(&pattern),
        pattern,
        error: None,
        saved: shown.tersimpan.is_some(),
    })
}

#[derive(Deserialize)]
struct PatternForm {
    csrf: Option<String>,
    #[serde(default)]
    pattern: String,
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PatternForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.documents.save").await);
    }
    let pattern = form.pattern.trim();
    if let Err(err) = document::validate_pattern(pattern) {
        let tr = Tr {
            catalog: &state.i18n,
            lang: lang_of(&user.session).await,
        };
        let nav = Nav::of(&user).await?;
        let mut response = render(&DocumentsPage {
            error: Some(refusal(&tr, &err)),
            tr,
            csrf: nav.csrf.clone(),
            nav: Some(nav),
            example: String::new(),
            pattern: pattern.to_owned(),
            saved: false,
        })?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    state
        .store
        .set_document_pattern(user.region(), pattern, &user.actor())
        .await?;
    Ok(axum::response::IntoResponse::into_response(Redirect::to(
        "/admin/dokumen?tersimpan=1",
    )))
}
