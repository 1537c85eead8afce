//! The admin's publication page: which programs of the region are public,
//! the buttons to publish and withdraw them, and the licence of the
//! region's open data. Each change is audited by the store in its own
//! transaction.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Redirect, Response};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/admin/publikasi", get(show).post(change))
}

pub struct ProgramLine {
    pub code: String,
    pub name: String,
    pub published: Option<String>,
}

#[derive(Template)]
#[template(path = "public/admin.html")]
struct PublicationPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    region: String,
    programs: Vec<ProgramLine>,
    licence: String,
    licences: &'static [&'static str],
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(query): axum::extract::Query<Saved>,
) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.publication.read").await);
    }
    let lang = lang_of(&user.session).await;
    let region = state
        .evaluations
        .plan(state.store.as_ref(), user.region())
        .await?;
    let published = state.store.publications(user.region()).await?;
    let programs = region
        .programs
        .iter()
        .map(|p| ProgramLine {
            code: p.code.clone(),
            name: p.name.clone(),
            published: published
                .iter()
                .find(|x| x.program == p.code)
                .map(|x| pantau_present::moment(lang, p.calendar.timezone, x.published_at)),
        })
        .collect();
    let nav = Nav::of(&user).await?;
    render(&PublicationPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        region: user.region().to_owned(),
        programs,
        licence: state.store.open_data_licence(user.region()).await?,
        licences: pantau_store::publication::LICENCES,
        saved: query.saved.is_some(),
    })
}

#[derive(Debug, Deserialize)]
pub struct Change {
    csrf: Option<String>,
    /// `publish`, `withdraw` or `licence`.
    action: String,
    program: Option<String>,
    licence: Option<String>,
}

async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<Change>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.publication.change").await);
    }
    let actor = user.actor();
    let program = || {
        form.program
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| PageError::BadRequest("program: choose a program".into()))
    };
    match form.action.as_str() {
        "publish" => {
            state
                .store
                .publish(user.region(), program()?, &actor)
                .await?
        }
        "withdraw" => {
            state
                .store
                .withdraw(user.region(), program()?, &actor)
                .await?
        }
        "licence" => {
            state
                .store
                .set_open_data_licence(
                    user.region(),
                    form.licence.as_deref().unwrap_or_default(),
                    &actor,
                )
                .await?
        }
        other => {
            return Err(PageError::BadRequest(format!(
                "action: \"{other}\" is not publish, withdraw or licence"
            )));
        }
    }
    Ok(Redirect::to("/admin/publikasi?saved=1"))
}
