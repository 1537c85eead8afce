//! The region's identity: name, place and logo, set by the admin, shown on
//! the log-in page and given to the documents as their letterhead.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pantau_store::{LogoChange, LogoProblem, StoreError};
use tower_sessions::Session;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    region: String,
    name: String,
    place: String,
    has_logo: bool,
    message: Option<String>,
    problem: Option<String>,
}

async fn identity_page(
    state: &AppState,
    user: &CurrentUser,
    message: Option<String>,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let head = state.store.letterhead(user.region()).await?;
    let nav = Nav::of(user).await?;
    let status = if problem.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = render(&IdentityPage {
        tr: Tr {
            catalog: &state.i18n,
            lang: lang_of(&user.session).await,
        },
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        region: user.region().to_owned(),
        name: head.name,
        place: head.place.unwrap_or_default(),
        has_logo: head.logo_png.is_some(),
        message,
        problem,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.identity.read").await);
    }
    identity_page(&state, &user, None, None).await
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut name, mut place, mut logo, mut remove) = (None, None, None, None, false);
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| PageError::BadRequest(e.to_string()))?
    {
        let field = part.name().unwrap_or_default().to_owned();
        let bytes = part
            .bytes()
            .await
            .map_err(|e| PageError::BadRequest(e.to_string()))?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match field.as_str() {
            "csrf" => csrf = Some(text()),
            "name" => name = Some(text()),
            "place" => place = Some(text()),
            "remove_logo" => remove = true,
            "logo" if !bytes.is_empty() => logo = Some(bytes.to_vec()),
            _ => {}
        }
    }
    check_csrf(&user.session, csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.identity.save").await);
    }
    let lang = lang_of(&user.session).await;
    let change = match (logo, remove) {
        (Some(bytes), _) => {
            if let Err(problem) = pantau_store::check_logo_png(&bytes) {
                let key = match problem {
                    LogoProblem::NotPng => "identity-logo-not-png",
                    LogoProblem::TooLarge => "identity-logo-too-large",
                    LogoProblem::TooWide => "identity-logo-too-wide",
                };
                let problem = state.i18n.text(lang, key);
                return identity_page(&state, &user, None, Some(problem)).await;
            }
            LogoChange::Set(bytes)
        }
        (None, true) => LogoChange::Remove,
        (None, false) => LogoChange::Keep,
    };
    let name = name.unwrap_or_default();
    let max = state.store.limits().max_name_chars;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    if let Some(problem) = crate::limits::too_long(
        &tr,
        &[
            (tr.t("identity-name"), name.trim(), max),
            (
                tr.t("identity-place"),
                place.as_deref().unwrap_or_default().trim(),
                max,
            ),
        ],
    ) {
        return identity_page(&state, &user, None, Some(problem)).await;
    }
    match state
        .store
        .set_identity(
            user.region(),
            &name,
            place.as_deref(),
            change,
            &user.actor(),
        )
        .await
    {
        Ok(()) => {
            let message = state.i18n.text(lang, "identity-saved");
            identity_page(&state, &user, Some(message), None).await
        }
        Err(StoreError::Invalid { field, .. }) if field == "name" => {
            let problem = state.i18n.text_with(
                lang,
                "admin-required",
                &[("field", state.i18n.text(lang, "identity-name"))],
            );
            identity_page(&state, &user, None, Some(problem)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The region's logo, for the log-in page (no log-in needed: it is public).
pub async fn logo(
    State(state): State<AppState>,
    Path(region): Path<String>,
) -> Result<Response, PageError> {
    let head = state.store.letterhead(&region).await?;
    let bytes = head.logo_png.ok_or(PageError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        bytes,
    )
        .into_response())
}

/// What the log-in page shows of the region: only when the server holds one
/// region (a province's server does not know whose log-in page it is).
pub struct LoginIdentity {
    pub region: String,
    pub name: String,
    pub place: String,
    pub has_logo: bool,
}

pub async fn login_identity(state: &AppState, _session: &Session) -> Option<LoginIdentity> {
    let regions = state.store.regions().await.ok()?;
    let [region] = regions.as_slice() else {
        return None;
    };
    let head = state.store.letterhead(&region.code).await.ok()?;
    Some(LoginIdentity {
        region: region.code.clone(),
        name: head.name,
        place: head.place.unwrap_or_default(),
        has_logo: head.logo_png.is_some(),
    })
}
