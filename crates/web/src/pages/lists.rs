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
use pantau_store::{AuditFilter, AuditRecord, EntryFilter};

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
        .route("/audit.csv", get(audit_csv))
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
    /// It came in through an import.
    pub imported: bool,
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
    let reads = user.reads();
    let region = state
        .evaluations
        .region(reads.store(), user.region())
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
    let total = reads.store().count_entries(user.region(), &filter).await?;
    let (offset, limit) = list.page_of(total);
    filter.offset = Some(offset);
    filter.limit = Some(limit);
    let mut rows = Vec::new();
    for e in reads.store().entries(user.region(), &filter).await? {
        let evidence = reads
            .store()
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
            imported: e.imported_at.is_some(),
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
    /// How often a refusal was repeated, in words, when it was.
    pub repeated: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    list: ListView,
    rows: Vec<AuditRow>,
    /// The CSV of the same rows, filters kept.
    csv: String,
}

/// The audit list's query read into a list request and a store filter.
async fn audit_request<'a>(
    state: &AppState,
    tr: &'a Tr<'a>,
    region: &str,
    timezone: chrono_tz::Tz,
    raw: &HashMap<String, String>,
) -> Result<(ListRequest<'a>, AuditFilter), PageError> {
    let facets = state.store.audit_facets(region).await?;
    let same = |values: Vec<String>| -> Vec<(String, String)> {
        values.into_iter().map(|v| (v.clone(), v)).collect()
    };
    let sorts = vec![("baru", tr.t("sort-newest")), ("lama", tr.t("sort-oldest"))];
    let mut list = ListRequest::new(tr, "/audit", raw, sorts);
    let actor = list.filter("pelaku", tr.t("audit-actor"), same(facets.actors));
    let action = list.filter("tindakan", tr.t("audit-action"), same(facets.actions));
    let entity = list.filter("objek", tr.t("audit-entity"), same(facets.entities));
    let from = list.date("dari", tr.t("audit-from"));
    let to = list.date("sampai", tr.t("audit-to"));
    // Days are the region's days: from its midnight to the midnight after `to`.
    let midnight = |date: chrono::NaiveDate| {
        use chrono::TimeZone;
        timezone
            .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filter = AuditFilter {
        search: list.q.clone(),
        actor,
        action,
        entity,
        from: from.and_then(midnight),
        until: to.and_then(|d| d.succ_opt()).and_then(midnight),
        oldest_first: list.sort == "lama",
        ..Default::default()
    };
    Ok((list, filter))
}

/// What a record says beyond its columns, for a person.
fn audit_detail(tr: &Tr<'_>, record: &AuditRecord) -> (String, Option<String>) {
    let times = |count: i64| {
        tr.t_with(
            "audit-repeated",
            &[("count", present::count(tr.lang, count))],
        )
    };
    let repeated = match (record.action.as_str(), record.repeated) {
        (pantau_store::audit::REFUSED_REPEATED, _) => record
            .after
            .as_ref()
            .and_then(|a| a.get("count"))
            .and_then(serde_json::Value::as_i64)
            .map(times),
        (_, Some(count)) => Some(times(count)),
        _ => None,
    };
    let detail = record
        .after
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_default();
    (detail, repeated)
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
    let (mut list, mut filter) = audit_request(&state, &tr, user.region(), region_tz, &raw).await?;
    let total = state.store.count_audit(user.region(), &filter).await?;
    let (offset, limit) = list.page_of(total);
    filter.offset = Some(offset);
    filter.limit = Some(limit);
    let csv = format!("/audit.csv{}", list.query());
    let rows = state
        .store
        .audit_page(user.region(), &filter)
        .await?
        .into_iter()
        .map(|r| {
            let (detail, repeated) = audit_detail(&tr, &r);
            AuditRow {
                at: present::moment(lang, region_tz, r.at),
                actor: r.actor,
                action: r.action,
                entity: format!("{} {}", r.entity, r.entity_id.unwrap_or_default()),
                detail,
                repeated,
            }
        })
        .collect();
    let list = list.finish(total);
    render(&AuditPage {
        nav: Some(Nav::of(&user).await?),
        tr,
        list,
        rows,
        csv,
    })
}

/// The audit log as the page filters it, every matching record, as CSV.
/// Moments are ISO 8601 in the region's time; text a spreadsheet would take
/// for a formula gets a leading apostrophe.
async fn audit_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "audit.export").await);
    };
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let region_tz = state
        .evaluations
        .region(state.store.as_ref(), &admin.user.region)
        .await?
        .timezone;
    let (_, filter) = audit_request(&state, &tr, user.region(), region_tz, &raw).await?;
    let records = state.store.audit_page(user.region(), &filter).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let cell = |text: &str| pantau_report::formula::csv_cell(text).into_owned();
    out.write_record([
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "entity_id",
        "repeated",
        "before",
        "after",
    ])
    .map_err(PageError::internal)?;
    for r in &records {
        let repeated = match (r.action.as_str(), r.repeated) {
            (pantau_store::audit::REFUSED_REPEATED, _) => r
                .after
                .as_ref()
                .and_then(|a| a.get("count"))
                .and_then(serde_json::Value::as_i64),
            (_, count) => count,
        };
        let json =
            |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        out.write_record([
            r.id.to_string(),
            r.at.with_timezone(&region_tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            cell(&r.actor),
            cell(&r.action),
            cell(&r.entity),
            cell(r.entity_id.as_deref().unwrap_or_default()),
            repeated.map(|n| n.to_string()).unwrap_or_default(),
            cell(&json(&r.before)),
            cell(&json(&r.after)),
        ])
        .map_err(PageError::internal)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| PageError::internal(e.into_error()))?;
    use axum::http::header;
    use axum::response::IntoResponse;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audit-{}.csv\"", admin.user.region),
            ),
        ],
        bytes,
    )
        .into_response())
}
