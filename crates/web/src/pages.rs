//! Server-rendered pages. Each handler reads as: who (extractor), may they
//! (capability), what (store / engine), show (template).

mod admin;
pub(crate) mod budget;
pub(crate) mod checkin;
mod documents;
pub(crate) mod feedback;
mod format;
mod identity;
pub(crate) mod leaders;
mod lists;
mod login;
pub(crate) mod meetings;
mod plan_problems;
pub(crate) mod public;
mod public_admin;
mod public_data;
pub(crate) mod queue;
mod regions;
pub(crate) mod reports;
mod reset;
mod users;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use pantau_domain::evaluation::{ComplianceState, Status};
use pantau_present as present;
use tower_sessions::Session;

use crate::AppState;
use crate::access::{CurrentUser, csrf_token};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::figures::{Evaluated, MomentChoice, ViewQuery, evaluate_for};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(checkin::landing))
        .route("/masuk", get(login::form).post(login::submit))
        .route("/keluar", axum::routing::post(login::logout))
        .route("/bahasa/{lang}", get(switch_language))
        .route("/dasbor", get(dashboard))
        .route("/wilayah", get(regions::home))
        .route("/wilayah/{code}", get(regions::page))
        .route("/wilayah/{code}/dasbor", get(supervised_dashboard))
        .route("/unit/{code}", get(unit_page))
        .route("/target/{program}/{code}", get(target_page))
        .route("/lapor", get(checkin::form).post(checkin::submit))
        .route("/lapor/nihil", axum::routing::post(checkin::submit_nil))
        .route("/lapor/{id}/ubah", axum::routing::post(checkin::edit))
        .route("/lapor/{id}/hapus", axum::routing::post(checkin::delete))
        .route("/verifikasi", get(queue::list))
        .route("/verifikasi/{id}", axum::routing::post(queue::review))
        .route("/bukti/{id}", get(evidence_file))
        .route("/bukti/{id}/kecil", get(evidence_thumbnail))
        .merge(admin::routes())
        .merge(meetings::routes())
        .merge(leaders::routes())
        .merge(reports::routes())
        .merge(budget::routes())
        .merge(lists::routes())
        .merge(documents::routes())
        .merge(public::routes())
        .merge(public_admin::routes())
        .merge(feedback::routes())
}

/// The language of the request: the visitor's cookie, not the session, so
/// that a visitor who never logs in has no session. The argument is left from
/// when the session held the choice; [`crate::visitor::current_lang`] is the
/// same without it.
pub async fn lang_of(_session: &Session) -> Lang {
    crate::visitor::current_lang()
}

/// What the page header shows of the logged-in user: the menu of what the
/// role may open, the current page marked, and the work waiting.
#[allow(dead_code)] // pages other than the menu read the role flags
pub struct Nav {
    pub username: String,
    pub csrf: String,
    pub operator: bool,
    pub evaluator: bool,
    pub admin: bool,
    pub finance: bool,
    pub leader: bool,
    pub links: Vec<NavLink>,
    /// All the work waiting, for the folded phone menu's button.
    pub pending: Option<String>,
}

/// One link of the menu.
pub struct NavLink {
    pub href: &'static str,
    /// Its text's key in the catalog.
    pub key: &'static str,
    /// The work waiting behind it ("Verifikasi (17)"), when there is some.
    pub count: Option<String>,
    pub current: bool,
}

