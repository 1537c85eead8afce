//! Reports: XLSX, CSV and PDF downloads, the final evaluation, and the
//! spreadsheet templates and their import.
//!
//! Every logged-in user of a region may download its reports (they read the
//! same figures as the dashboard); only an admin may import. An import runs in
//! a background task; its page refreshes itself (no JavaScript) and shows a
//! `<progress>` until it is done, then the problems as a table, or what was
//! written. Nothing is written when there is any problem.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pantau_domain::evaluation::FinalVerdict;
use pantau_report::pdf::Signature;
use pantau_report::{ImportProblem, Report, final_evaluation};
use serde::Deserialize;

use super::{Evaluated, Nav, ViewQuery, evaluate_for, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/laporan", get(page))
        .route("/laporan/unduh", get(download))
        .route("/laporan/akhir", get(final_page))
        .route("/laporan/templat/{name}", get(template))
        .route("/laporan/impor", post(import))
        .route("/laporan/impor/{id}", get(import_status))
}

/// What to download: the evaluation at `as_of` or the final evaluation, in a format.
#[derive(Debug, Clone, Deserialize)]
pub struct DownloadQuery {
    pub program: Option<String>,
    pub as_of: Option<String>,
    /// `xlsx`, `csv` or `pdf`.
    pub format: String,
    /// `export` (default) or `final`.
    pub kind: Option<String>,
    /// CSV: which table (`summary`, `units`, `targets`, `compliance`, `entries`, `budget`).
    pub table: Option<String>,
}

/// A file to send: its bytes, content type and download name.
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
}

