//! The operator's weekly check-in: a value per target with its activity date
//! and note (and evidence), or a nil report for the period.

use std::str::FromStr;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use pantau_domain::bundle::Kind;
use pantau_store::{EntryChange, EntryFilter, NewEntry, NewEvidence, NewNilReport};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Nav, ViewQuery, evaluate_for, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, OperatorOf, actor_of, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;

pub struct TargetForm {
    pub code: String,
    pub name: String,
    pub measure: String,
    pub kind: &'static str,
}

pub struct PastEntry {
    pub id: i64,
    pub editable: bool,
    pub raw_value: String,
    pub raw_date: String,
    pub target: String,
    pub activity_date: String,
    pub value: String,
    pub status: String,
    pub return_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    unit: String,
    program: String,
    period_index: u32,
    period_start: String,
    period_end: String,
    deadline: String,
    late_notice: Option<String>,
    today: String,
    saved: bool,
    targets: Vec<TargetForm>,
    past: Vec<PastEntry>,
    refusal: Option<Refusal>,
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<u8>,
    program: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<Saved>,
) -> Result<Response, PageError> {
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "checkin.read").await);
    };
    page(
        &state,
        &user,
        &op,
        query.program,
        query.saved == Some(1),
        None,
    )
    .await
}

impl CheckinPage<'_> {
    /// The refusal to show in a target's form, if the refused report was for it.
    fn refusal_for(&self, target: &str) -> Option<&Refusal> {
        self.refusal.as_ref().filter(|r| r.target == target)
    }
}

/// A report the server refused: shown again in its form, with what was typed.
pub struct Refusal {
    pub target: String,
    pub message: String,
    pub value: String,
    pub activity_date: String,
    pub note: String,
}

/// The check-in page; with a refusal it answers 400 and keeps the typed values.
async fn page(
    state: &AppState,
    user: &CurrentUser,
    op: &OperatorOf<'_>,
    program: Option<String>,
    saved: bool,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let evaluated = evaluate_for(
        state,
        user.region(),
        &ViewQuery {
            program,
            as_of: None,
        },
    )
    .await?;
    let program = evaluated.program();
    let cal = &program.calendar;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let today = evaluated.as_of.local_date;
    let periods = cal.periods();
    let position = cal
        .period_position(today.clamp(cal.start, cal.end))
        .unwrap_or(0);
    let period = &periods[position];
    // Reports for a period whose deadline has passed are late; they are
    // discussed at the next evaluation, the current period's deadline day.
    let unit_index = evaluated
        .region
        .units
        .iter()
        .position(|u| u.code == op.unit)
        .ok_or(PageError::NotFound)?;
    let unit_result = &evaluated.evaluation.units[unit_index];
    let overdue = unit_result
        .compliance
        .iter()
        .any(|c| c.state == pantau_domain::evaluation::ComplianceState::Missing);
    let late_notice = overdue.then(|| {
        let discussed = period.deadline.with_timezone(&cal.timezone).date_naive();
        format!("{} {}.", tr.t("checkin-late"), discussed)
    });
    let targets = program
        .targets
        .iter()
        .filter(|t| t.unit as usize == unit_index)
        .map(|t| TargetForm {
            code: t.code.clone(),
            name: t.name.clone(),
            measure: t.measure.clone().unwrap_or_default(),
            kind: match t.kind {
                Kind::Sum => "sum",
                Kind::Last => "last",
                Kind::Milestone => "milestone",
            },
        })
        .collect();
    let past = state
        .store
        .entries(
            user.region(),
            &EntryFilter {
                program: Some(program.code.clone()),
                unit: Some(op.unit.to_owned()),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|e| PastEntry {
            id: e.id,
            editable: e.status != pantau_domain::bundle::EntryStatus::Verified,
            raw_value: e.value.normalize().to_string(),
            raw_date: e.activity_date.to_string(),
            target: e.target,
            activity_date: e.activity_date.to_string(),
            value: super::format::num(lang, Some(e.value)),
            status: super::format::entry_status(&tr, e.status),
            return_reason: e.return_reason,
        })
        .collect();
    let page = CheckinPage {
        nav: Some(Nav::of(user).await?),
        unit: op.unit.to_owned(),
        program: program.code.clone(),
        period_index: period.index,
        period_start: period.start.to_string(),
        period_end: period.end.to_string(),
        deadline: super::format::moment(cal.timezone, period.deadline),
        late_notice,
        // Never a default date outside the program (a finished program still takes late reports).
        today: today.min(cal.end).to_string(),
        saved,
        targets,
        past,
        tr,
        refusal,
    };
    let mut response = render(&page)?;
    if page.refusal.is_some() {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// The fields of one report, as posted.
#[derive(Default)]
pub(crate) struct Posted {
    pub(crate) csrf: Option<String>,
    pub(crate) program: String,
    pub(crate) target: String,
    pub(crate) activity_date: String,
    pub(crate) value: String,
    pub(crate) note: String,
    pub(crate) evidence: Option<(String, Vec<u8>)>,
}

async fn read_form(mut multipart: Multipart, max_bytes: usize) -> Result<Posted, PageError> {
    let mut posted = Posted::default();
    let bad = |m: String| PageError::BadRequest(m);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("the form could not be read: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "evidence" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| {
                bad(format!(
                    "evidence: the file is larger than {} MB",
                    max_bytes / (1024 * 1024)
                ))
            })?;
            if !bytes.is_empty() {
                if bytes.len() > max_bytes {
                    return Err(bad(format!(
                        "evidence: the file is larger than {} MB",
                        max_bytes / (1024 * 1024)
                    )));
                }
                posted.evidence = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| bad(format!("{name}: {e}")))?;
        match name.as_str() {
            "csrf" => posted.csrf = Some(text),
            "program" => posted.program = text,
            "target" => posted.target = text,
            "activity_date" => posted.activity_date = text,
            "value" => posted.value = text,
            "note" => posted.note = text,
            _ => {}
        }
    }
    Ok(posted)
}

/// The kind of an evidence file from its first bytes, not from its name.
fn evidence_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else {
        None
    }
}

