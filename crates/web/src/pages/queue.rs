//! The evaluator's verification queue: verify an entry, or return it with a reason.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use pantau_domain::bundle::EntryStatus;
use pantau_present as present;
use pantau_store::EntryFilter;
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;
use crate::service::entries;

pub struct QueueRow {
    pub id: i64,
    pub unit: String,
    pub target: String,
    pub target_name: String,
    pub activity_date: String,
    pub value: String,
    pub note: String,
    pub submitted_at: String,
    /// (id, file name) of its evidence files.
    pub evidence: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<QueueRow>,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let Some(evaluator) = user.evaluator() else {
        return Err(user.deny(&state, "queue.read").await);
    };
    let lang = lang_of(&user.session).await;
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let entries = state
        .store
        .entries(
            user.region(),
            &EntryFilter {
                clusters: Some(evaluator.clusters.to_vec()),
                status: Some(EntryStatus::Submitted),
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let evidence = state
            .store
            .evidence_of_entry(user.region(), e.id)
            .await?
            .into_iter()
            .map(|v| (v.id, v.file_name))
            .collect();
        rows.push(QueueRow {
            id: e.id,
            unit: e.unit,
            target: e.target,
            target_name: e.target_name,
            activity_date: present::date(lang, e.activity_date),
            value: present::number(lang, Some(e.value)),
            note: e.note.unwrap_or_default(),
            submitted_at: present::moment(lang, region.timezone, e.submitted_at),
            evidence,
        });
    }
    let nav = Nav::of(&user).await?;
    render(&QueuePage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        rows,
    })
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    decision: String,
    reason: Option<String>,
}

pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(evaluator) = user.evaluator() else {
        return Err(user.deny(&state, "entry.review").await);
    };
    let review = entries::parse_review(&form.decision, form.reason)?;
    match entries::review_entry(&state, &evaluator, id, review).await {
        Err(PageError::Forbidden) => Err(user.deny(&state, "entry.review.other_cluster").await),
        Err(other) => Err(other),
        Ok(()) => Ok(Redirect::to("/verifikasi")),
    }
}