impl Nav {
    pub async fn of(user: &CurrentUser) -> Result<Nav, PageError> {
        let lang = lang_of(&user.session).await;
        let counts = crate::service::lists::pending(user).await?;
        let operator = user.operator().is_some();
        let evaluator = user.evaluator().is_some();
        let admin = user.admin().is_some();
        let leader = user.user.role == pantau_store::Role::Leader;
        // A supervisor's own region has no plan: its pages are the regions below.
        let supervisor = user.user.role == pantau_store::Role::Supervisor;
        let count = |n: Option<i64>| n.filter(|n| *n > 0).map(|n| present::count(lang, n));
        let mut links = vec![
            ("/wilayah", "nav-regions", None, supervisor),
            ("/dasbor", "nav-dashboard", None, !supervisor),
            ("/pimpinan", "nav-leaders", None, !supervisor),
            ("/lapor", "nav-checkin", None, operator),
            (
                "/lapor/riwayat",
                "nav-history",
                count(counts.returned),
                operator,
            ),
            ("/verifikasi", "nav-queue", count(counts.queue), evaluator),
            ("/rapat", "nav-meetings", None, evaluator || admin || leader),
            (
                "/tindak-lanjut",
                "nav-follow-ups",
                count(counts.follow_ups),
                operator || evaluator || admin || leader,
            ),
            ("/masukan", "nav-feedback", None, operator || admin),
            ("/anggaran", "nav-budget", None, !supervisor),
            ("/laporan", "nav-reports", None, !supervisor),
            ("/admin", "nav-admin", None, admin),
            ("/audit", "nav-audit", None, admin),
        ]
        .into_iter()
        .filter(|(_, _, _, shown)| *shown)
        .map(|(href, key, count, _)| NavLink {
            href,
            key,
            count,
            current: false,
        })
        .collect::<Vec<_>>();
        let pending = count(Some(
            [counts.queue, counts.follow_ups, counts.returned]
                .into_iter()
                .flatten()
                .sum(),
        ));
        // The longest link the path is under is the current page; a unit's or
        // a target's page is under the dashboard.
        let path = match user.path.as_str() {
            p if p.starts_with("/unit/") || p.starts_with("/target/") => "/dasbor",
            p => p,
        };
        if let Some(current) = links
            .iter_mut()
            .filter(|l| path == l.href || path.starts_with(&format!("{}/", l.href)))
            .max_by_key(|l| l.href.len())
        {
            current.current = true;
        }
        Ok(Nav {
            username: user.user.display_name.clone(),
            csrf: csrf_token(&user.session).await?,
            operator,
            evaluator,
            admin,
            finance: user.finance().is_some(),
            leader,
            links,
            pending,
        })
    }
}

pub fn render(template: &impl Template) -> Result<Response, PageError> {
    Ok(Html(template.render().map_err(PageError::internal)?).into_response())
}

