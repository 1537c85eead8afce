//! Reports: XLSX, CSV and PDF downloads, the final evaluation, and the
//! spreadsheet templates and their import.
//!
//! Every logged-in user of a region may download its reports (they read the
//! same figures as the dashboard); only an admin may import. An import runs in
//! a background task; its page refreshes itself (no JavaScript) and shows a
//! `<progress>` until it is done, then the problems as a table, or what was
//! written. Nothing is written when there is any problem. The job and its
//! progress are kept in the database, so that any app server shows it.

use pantau_present as present;
use std::sync::Mutex;

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use pantau_domain::evaluation::FinalVerdict;
use pantau_report::{ImportProblem, Report, final_evaluation};
use pantau_store::{JOB_HEARTBEAT, JobState};
use serde::{Deserialize, Serialize};

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

/// Why a job failed, as the page shows it: kept with the job (its
/// `detail`) so that any app server can show it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Failure {
    Refused {
        problems: Vec<Problem>,
    },
    /// Reading and checking took longer than allowed; nothing was written.
    TimedOut {
        file: String,
        seconds: u64,
    },
}

/// An [`ImportProblem`] as kept.
#[derive(Debug, Serialize, Deserialize)]
struct Problem {
    sheet: String,
    row: u32,
    column: String,
    reason: String,
}

impl From<ImportProblem> for Problem {
    fn from(p: ImportProblem) -> Self {
        Problem {
            sheet: p.sheet,
            row: p.row,
            column: p.column,
            reason: p.reason,
        }
    }
}

impl From<Problem> for ImportProblem {
    fn from(p: Problem) -> Self {
        ImportProblem {
            sheet: p.sheet,
            row: p.row,
            column: p.column,
            reason: p.reason,
        }
    }
}

fn failed(message: String, failure: Option<Failure>) -> JobState {
    JobState::Failed {
        message,
        detail: failure.map(|f| serde_json::to_value(f).expect("a failure serializes")),
    }
}

/// How often the progress of a running job is written, at most: a big
/// file does not write per row.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Write the job's progress while it runs: when it moved, at most every
/// [`PROGRESS_EVERY`], and its heartbeat at least every [`JOB_HEARTBEAT`]
/// (a job without one reads as stopped). Ends when `progress` is dropped.
fn report_progress(
    store: std::sync::Arc<dyn pantau_store::Store>,
    id: pantau_store::Id,
    progress: std::sync::Weak<Mutex<(usize, usize)>>,
) {
    tokio::spawn(async move {
        let heartbeat = JOB_HEARTBEAT.to_std().expect("a positive heartbeat");
        let mut written = (0, 0);
        let mut written_at = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(PROGRESS_EVERY).await;
            let Some(progress) = progress.upgrade() else {
                return;
            };
            let now = *progress.lock().expect("progress lock");
            drop(progress);
            if now == written && written_at.elapsed() < heartbeat {
                continue;
            }
            let (done, total) = (now.0 as i64, now.1 as i64);
            match store.job_progress(id, done, total, Utc::now()).await {
                Ok(()) => {
                    written = now;
                    written_at = tokio::time::Instant::now();
                }
                Err(err) => tracing::warn!("progress of import {id} not written: {err}"),
            }
        }
    });
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
    if file_name.is_empty() {
        file_name = "file".into();
    }
    let id = state
        .store
        .job_create(user.region(), &user.user.username, &file_name, Utc::now())
        .await?;
    let region = user.region().to_owned();
    let actor = user.actor();
    let store = state.store.clone();
    let time_limit = state.config.import_time_limit;
    tokio::spawn(async move {
        let progress = std::sync::Arc::new(Mutex::new((0usize, 0usize)));
        report_progress(store.clone(), id, std::sync::Arc::downgrade(&progress));
        let reading = progress.clone();
        let outcome = async {
            let base = store
                .region_bundle(&region)
                .await
                .map_err(|e| e.to_string())?;
            let limits = store.limits();
            // Off the request threads, within the time limit: a workbook
            // that takes longer is refused before anything is written.
            let file = file_name.clone();
            let read = crate::limits::run_import(&file, time_limit, move || {
                pantau_report::import::read_with(&bytes, &base, limits, &mut |p| {
                    *reading.lock().expect("progress lock") = (p.done, p.total);
                })
            })
            .await;
            let read = match read {
                Ok(read) => read,
                Err(late) => {
                    let failure = Failure::TimedOut {
                        file: late.file.clone(),
                        seconds: late.seconds,
                    };
                    return Ok(failed(late.to_string(), Some(failure)));
                }
            };
            match read {
                Err(problems) => {
                    let message = format!("{} problem(s)", problems.len());
                    let problems = problems.into_iter().map(Problem::from).collect();
                    Ok(failed(message, Some(Failure::Refused { problems })))
                }
                Ok(bundle) => {
                    // One transaction: written whole or not at all.
                    let summary = store
                        .import_bundle_from(
                            &bundle,
                            pantau_store::ImportMode::Merge,
                            &actor,
                            Some(&source),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>(JobState::Done {
                        summary: format!(
                            "{} units, {} programs, {} targets; {} entries and {} nil reports added; {} budgets",
                            summary.units,
                            summary.programs,
                            summary.targets,
                            summary.entries_added,
                            summary.nil_reports_added,
                            summary.budgets
                        ),
                    })
                }
            }
        }
        .await;
        drop(progress);
        let end = outcome.unwrap_or_else(|message| failed(message, None));
        if let Err(err) = store.job_finish(id, &end, Utc::now()).await {
            tracing::error!("the end of import {id} was not written: {err}");
        }
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
    Path(id): Path<pantau_store::Id>,
) -> Result<Response, PageError> {
    let job = crate::service::reports::import_job(&state, &user, id).await?;
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
    match job.state {
        JobState::Running { done, total } => {
            page.running = true;
            page.done = usize::try_from(done).unwrap_or_default();
            page.total = usize::try_from(total).unwrap_or_default();
        }
        JobState::Done { summary } => page.summary = summary,
        JobState::Stopped => page.failed = page.tr.t("reports-import-stopped"),
        JobState::Failed { message, detail } => {
            match detail.and_then(|d| serde_json::from_value::<Failure>(d).ok()) {
                Some(Failure::Refused { problems }) => {
                    page.problems = problems.into_iter().map(ImportProblem::from).collect()
                }
                Some(Failure::TimedOut { file, seconds }) => {
                    let late = crate::limits::ImportTimedOut { file, seconds };
                    page.failed = crate::limits::timed_out_text(&page.tr, &late)
                }
                None => page.failed = message,
            }
        }
    }
    render(&page)
}
