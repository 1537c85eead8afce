//! The evaluator's verification queue: verify an entry, or return it with a reason.

use askama::Template;
use axum::Form;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use pantau_domain::bundle::EntryStatus;
use pantau_present as present;
use pantau_store::{EntryFilter, EntrySort};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;
use crate::service::entries;
use crate::service::lists::{self, ListRequest, ListView};
use crate::thumbnail::EvidenceView;

pub struct QueueRow {
    pub id: i64,
    pub unit: String,
    pub target: String,
    pub target_name: String,
    pub activity_date: String,
    pub value: String,
    pub note: String,
    pub submitted_at: String,
    pub evidence: Vec<EvidenceView>,
    /// It came in through an import.
    pub imported: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    list: ListView,
    rows: Vec<QueueRow>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(evaluator) = user.evaluator() else {
        return Err(user.deny(&state, "queue.read").await);
    };
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let reads = user.reads();
    let region = state
        .evaluations
        .region(reads.store(), user.region())
        .await?;
    let mut list = ListRequest::new(&tr, "/verifikasi", &raw, entry_sorts(&tr));
    let own = evaluator.clusters;
    let unit = list.filter(
        "unit",
        tr.t("filter-unit"),
        lists::unit_choices(&region, Some(own)),
    );
    let cluster = if own.len() > 1 {
        list.filter(
            "klaster",
            tr.t("filter-cluster"),
            lists::cluster_choices(&region, Some(own)),
        )
    } else {
        None
    };
    let program = lists::program_of(&region, &raw);
    let period = match program {
        Some(program) => list
            .filter(
                "periode",
                tr.t("filter-period"),
                lists::period_choices(lang, program),
            )
            .and_then(|p| lists::period_dates(program, &p)),
        None => None,
    };
    let mut filter = EntryFilter {
        clusters: Some(match cluster {
            Some(cluster) => vec![cluster],
            None => own.to_vec(),
        }),
        unit,
        status: Some(EntryStatus::Submitted),
        program: period.and(program.map(|p| p.code.clone())),
        activity_from: period.map(|p| p.0),
        activity_to: period.map(|p| p.1),
        search: list.q.clone(),
        sort: entry_sort(list.sort),
        ..Default::default()
    };
    let total = reads.store().count_entries(user.region(), &filter).await?;
    let (offset, limit) = list.page_of(total);
    filter.offset = Some(offset);
    filter.limit = Some(limit);
    let entries = reads.store().entries(user.region(), &filter).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let evidence = reads
            .store()
            .evidence_of_entry(user.region(), e.id)
            .await?
            .iter()
            .map(EvidenceView::of)
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
            imported: e.imported_at.is_some(),
        });
    }
    let nav = Nav::of(&user).await?;
    let list = list.finish(total);
    render(&QueuePage {
        tr,
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        list,
        rows,
    })
}

/// The orders of a list of entries, the default first.
pub fn entry_sorts(tr: &Tr) -> Vec<(&'static str, String)> {
    vec![
        ("baru", tr.t("sort-newest")),
        ("lama", tr.t("sort-oldest")),
        ("kegiatan", tr.t("sort-activity")),
        ("kegiatan-awal", tr.t("sort-activity-earliest")),
        ("unit", tr.t("sort-unit")),
        ("target", tr.t("sort-target")),
    ]
}

pub fn entry_sort(key: &str) -> EntrySort {
    match key {
        "lama" => EntrySort::Oldest,
        "kegiatan" => EntrySort::ActivityLatest,
        "kegiatan-awal" => EntrySort::ActivityEarliest,
        "unit" => EntrySort::Unit,
        "target" => EntrySort::Target,
        _ => EntrySort::Newest,
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    decision: String,
    reason: Option<String>,
    /// The page of the queue the decision was taken on.
    kembali: Option<String>,
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
        Ok(()) => Ok(Redirect::to(&lists::back_to(
            "/verifikasi",
            form.kembali.as_deref(),
        ))),
    }
}