/// A number as people type it: `12`, `12.5` or `12,5`.
fn parse_value(text: &str) -> Option<Decimal> {
    let text = text.trim().replace(' ', "");
    let text = if text.contains(',') && !text.contains('.') {
        text.replace(',', ".")
    } else {
        text
    };
    Decimal::from_str(&text).ok()
}

/// A report that passed every check.
struct CheckedEntry {
    program: String,
    target: String,
    activity_date: NaiveDate,
    value: Decimal,
    note: Option<String>,
}

/// Check a report against the program and the operator's unit.
async fn check_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    posted: &Posted,
) -> Result<CheckedEntry, PageError> {
    // The plan is enough to check a report: no reload of every entry per report.
    let region = state
        .evaluations
        .plan(state.store.as_ref(), &op.user.region)
        .await?;
    let program = region
        .programs
        .iter()
        .find(|p| p.code == posted.program)
        .ok_or_else(|| {
            PageError::BadRequest(format!("program: unknown program \"{}\"", posted.program))
        })?;
    let target = program
        .targets
        .iter()
        .find(|t| t.code == posted.target)
        .ok_or_else(|| {
            PageError::BadRequest(format!("target: unknown target \"{}\"", posted.target))
        })?;
    if region.units[target.unit as usize].code != op.unit {
        return Err(PageError::Forbidden);
    }
    let cal = &program.calendar;
    let activity_date = NaiveDate::parse_from_str(posted.activity_date.trim(), "%Y-%m-%d")
        .map_err(|_| {
            PageError::BadRequest(format!(
                "activity_date: \"{}\" is not a date (YYYY-MM-DD)",
                posted.activity_date
            ))
        })?;
    if !cal.contains(activity_date) {
        return Err(PageError::BadRequest(format!(
            "activity_date: {activity_date} is outside the program ({} to {})",
            cal.start, cal.end
        )));
    }
    let now = Utc::now();
    if activity_date > cal.local_date(now) {
        return Err(PageError::BadRequest(format!(
            "activity_date: {activity_date} is in the future"
        )));
    }
    let value = parse_value(&posted.value).ok_or_else(|| {
        PageError::BadRequest(format!("value: \"{}\" is not a number", posted.value))
    })?;
    match target.kind {
        Kind::Sum if value.is_sign_negative() && !value.is_zero() => {
            return Err(PageError::BadRequest(format!(
                "value: {value} is negative; a cumulative target takes the amount done, 0 or more"
            )));
        }
        Kind::Milestone if !(value.is_zero() || value == Decimal::ONE) => {
            return Err(PageError::BadRequest(format!(
                "value: {value} is not 0 or 1 (a milestone is done or not)"
            )));
        }
        _ => {}
    }
    Ok(CheckedEntry {
        program: program.code.clone(),
        target: target.code.clone(),
        activity_date,
        value,
        note: Some(posted.note.trim().to_owned()).filter(|n| !n.is_empty()),
    })
}

