//! Reports: XLSX, CSV and PDF downloads, the final evaluation, and the
//! spreadsheet templates and their import.
//!
//! Every logged-in user of a region may download its reports (they read the
//! same figures as the dashboard); only an admin may import. An import runs in
//! a background task; its page refreshes itself (no JavaScript) and shows a
//! `<progress>` until it is done, then the problems as a table, or what was
//! written. Nothing is written when there is any problem.

use pantau_present as present;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pantau_domain::evaluation::FinalVerdict;
use pantau_report::{ImportProblem, Report, final_evaluation};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::figures::ViewQuery;
use crate::service::reports::{
    Download, DownloadQuery, XLSX, final_figures, make_download, report_failure,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/laporan", get(page))
        .route("/laporan/unduh", get(download))
        .route("/laporan/akhir", get(final_page))
        .route("/laporan/templat/{name}", get(template))
        .route("/laporan/impor", post(import))
        .route("/laporan/impor/{id}", get(import_status))
}

struct ProgramOption {
    code: String,
    name: String,
    end: String,
    /// The final evaluation can be drawn up (the end date has come).
    final_ready: bool,
    selected: bool,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    programs: Vec<ProgramOption>,
    as_of: String,
    tables: Vec<&'static str>,
    admin: bool,
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    program: Option<String>,
    as_of: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let selected = query
        .program
        .clone()
        .or_else(|| region.programs.first().map(|p| p.code.clone()))
        .unwrap_or_default();
    let programs = region
        .programs
        .iter()
        .map(|p| {
            let today = p.calendar.local_date(chrono::Utc::now());
            ProgramOption {
                code: p.code.clone(),
                name: p.name.clone(),
                end: present::date(lang, p.calendar.end),
                final_ready: today >= p.calendar.end,
                selected: p.code == selected,
            }
        })
        .collect();
    let nav = Nav::of(&user).await?;
    let csrf = nav.csrf.clone();
    render(&ReportsPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(nav),
        programs,
        as_of: query.as_of.unwrap_or_default(),
        tables: vec![
            "summary",
            "units",
            "targets",
            "compliance",
            "entries",
            "nil_reports",
            "budget",
        ],
        admin: user.admin().is_some(),
        csrf,
    })
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<DownloadQuery>,
) -> Result<Download, PageError> {
    make_download(&state, &user.reads(), user.region(), &query).await
}

struct FinalUnitRow {
    code: String,
    name: String,
    verdict: &'static str,
    capaian: String,
    rating: &'static str,
    record: String,
}

#[derive(Template)]
#[template(path = "report_final.html")]
struct FinalPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    program_name: String,
    region_name: String,
    as_of: String,
    capaian: String,
    rating: &'static str,
    units_achieved: u32,
    units_not_achieved: u32,
    units: Vec<FinalUnitRow>,
    /// When the final meeting closed, freezing these figures.
    frozen_at: Option<String>,
    targets_achieved: String,
    targets: String,
    /// Program and moment, kept by the download links.
    query: String,
}

async fn final_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let view = ViewQuery {
        program: query.program.clone(),
        as_of: query.as_of.clone(),
    };
    let (evaluated, closed) = final_figures(&state, &user.reads(), user.region(), view).await?;
    let frozen_at =
        closed.map(|closed| present::moment(lang, evaluated.program().calendar.timezone, closed));
    let report = Report {
        region: &evaluated.region,
        program: evaluated.program(),
        evaluation: &evaluated.evaluation,
        entries: &[],
        nil_reports: &[],
    };
    let doc = final_evaluation::final_evaluation(&report).map_err(report_failure)?;
    let units = doc
        .units
        .iter()
        .filter(|u| u.verdict.is_some())
        .map(|u| FinalUnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            verdict: match u.verdict {
                Some(FinalVerdict::Achieved) => "achieved",
                _ => "not_achieved",
            },
            capaian: present::pct(lang, u.achievement_pct),
            rating: present::rating(lang, u.rating),
            record: format!("{}/{}/{}", u.on_time, u.late, u.missing),
        })
        .collect();
    render(&FinalPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(Nav::of(&user).await?),
        program_name: doc.program_name.clone(),
        region_name: doc.region_name.clone(),
        as_of: present::figures_as_of(
            lang,
            evaluated.program().calendar.timezone,
            &evaluated.as_of,
        ),
        targets_achieved: present::count(
            lang,
            i64::from(
                evaluated
                    .evaluation
                    .summary
                    .status_counts
                    .get(pantau_domain::evaluation::Status::Achieved),
            ),
        ),
        targets: present::count(lang, i64::from(evaluated.evaluation.summary.targets)),
        query: evaluated.query(),
        capaian: present::pct(lang, doc.summary.achievement_pct),
        rating: present::rating(lang, doc.summary.rating),
        units_achieved: doc.summary.units_achieved,
        units_not_achieved: doc.summary.units_not_achieved,
        units,
        frozen_at,
    })
}

#[derive(Debug, Deserialize)]
struct TemplateQuery {
    /// `1`: filled with the region's current data.
    isi: Option<String>,
}

