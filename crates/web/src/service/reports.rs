//! Report files: the evaluation at a moment or the final evaluation, as
//! XLSX, CSV (one table) or PDF. The page and the API download through here.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use pantau_report::pdf::Signature;
use pantau_report::{Report, final_evaluation};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::reads::Reads;
use crate::service::figures::{Evaluated, ViewQuery, evaluate_for};

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

pub fn report_failure(err: pantau_report::Error) -> PageError {
    match err {
        pantau_report::Error::NotFinal { .. } => PageError::BadRequest(err.to_string()),
        other => PageError::internal(other),
    }
}

/// The file a query asks for, for the user's region: shared by the page and the API.
pub async fn make_download(
    state: &AppState,
    reads: &Reads,
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
    let view = ViewQuery {
        program: query.program.clone(),
        as_of: query.as_of.clone().filter(|s| !s.is_empty()),
    };
    let evaluated = if is_final {
        final_figures(state, reads, region, view).await?.0
    } else {
        evaluate_for(state, reads, region, &view).await?
    };
    let bundle = reads.store().region_bundle(region).await?;
    let letterhead = letterhead(state, region).await?;
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
    tokio::task::spawn_blocking(move || {
        build(
            &evaluated, &bundle, is_final, &format, table, stem, letterhead,
        )
    })
    .await
    .map_err(PageError::internal)?
}

/// The head of every PDF of the region: its name, place and logo as the
/// administrator set them, the place read off the name when none is set.
pub async fn letterhead(
    state: &AppState,
    region: &str,
) -> Result<pantau_report::Letterhead, PageError> {
    let stored = state.store.letterhead(region).await?;
    let place = stored
        .place
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| pantau_report::minutes::place_of(&stored.name));
    Ok(pantau_report::Letterhead {
        name: stored.name,
        place,
        logo_png: stored.logo_png,
    })
}

/// The figures of a final evaluation: as of the final deadline unless another
/// moment is asked, and, once the final meeting has closed, the evaluation it
/// froze, with the moment it closed.
pub async fn final_figures(
    state: &AppState,
    reads: &Reads,
    region: &str,
    mut view: ViewQuery,
) -> Result<(Evaluated, Option<chrono::DateTime<chrono::Utc>>), PageError> {
    if view.as_of.as_deref().is_none_or(str::is_empty) {
        let model = state.evaluations.region(reads.store(), region).await?;
        let program = match &view.program {
            Some(code) => model.program(code).ok_or(PageError::NotFound)?,
            None => model.programs.first().ok_or(PageError::NotFound)?,
        };
        let cal = &program.calendar;
        view.as_of = Some(cal.format_instant(cal.final_deadline()));
    }
    let mut evaluated = evaluate_for(state, reads, region, &view).await?;
    let closed = match frozen_final(state, region, &evaluated).await? {
        Some((frozen, closed)) => {
            evaluated.evaluation = frozen;
            Some(closed)
        }
        None => None,
    };
    Ok((evaluated, closed))
}

/// The final evaluation as the closed final meeting froze it, with the moment it
/// closed; `None` while that meeting is still to be closed.
async fn frozen_final(
    state: &AppState,
    region: &str,
    evaluated: &Evaluated,
) -> Result<
    Option<(
        std::sync::Arc<pantau_domain::Evaluation>,
        chrono::DateTime<chrono::Utc>,
    )>,
    PageError,
> {
    Ok(state
        .store
        .final_minutes(region, &evaluated.program().code)
        .await?
        .and_then(|minutes| {
            let closed = minutes.closed_at;
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
    letterhead: pantau_report::Letterhead,
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
            let signature = Signature {
                letterhead: Some(letterhead),
                ..Signature::default()
            };
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

/// An import job, for its owner's eyes: an admin of its region who started
/// it. Anyone else is told there is no such job.
pub async fn import_job(
    state: &AppState,
    user: &crate::access::CurrentUser,
    id: pantau_store::Id,
) -> Result<pantau_store::ImportJob, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(state, "reports.import").await);
    }
    let job = state
        .store
        .job(id, chrono::Utc::now())
        .await?
        .ok_or(PageError::NotFound)?;
    if job.region != user.region() || job.owner != user.user.username {
        return Err(PageError::NotFound);
    }
    Ok(job)
}