/// Check a report, then save it with its evidence.
pub(crate) async fn save_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    posted: &Posted,
) -> Result<i64, PageError> {
    let checked = check_entry(state, op, posted).await?;
    let now = Utc::now();
    let evidence = match &posted.evidence {
        None => None,
        Some((name, bytes)) => Some((
            name,
            bytes,
            evidence_type(bytes).ok_or_else(|| {
                PageError::BadRequest(
                    "evidence: only JPEG or PNG photos and PDF files are accepted".into(),
                )
            })?,
        )),
    };
    let actor = actor_of(op.user);
    let entry = NewEntry {
        program: checked.program,
        target: checked.target,
        activity_date: checked.activity_date,
        value: checked.value,
        note: checked.note,
        submitted_at: now,
    };
    let id = state
        .store
        .create_entry(&op.user.region, &entry, &actor)
        .await?;
    if let Some((name, bytes, (content_type, extension))) = evidence {
        let dir = state.config.evidence_dir.join(&op.user.region);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(PageError::internal)?;
        let path = dir.join(format!("entry-{id}-{}.{extension}", now.timestamp_micros()));
        tokio::fs::write(&path, bytes)
            .await
            .map_err(PageError::internal)?;
        let record = NewEvidence {
            entry_id: id,
            file_name: name.clone(),
            content_type: content_type.to_owned(),
            size_bytes: bytes.len() as i64,
            stored_path: path.to_string_lossy().into_owned(),
        };
        state
            .store
            .add_evidence(&op.user.region, &record, &actor)
            .await?;
    }
    Ok(id)
}

pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let posted = read_form(multipart, state.config.max_evidence_bytes).await?;
    check_csrf(&user.session, posted.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "entry.create").await);
    };
    match save_entry(&state, &op, &posted).await {
        Err(PageError::Forbidden) => Err(user.deny(&state, "entry.create.other_unit").await),
        Err(PageError::BadRequest(message)) => {
            let refusal = Refusal {
                target: posted.target.clone(),
                message,
                value: posted.value.clone(),
                activity_date: posted.activity_date.clone(),
                note: posted.note.clone(),
            };
            page(
                &state,
                &user,
                &op,
                Some(posted.program.clone()),
                false,
                Some(refusal),
            )
            .await
        }
        Err(other) => Err(other),
        Ok(_) => {
            Ok(Redirect::to(&format!("/lapor?saved=1&program={}", posted.program)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct NilForm {
    csrf: Option<String>,
    program: String,
    date: String,
    reason: Option<String>,
}

pub async fn submit_nil(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NilForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "nil_report.create").await);
    };
    let region = state
        .evaluations
        .plan(state.store.as_ref(), user.region())
        .await?;
    let program = region
        .programs
        .iter()
        .find(|p| p.code == form.program)
        .ok_or_else(|| {
            PageError::BadRequest(format!("program: unknown program \"{}\"", form.program))
        })?;
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").map_err(|_| {
        PageError::BadRequest(format!(
            "date: \"{}\" is not a date (YYYY-MM-DD)",
            form.date
        ))
    })?;
    if !program.calendar.contains(date) {
        return Err(PageError::BadRequest(format!(
            "date: {date} is outside the program"
        )));
    }
    let nil = NewNilReport {
        program: program.code.clone(),
        unit: op.unit.to_owned(),
        date,
        reason: form.reason.filter(|r| !r.trim().is_empty()),
        submitted_at: Utc::now(),
    };
    state
        .store
        .create_nil_report(user.region(), &nil, &user.actor())
        .await?;
    Ok(Redirect::to(&format!(
        "/lapor?saved=1&program={}",
        program.code
    )))
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: Option<String>,
    activity_date: String,
    value: String,
    note: Option<String>,
}

/// The entry, if it belongs to the operator's unit.
async fn own_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    id: i64,
) -> Result<pantau_store::EntryRow, PageError> {
    let entry = state
        .store
        .entry(&op.user.region, id)
        .await?
        .ok_or(PageError::NotFound)?;
    if entry.unit != op.unit {
        return Err(PageError::Forbidden);
    }
    Ok(entry)
}

/// Correct an entry that is not verified yet (a returned one goes back to the queue).
pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "entry.edit").await);
    };
    let entry = match own_entry(&state, &op, id).await {
        Err(PageError::Forbidden) => return Err(user.deny(&state, "entry.edit.other_unit").await),
        other => other?,
    };
    let posted = Posted {
        csrf: None,
        program: entry.program.clone(),
        target: entry.target.clone(),
        activity_date: form.activity_date,
        value: form.value,
        note: form.note.unwrap_or_default(),
        evidence: None,
    };
    let checked = check_entry(&state, &op, &posted).await?;
    let change = EntryChange {
        activity_date: checked.activity_date,
        value: checked.value,
        note: checked.note,
        submitted_at: Utc::now(),
    };
    state
        .store
        .update_entry(&op.user.region, id, &change, &actor_of(op.user))
        .await?;
    Ok(Redirect::to(&format!(
        "/lapor?saved=1&program={}",
        entry.program
    )))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "entry.delete").await);
    };
    let entry = match own_entry(&state, &op, id).await {
        Err(PageError::Forbidden) => {
            return Err(user.deny(&state, "entry.delete.other_unit").await);
        }
        other => other?,
    };
    state
        .store
        .delete_entry(&op.user.region, id, &actor_of(op.user))
        .await?;
    Ok(Redirect::to(&format!("/lapor?program={}", entry.program)))
}