async fn template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Query(query): Query<TemplateQuery>,
) -> Result<Download, PageError> {
    let filled = query.isi.as_deref() == Some("1");
    let bundle = if filled {
        Some(state.store.region_bundle(user.region()).await?)
    } else {
        None
    };
    let bytes = match name.as_str() {
        "rencana.xlsx" => pantau_report::template::plan(bundle.as_ref()),
        "realisasi.xlsx" => pantau_report::template::entries(bundle.as_ref()),
        _ => return Err(PageError::NotFound),
    }
    .map_err(report_failure)?;
    Ok(Download {
        bytes,
        content_type: XLSX,
        file_name: name,
    })
}

/// An import in the background, as its page shows it.
#[derive(Debug, Clone)]
enum ImportState {
    Running {
        done: usize,
        total: usize,
    },
    Refused(Vec<ImportProblem>),
    Failed(String),
    /// Reading and checking took longer than allowed; nothing was written.
    TimedOut(crate::limits::ImportTimedOut),
    Done(String),
}

struct ImportJob {
    region: String,
    username: String,
    state: ImportState,
}

/// This server's imports. Kept in memory: a job lives as long as someone
/// may look at its page, and an import is written, or not, in one transaction
/// whatever happens to this list.
static JOBS: LazyLock<Mutex<HashMap<u64, ImportJob>>> = LazyLock::new(Default::default);

fn set_state(id: u64, state: ImportState) {
    if let Some(job) = JOBS.lock().expect("jobs lock").get_mut(&id) {
        // A reading past its time limit still reports progress: it does
        // not bring back a job that has ended.
        let ended = !matches!(job.state, ImportState::Running { .. });
        if !(ended && matches!(state, ImportState::Running { .. })) {
            job.state = state;
        }
    }
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut csrf = None;
    let mut bytes = None;
    let mut file_name = String::new();
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| PageError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        match part.name() {
            Some("csrf") => csrf = part.text().await.ok(),
            Some("file") => {
                file_name = part.file_name().unwrap_or_default().to_owned();
                bytes = Some(
                    part.bytes()
                        .await
                        .map_err(|e| PageError::BadRequest(format!("file: {e}")))?,
                )
            }
            _ => {}
        }
    }
    check_csrf(&user.session, csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "reports.import").await);
    }
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or_else(|| PageError::BadRequest("file: choose an XLSX file".into()))?;
    let source =
        pantau_store::ImportSource::of(Some(file_name.as_str()).filter(|n| !n.is_empty()), &bytes);
    let id = rand::random::<u64>() >> 12;
    JOBS.lock().expect("jobs lock").insert(
        id,
        ImportJob {
            region: user.region().to_owned(),
            username: user.user.username.clone(),
            state: ImportState::Running { done: 0, total: 0 },
        },
    );
    let region = user.region().to_owned();
    let actor = user.actor();
    let store = state.store.clone();
    let time_limit = state.config.import_time_limit;
    if file_name.is_empty() {
        file_name = "file".into();
    }
    tokio::spawn(async move {
        let outcome = async {
            let base = store
                .region_bundle(&region)
                .await
                .map_err(|e| e.to_string())?;
            let limits = store.limits();
            // Off the request threads, within the time limit: a workbook
            // that takes longer is refused before anything is written.
            let read = crate::limits::run_import(&file_name, time_limit, move || {
                pantau_report::import::read_with(&bytes, &base, limits, &mut |p| {
                    set_state(
                        id,
                        ImportState::Running {
                            done: p.done,
                            total: p.total,
                        },
                    )
                })
            })
            .await;
            let read = match read {
                Ok(read) => read,
                Err(late) => return Ok(ImportState::TimedOut(late)),
            };
            match read {
                Err(problems) => Ok(ImportState::Refused(problems)),
                Ok(bundle) => {
                    let summary = store
                        .import_bundle_from(
                            &bundle,
                            pantau_store::ImportMode::Merge,
                            &actor,
                            Some(&source),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>(ImportState::Done(format!(
                        "{} units, {} programs, {} targets; {} entries and {} nil reports added; {} budgets",
                        summary.units,
                        summary.programs,
                        summary.targets,
                        summary.entries_added,
                        summary.nil_reports_added,
                        summary.budgets
                    )))
                }
            }
        }
        .await;
        set_state(id, outcome.unwrap_or_else(ImportState::Failed));
    });
    Ok(Redirect::to(&format!("/laporan/impor/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "report_import.html")]
struct ImportPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    running: bool,
    done: usize,
    total: usize,
    problems: Vec<ImportProblem>,
    failed: String,
    summary: String,
}

async fn import_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<u64>,
) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "reports.import").await);
    }
    let job_state = {
        let jobs = JOBS.lock().expect("jobs lock");
        let job = jobs.get(&id).ok_or(PageError::NotFound)?;
        // Another admin's import is not this one's to watch.
        if job.region != user.region() || job.username != user.user.username {
            return Err(PageError::NotFound);
        }
        job.state.clone()
    };
    let lang: Lang = lang_of(&user.session).await;
    let mut page = ImportPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(Nav::of(&user).await?),
        running: false,
        done: 0,
        total: 0,
        problems: Vec::new(),
        failed: String::new(),
        summary: String::new(),
    };
    match job_state {
        ImportState::Running { done, total } => {
            page.running = true;
            page.done = done;
            page.total = total;
        }
        ImportState::Refused(problems) => page.problems = problems,
        ImportState::Failed(message) => page.failed = message,
        ImportState::TimedOut(late) => page.failed = crate::limits::timed_out_text(&page.tr, &late),
        ImportState::Done(summary) => page.summary = summary,
    }
    render(&page)
}