async fn switch_language(
    visitor: crate::visitor::Visitor,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Redirect, PageError> {
    let lang = Lang::parse(&code).ok_or(PageError::NotFound)?;
    visitor.choose_lang(lang);
    // Back to the page the switch was pressed on, if it was one of ours.
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/".to_owned());
    Ok(Redirect::to(&back))
}

/// The program and the moment of a page's figures, said in words, with the
/// query that keeps them in every link.
pub struct Header {
    pub program_code: String,
    pub program_name: String,
    pub region_name: String,
    /// "Angka per akhir 25 April 2025".
    pub as_of: String,
    /// "hari ke-63 dari 88".
    pub day: String,
    /// `program=…&as_of=…` for the page's links.
    pub query: String,
    /// Why these figures are the moment they are, after the final deadline.
    pub moment_note: Option<MomentNote>,
}

pub struct MomentNote {
    /// "Angka resmi akhir program…" or "Angka ini menghitung laporan yang masuk setelah…".
    pub text: String,
    /// The other moment's link: the figures as of now, or the official ones.
    pub link: String,
    pub link_text: String,
}

impl Header {
    pub fn of(evaluated: &Evaluated, tr: &Tr, path: &str) -> Header {
        let lang = tr.lang;
        let program = evaluated.program();
        let cal = &program.calendar;
        let tz = cal.timezone;
        let deadline = present::moment(lang, tz, cal.final_deadline());
        let code = crate::service::figures::encode(&program.code);
        let moment_note = match evaluated.choice {
            MomentChoice::FinalDeadline => Some(MomentNote {
                text: tr.t_with(
                    "moment-final-official",
                    &[
                        ("deadline", deadline),
                        (
                            "late",
                            present::count(lang, evaluated.reports_after_final() as i64),
                        ),
                    ],
                ),
                link: format!("{path}?program={code}&as_of=now"),
                link_text: tr.t("moment-see-now"),
            }),
            MomentChoice::AfterFinal => Some(MomentNote {
                text: tr.t_with("moment-after-final", &[("deadline", deadline)]),
                link: format!("{path}?program={code}"),
                link_text: tr.t("moment-see-official"),
            }),
            MomentChoice::Asked | MomentChoice::Now => None,
        };
        Header {
            program_code: program.code.clone(),
            program_name: program.name.clone(),
            region_name: evaluated.region.name.clone(),
            as_of: present::figures_as_of(lang, tz, &evaluated.as_of),
            day: present::day_of(
                lang,
                evaluated.evaluation.day,
                evaluated.evaluation.days_total,
            ),
            query: evaluated.query(),
            moment_note,
        }
    }
}

pub struct GroupRow {
    pub code: String,
    pub name: String,
    pub targets: u32,
    pub status: &'static str,
    pub capaian: String,
    pub rating: &'static str,
    pub compliance: Vec<&'static str>,
}

impl GroupRow {
    /// A priority's or a cluster's line: no compliance strip of its own.
    fn of_group(
        lang: Lang,
        code: &str,
        name: &str,
        targets: u32,
        status: Option<Status>,
        achievement_pct: Option<rust_decimal::Decimal>,
        rating_value: Option<pantau_domain::rating::Rating>,
    ) -> GroupRow {
        GroupRow {
            code: code.to_owned(),
            name: name.to_owned(),
            targets,
            status: status_code(status),
            capaian: present::pct(lang, achievement_pct),
            rating: present::rating(lang, rating_value),
            compliance: Vec::new(),
        }
    }
}

pub struct SummaryView {
    pub capaian: String,
    pub rating: &'static str,
    pub targets: u32,
    pub units_with_targets: u32,
    pub reporting_rate: String,
    pub on_time_rate: String,
    pub counts: Vec<(&'static str, u32)>,
}

impl SummaryView {
    /// A program's summary as its cards and status line show it.
    pub fn of(lang: Lang, summary: &pantau_domain::evaluation::Summary) -> SummaryView {
        SummaryView {
            capaian: present::pct(lang, summary.achievement_pct),
            rating: present::rating(lang, summary.rating),
            targets: summary.targets,
            units_with_targets: summary.units_with_targets,
            reporting_rate: present::rate(lang, summary.reporting_rate),
            on_time_rate: present::rate(lang, summary.on_time_rate),
            counts: status_counts(summary),
        }
    }
}

/// The statuses a summary has targets in, each with its count, in the
/// statuses' order.
pub fn status_counts(summary: &pantau_domain::evaluation::Summary) -> Vec<(&'static str, u32)> {
    Status::ALL
        .iter()
        .filter(|s| summary.status_counts.get(**s) > 0)
        .map(|s| (s.code(), summary.status_counts.get(*s)))
        .collect()
}

fn status_code(status: Option<Status>) -> &'static str {
    status.map_or("no_data", Status::code)
}

fn compliance_codes(states: impl Iterator<Item = ComplianceState>) -> Vec<&'static str> {
    states.map(ComplianceState::code).collect()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    header: Header,
    summary: SummaryView,
    units: Vec<GroupRow>,
    without_targets: String,
    priorities: Vec<GroupRow>,
    clusters: Vec<GroupRow>,
    /// Units link to their pages; not in a supervisor's read-only view.
    unit_links: bool,
    /// A supervisor's view of a region below: the note saying so, and the
    /// way back to the list of regions.
    supervised: Option<(String, String)>,
}

async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    dashboard_of(&state, &user, user.region(), &query, "/dasbor", None).await
}

/// A region's dashboard as a supervisor of it (or of a region above it)
/// reads it: the same figures as its leaders see, read-only.
async fn supervised_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let Ok(parsed) = pantau_domain::RegionCode::parse(&code) else {
        return Err(PageError::NotFound);
    };
    if !crate::service::rollup::may_read(&user.user, &parsed) {
        return Err(user.deny(&state, "page.region.dashboard").await);
    }
    let keep = query
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| format!("?as_of={}", crate::service::figures::encode(a)))
        .unwrap_or_default();
    let back = format!("/wilayah/{code}{keep}");
    let path = format!("/wilayah/{code}/dasbor");
    dashboard_of(&state, &user, &code, &query, &path, Some(back)).await
}