impl IntoResponse for Download {
    fn into_response(self) -> Response {
        (
            [
                (header::CONTENT_TYPE, self.content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", self.file_name),
                ),
            ],
            self.bytes,
        )
            .into_response()
    }
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";
pub const PDF: &str = "application/pdf";

fn report_failure(err: pantau_report::Error) -> PageError {
    match err {
        pantau_report::Error::NotFinal { .. } => PageError::BadRequest(err.to_string()),
        other => PageError::internal(other),
    }
}

/// The file a query asks for, for the user's region: shared by the page and the API.
pub async fn make_download(
    state: &AppState,
    region: &str,
    query: &DownloadQuery,
) -> Result<Download, PageError> {
    let is_final = match query.kind.as_deref().unwrap_or("export") {
        "export" => false,
        "final" => true,
        other => {
            return Err(PageError::BadRequest(format!(
                "kind: \"{other}\" is not export or final"
            )));
        }
    };
    let mut view = ViewQuery {
        program: query.program.clone(),
        as_of: query.as_of.clone().filter(|s| !s.is_empty()),
    };
    if is_final && view.as_of.is_none() {
        // The final evaluation is as of the program's last day unless asked otherwise.
        let region = state
            .evaluations
            .region(state.store.as_ref(), region)
            .await?;
        let program = match &view.program {
            Some(code) => region.program(code).ok_or(PageError::NotFound)?,
            None => region.programs.first().ok_or(PageError::NotFound)?,
        };
        view.as_of = Some(program.calendar.end.to_string());
    }
    let mut evaluated = evaluate_for(state, region, &view).await?;
    if is_final && let Some((frozen, _)) = frozen_final(state, region, &evaluated).await? {
        evaluated.evaluation = frozen;
    }
    let bundle = state.store.region_bundle(region).await?;
    let format = query.format.clone();
    let table = query.table.clone();
    let stem = format!(
        "{}-{}-{}",
        evaluated.program().code,
        if is_final {
            "evaluasi-akhir"
        } else {
            "evaluasi"
        },
        evaluated.as_of.local_date
    );
    // Typesetting and zipping are CPU work: keep them off the request threads.
    tokio::task::spawn_blocking(move || build(&evaluated, &bundle, is_final, &format, table, stem))
        .await
        .map_err(PageError::internal)?
}

/// The final evaluation as the closed final meeting froze it, with the moment it
/// closed; `None` while that meeting is still to be closed.
async fn frozen_final(
    state: &AppState,
    region: &str,
    evaluated: &Evaluated,
) -> Result<Option<(std::sync::Arc<pantau_domain::Evaluation>, String)>, PageError> {
    let program = evaluated.program();
    Ok(state
        .store
        .final_minutes(region, &program.code)
        .await?
        .and_then(|minutes| {
            let closed = super::format::moment(program.calendar.timezone, minutes.closed_at);
            minutes
                .evaluation
                .map(|evaluation| (std::sync::Arc::new(evaluation), closed))
        }))
}

fn build(
    evaluated: &Evaluated,
    bundle: &pantau_domain::bundle::Bundle,
    is_final: bool,
    format: &str,
    table: Option<String>,
    stem: String,
) -> Result<Download, PageError> {
    let report = Report::new(
        &evaluated.region,
        bundle,
        evaluated.program(),
        &evaluated.evaluation,
    );
    let final_doc = if is_final {
        Some(final_evaluation::final_evaluation(&report).map_err(report_failure)?)
    } else {
        None
    };
    match format {
        "xlsx" => Ok(Download {
            bytes: pantau_report::xlsx::export(&report).map_err(report_failure)?,
            content_type: XLSX,
            file_name: format!("{stem}.xlsx"),
        }),
        "csv" => {
            let names = pantau_report::tables::names(&report);
            let name = table.ok_or_else(|| {
                PageError::BadRequest(format!("table: choose one of {}", names.join(", ")))
            })?;
            let table = pantau_report::tables::by_name(&report, &name).ok_or_else(|| {
                PageError::BadRequest(format!(
                    "table: \"{name}\" is not one of {}",
                    names.join(", ")
                ))
            })?;
            Ok(Download {
                bytes: pantau_report::csv::table(&table).map_err(report_failure)?,
                content_type: CSV,
                file_name: format!("{stem}-{name}.csv"),
            })
        }
        "pdf" => {
            let signature = Signature::default();
            let bytes = match &final_doc {
                Some(doc) => pantau_report::pdf::final_report(&report, doc, &signature),
                None => pantau_report::pdf::evaluation_report(&report, &signature, &[]),
            }
            .map_err(report_failure)?;
            Ok(Download {
                bytes,
                content_type: PDF,
                file_name: format!("{stem}.pdf"),
            })
        }
        other => Err(PageError::BadRequest(format!(
            "format: \"{other}\" is not xlsx, csv or pdf"
        ))),
    }
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
                end: p.calendar.end.to_string(),
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
    make_download(&state, user.region(), &query).await
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
    program_code: String,
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
}

async fn final_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let mut view = ViewQuery {
        program: query.program.clone(),
        as_of: query.as_of.clone().filter(|s| !s.is_empty()),
    };
    if view.as_of.is_none() {
        let region = state
            .evaluations
            .region(state.store.as_ref(), user.region())
            .await?;
        let program = match &view.program {
            Some(code) => region.program(code).ok_or(PageError::NotFound)?,
            None => region.programs.first().ok_or(PageError::NotFound)?,
        };
        view.as_of = Some(program.calendar.end.to_string());
    }
    let mut evaluated = evaluate_for(&state, user.region(), &view).await?;
    let frozen_at = match frozen_final(&state, user.region(), &evaluated).await? {
        Some((frozen, closed)) => {
            evaluated.evaluation = frozen;
            Some(closed)
        }
        None => None,
    };
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
            capaian: super::format::pct(lang, u.achievement_pct),
            rating: super::format::rating(u.rating),
            record: format!("{}/{}/{}", u.on_time, u.late, u.missing),
        })
        .collect();
    render(&FinalPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(Nav::of(&user).await?),
        program_code: doc.program.clone(),
        program_name: doc.program_name.clone(),
        region_name: doc.region_name.clone(),
        as_of: doc.as_of.clone(),
        capaian: super::format::pct(lang, doc.summary.achievement_pct),
        rating: super::format::rating(doc.summary.rating),
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
    Running { done: usize, total: usize },
    Refused(Vec<ImportProblem>),
    Failed(String),
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
        job.state = state;
    }
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut csrf = None;
    let mut bytes = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| PageError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        match part.name() {
            Some("csrf") => csrf = part.text().await.ok(),
            Some("file") => {
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
    tokio::spawn(async move {
        let outcome = async {
            let base = store
                .region_bundle(&region)
                .await
                .map_err(|e| e.to_string())?;
            let read = tokio::task::spawn_blocking(move || {
                pantau_report::import::read(&bytes, &base, &mut |p| {
                    set_state(
                        id,
                        ImportState::Running {
                            done: p.done,
                            total: p.total,
                        },
                    )
                })
            })
            .await
            .map_err(|e| e.to_string())?;
            match read {
                Err(problems) => Ok(ImportState::Refused(problems)),
                Ok(bundle) => {
                    let summary = store
                        .import_bundle(&bundle, pantau_store::ImportMode::Merge, &actor)
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
        ImportState::Done(summary) => page.summary = summary,
    }
    render(&page)
}
