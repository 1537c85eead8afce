//! Lists of their own: an operator's report history and the audit log. Both
//! are searched, filtered, sorted and paged by the store
//! ([`crate::service::lists`]).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use pantau_domain::bundle::EntryStatus;
use pantau_present as present;
use pantau_store::{AuditFilter, EntryFilter};

use super::queue::{entry_sort, entry_sorts};
use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::CurrentUser;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::service::lists::{self, ListRequest, ListView};
use crate::thumbnail::EvidenceView;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lapor/riwayat", get(history))
        .route("/audit", get(audit))
}

/// An entry status as a list's filter value, in the page's words of the URL.
pub fn entry_status_choices(lang: present::Lang) -> Vec<(String, String)> {
    EntryStatus::ALL
        .iter()
        .map(|s| {
            (
                entry_status_key(*s).to_owned(),
                present::entry_status(lang, *s).to_owned(),
            )
        })
        .collect()
}

fn entry_status_key(status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::Submitted => "menunggu",
        EntryStatus::Returned => "dikembalikan",
        EntryStatus::Verified => "terverifikasi",
    }
}

fn entry_status_of(key: &str) -> Option<EntryStatus> {
    EntryStatus::ALL
        .into_iter()
        .find(|s| entry_status_key(*s) == key)
}

pub struct HistoryRow {
    pub id: i64,
    pub program: String,
    pub target: String,
    pub target_name: String,
    pub activity_date: String,
    pub value: String,
    pub status: String,
    pub status_code: &'static str,
    pub return_reason: Option<String>,
    pub note: String,
    pub submitted_at: String,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    unit: String,
    list: ListView,
    rows: Vec<HistoryRow>,
}

/// The operator's reports of its unit, every program, newest first.
async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(operator) = user.operator() else {
        return Err(user.deny(&state, "entry.history").await);
    };
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let mut list = ListRequest::new(&tr, "/lapor/riwayat", &raw, entry_sorts(&tr));
    let status = list
        .filter("status", tr.t("filter-status"), entry_status_choices(lang))
        .and_then(|s| entry_status_of(&s));
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
        unit: Some(operator.unit.to_owned()),
        status,
        program: period.and(program.map(|p| p.code.clone())),
        activity_from: period.map(|p| p.0),
        activity_to: period.map(|p| p.1),
        search: list.q.clone(),
        sort: entry_sort(list.sort),
        ..Default::default()
    };
    let total = state.store.count_entries(user.region(), &filter).await?;
    let (offset, limit) = list.page_of(total);
    filter.offset = Some(offset);
    filter.limit = Some(limit);
    let mut rows = Vec::new();
    for e in state.store.entries(user.region(), &filter).await? {
        let evidence = state
            .store
            .evidence_of_entry(user.region(), e.id)
            .await?
            .iter()
            .map(EvidenceView::of)
            .collect();
        rows.push(HistoryRow {
            id: e.id,
            program: e.program,
            target: e.target,
            target_name: e.target_name,
            activity_date: present::date(lang, e.activity_date),
            value: present::number(lang, Some(e.value)),
            status: present::entry_status(lang, e.status).to_owned(),
            status_code: e.status.code(),
            return_reason: e.return_reason,
            note: e.note.unwrap_or_default(),
            submitted_at: present::moment(lang, region.timezone, e.submitted_at),
            evidence,
        });
    }
    let nav = Nav::of(&user).await?;
    let list = list.finish(total);
    render(&HistoryPage {
        tr,
        nav: Some(nav),
        unit: operator.unit.to_owned(),
        list,
        rows,
    })
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    list: ListView,
    rows: Vec<AuditRow>,
}

/// The region's audit log, to its admin.
async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "audit.read").await);
    };
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let region_tz = state
        .evaluations
        .region(state.store.as_ref(), &admin.user.region)
        .await?
        .timezone;
    let sorts = vec![("baru", tr.t("sort-newest")), ("lama", tr.t("sort-oldest"))];
    let mut list = ListRequest::new(&tr, "/audit", &raw, sorts);
    let mut filter = AuditFilter {
        search: list.q.clone(),
        oldest_first: list.sort == "lama",
        ..Default::default()
    };
    let total = state.store.count_audit(user.region(), &filter).await?;
    let (offset, limit) = list.page_of(total);
    filter.offset = Some(offset);
    filter.limit = Some(limit);
    let rows = state
        .store
        .audit_page(user.region(), &filter)
        .await?
        .into_iter()
        .map(|r| AuditRow {
            at: present::moment(lang, region_tz, r.at),
            actor: r.actor,
            action: r.action,
            entity: format!("{} {}", r.entity, r.entity_id.unwrap_or_default()),
            detail: r.after.map(|v| v.to_string()).unwrap_or_default(),
        })
        .collect();
    let list = list.finish(total);
    render(&AuditPage {
        nav: Some(Nav::of(&user).await?),
        tr,
        list,
        rows,
    })
}