async fn dashboard_of(
    state: &AppState,
    user: &CurrentUser,
    region_code: &str,
    query: &ViewQuery,
    path: &str,
    supervised_back: Option<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let evaluated = evaluate_for(state, &user.reads(), region_code, query).await?;
    let eval = &evaluated.evaluation;
    let region = &evaluated.region;
    let summary = &eval.summary;
    let units = region
        .units
        .iter()
        .zip(&eval.units)
        .filter(|(_, u)| u.targets > 0)
        .map(|(unit, u)| GroupRow {
            code: unit.code.clone(),
            name: unit.name.clone(),
            targets: u.targets,
            status: status_code(u.status),
            capaian: present::pct(lang, u.achievement_pct),
            rating: present::rating(lang, u.rating),
            compliance: compliance_codes(u.compliance.iter().map(|c| c.state)),
        })
        .collect();
    let without_targets = region
        .units
        .iter()
        .zip(&eval.units)
        .filter(|(_, u)| u.targets == 0)
        .map(|(unit, _)| unit.code.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let priorities = region
        .priorities
        .iter()
        .zip(&eval.priorities)
        .map(|(p, r)| {
            GroupRow::of_group(
                lang,
                &p.code,
                &p.name,
                r.targets,
                r.status,
                r.achievement_pct,
                r.rating,
            )
        })
        .collect();
    let clusters = region
        .clusters
        .iter()
        .zip(&eval.clusters)
        .map(|(c, r)| {
            GroupRow::of_group(
                lang,
                &c.code,
                &c.name,
                r.targets,
                r.status,
                r.achievement_pct,
                r.rating,
            )
        })
        .collect();
    let page = DashboardPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(Nav::of(user).await?),
        header: Header::of(
            &evaluated,
            &Tr {
                catalog: &state.i18n,
                lang,
            },
            path,
        ),
        summary: SummaryView::of(lang, summary),
        units,
        without_targets,
        priorities,
        clusters,
        unit_links: supervised_back.is_none(),
        supervised: supervised_back.map(|back| {
            let note = state.i18n.text_with(
                lang,
                "regions-dashboard-note",
                &[("region", evaluated.region.name.clone())],
            );
            (note, back)
        }),
    };
    render(&page)
}

pub struct TargetRow {
    pub code: String,
    pub name: String,
    pub realized: String,
    pub target: String,
    pub capaian: String,
    pub rating: &'static str,
    pub status: &'static str,
    pub stale: bool,
    pub likely_to_miss: bool,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    header: Header,
    unit_code: String,
    unit_name: String,
    row: GroupRow,
    reporting_rate: String,
    on_time_rate: String,
    final_verdict: String,
    targets: Vec<TargetRow>,
}

async fn unit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let evaluated = evaluate_for(&state, &user.reads(), user.region(), &query).await?;
    let region = &evaluated.region;
    let position = region
        .units
        .iter()
        .position(|u| u.code == code)
        .ok_or(PageError::NotFound)?;
    let unit = &region.units[position];
    let result = &evaluated.evaluation.units[position];
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let targets = evaluated
        .program()
        .targets
        .iter()
        .zip(&evaluated.evaluation.targets)
        .filter(|(t, _)| t.unit as usize == position)
        .map(|(t, r)| TargetRow {
            code: t.code.clone(),
            name: t.name.clone(),
            realized: present::number(lang, r.realized),
            target: present::number(lang, Some(t.target)),
            capaian: present::pct(lang, r.achievement_pct),
            rating: present::rating(lang, r.rating),
            status: r.status.code(),
            stale: r.stale,
            likely_to_miss: r.likely_to_miss == Some(true),
        })
        .collect();
    let final_verdict = match result.final_verdict {
        Some(verdict) => present::final_verdict(lang, verdict).to_owned(),
        None => String::new(),
    };
    let page = UnitPage {
        nav: Some(Nav::of(&user).await?),
        header: Header::of(
            &evaluated,
            &Tr {
                catalog: &state.i18n,
                lang,
            },
            &format!("/unit/{}", unit.code),
        ),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        row: GroupRow {
            code: unit.code.clone(),
            name: unit.name.clone(),
            targets: result.targets,
            status: status_code(result.status),
            capaian: present::pct(lang, result.achievement_pct),
            rating: present::rating(lang, result.rating),
            compliance: compliance_codes(result.compliance.iter().map(|c| c.state)),
        },
        reporting_rate: present::rate(lang, result.reporting_rate),
        on_time_rate: present::rate(lang, result.on_time_rate),
        final_verdict,
        targets,
        tr,
    };
    render(&page)
}

pub struct EntryView {
    pub activity_date: String,
    pub value: String,
    pub status: String,
    pub return_reason: Option<String>,
    pub note: String,
    pub submitted_at: String,
    /// Its evidence, when the user may see it.
    pub evidence: Vec<crate::thumbnail::EvidenceView>,
    /// It came in through an import.
    pub imported: bool,
}

#[derive(Template)]
#[template(path = "target.html")]
struct TargetPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    header: Header,
    unit_code: String,
    t: TargetRow,
    expected: String,
    projected: String,
    chart: String,
    entries: Vec<EntryView>,
}

async fn target_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((program, code)): Path<(String, String)>,
    Query(query): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let query = ViewQuery {
        program: Some(program),
        as_of: query.as_of,
    };
    let reads = user.reads();
    let evaluated = evaluate_for(&state, &reads, user.region(), &query).await?;
    let program = evaluated.program();
    let position = program
        .targets
        .iter()
        .position(|t| t.code == code)
        .ok_or(PageError::NotFound)?;
    let target = &program.targets[position];
    let result = &evaluated.evaluation.targets[position];
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let entries = reads
        .store()
        .entries(
            user.region(),
            &pantau_store::EntryFilter {
                program: Some(program.code.clone()),
                target: Some(code.clone()),
                ..Default::default()
            },
        )
        .await?;
    let chart = format::trajectory(&tr, program, target, result, &evaluated.as_of);
    let unit_code = &evaluated.region.units[target.unit as usize].code;
    let sees_evidence = user.may_see_evidence_of(unit_code);
    let mut views = Vec::with_capacity(entries.len());
    for e in entries {
        let evidence = if sees_evidence {
            reads
                .store()
                .evidence_of_entry(user.region(), e.id)
                .await?
                .iter()
                .map(crate::thumbnail::EvidenceView::of)
                .collect()
        } else {
            Vec::new()
        };
        views.push(EntryView {
            imported: e.imported_at.is_some(),
            activity_date: present::date(lang, e.activity_date),
            value: present::number(lang, Some(e.value)),
            status: present::entry_status(lang, e.status).to_owned(),
            return_reason: e.return_reason,
            note: e.note.unwrap_or_default(),
            submitted_at: present::moment(lang, program.calendar.timezone, e.submitted_at),
            evidence,
        });
    }
    let entries = views;
    let page = TargetPage {
        nav: Some(Nav::of(&user).await?),
        header: Header::of(
            &evaluated,
            &Tr {
                catalog: &state.i18n,
                lang,
            },
            &format!("/target/{}/{}", program.code, target.code),
        ),
        unit_code: evaluated.region.units[target.unit as usize].code.clone(),
        t: TargetRow {
            code: target.code.clone(),
            name: target.name.clone(),
            realized: present::number(lang, result.realized),
            target: present::number(lang, Some(target.target)),
            capaian: present::pct(lang, result.achievement_pct),
            rating: present::rating(lang, result.rating),
            status: result.status.code(),
            stale: result.stale,
            likely_to_miss: result.likely_to_miss == Some(true),
        },
        expected: present::number(lang, result.expected),
        projected: present::number(lang, result.projected),
        chart,
        entries,
        tr,
    };
    render(&page)
}

/// An evidence file the user may see: an operator its own unit's, every
/// other role the region's. Another unit's file is refused (and the attempt
/// recorded) as one the region does not have would be.
async fn visible_evidence(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<pantau_store::EvidenceRow, PageError> {
    let evidence = state
        .store
        .evidence(user.region(), id)
        .await?
        .ok_or(PageError::NotFound)?;
    let entry = state
        .store
        .entry(user.region(), evidence.entry_id)
        .await?
        .ok_or(PageError::NotFound)?;
    if !user.may_see_evidence_of(&entry.unit) {
        return Err(user.deny(state, "evidence.read.other_unit").await);
    }
    Ok(evidence)
}

/// An evidence file's thumbnail (a picture's; a PDF has its icon drawn by
/// the page), under the same check as the file.
async fn evidence_thumbnail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let evidence = visible_evidence(&state, &user, id).await?;
    let (bytes, content_type) = match crate::thumbnail::thumbnail_of(&evidence).await {
        Ok(made) => made,
        Err(crate::thumbnail::ThumbnailError::NotAPicture(_)) => return Err(PageError::NotFound),
        Err(err) => {
            return Err(PageError::Internal(format!(
                "thumbnail of evidence {id}: {err}"
            )));
        }
    };
    use axum::http::header;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// An evidence file, to those who may see it ([`visible_evidence`]). Served
/// with its checked type and `nosniff`, never from a web root.
async fn evidence_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let evidence = visible_evidence(&state, &user, id).await?;
    let bytes = tokio::fs::read(&evidence.stored_path)
        .await
        .map_err(|err| PageError::Internal(format!("evidence {id}: {err}")))?;
    let safe_name: String = evidence
        .file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    use axum::http::header;
    Ok((
        [
            (header::CONTENT_TYPE, evidence.content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{safe_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
