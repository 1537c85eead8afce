//! The operator's weekly check-in: a value per target with its activity date
//! and note (and evidence), or a nil report for the period.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use pantau_domain::bundle::Kind;
use pantau_present as present;
use pantau_store::EntryFilter;
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, OperatorOf, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;
use crate::service::entries::{self, EntryDraft, EvidenceFile, NilDraft};
use crate::service::figures::{ViewQuery, evaluate_for};

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
    period: String,
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
            activity_date: present::date(lang, e.activity_date),
            value: present::number(lang, Some(e.value)),
            status: present::entry_status(lang, e.status).to_owned(),
            return_reason: e.return_reason,
        })
        .collect();
    let page = CheckinPage {
        nav: Some(Nav::of(user).await?),
        unit: op.unit.to_owned(),
        program: program.code.clone(),
        period: present::period(lang, period),
        deadline: present::moment(lang, cal.timezone, period.deadline),
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
struct Posted {
    csrf: Option<String>,
    draft: EntryDraft,
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
                posted.draft.evidence =
                    Some(EvidenceFile::parse(&file_name, bytes.to_vec(), max_bytes)?);
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| bad(format!("{name}: {e}")))?;
        let draft = &mut posted.draft;
        match name.as_str() {
            "csrf" => posted.csrf = Some(text),
            "program" => draft.program = text,
            "target" => draft.target = text,
            "activity_date" => draft.activity_date = text,
            "value" => draft.value = text,
            "note" => draft.note = text,
            _ => {}
        }
    }
    Ok(posted)
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
    let draft = &posted.draft;
    match entries::create_entry(&state, &op, draft).await {
        Err(PageError::Forbidden) => Err(user.deny(&state, "entry.create.other_unit").await),
        Err(PageError::BadRequest(message)) => {
            let refusal = Refusal {
                target: draft.target.clone(),
                message,
                value: draft.value.clone(),
                activity_date: draft.activity_date.clone(),
                note: draft.note.clone(),
            };
            page(
                &state,
                &user,
                &op,
                Some(draft.program.clone()),
                false,
                Some(refusal),
            )
            .await
        }
        Err(other) => Err(other),
        Ok(_) => {
            Ok(Redirect::to(&format!("/lapor?saved=1&program={}", draft.program)).into_response())
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
    let draft = NilDraft {
        program: form.program,
        date: form.date,
        reason: form.reason,
    };
    entries::create_nil_report(&state, &op, &draft).await?;
    Ok(Redirect::to(&format!(
        "/lapor?saved=1&program={}",
        draft.program
    )))
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: Option<String>,
    activity_date: String,
    value: String,
    note: Option<String>,
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
    let draft = EntryDraft {
        activity_date: form.activity_date,
        value: form.value,
        note: form.note.unwrap_or_default(),
        ..Default::default()
    };
    let entry = match entries::update_entry(&state, &op, id, &draft).await {
        Err(PageError::Forbidden) => return Err(user.deny(&state, "entry.edit.other_unit").await),
        other => other?,
    };
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
    let entry = match entries::delete_entry(&state, &op, id).await {
        Err(PageError::Forbidden) => {
            return Err(user.deny(&state, "entry.delete.other_unit").await);
        }
        other => other?,
    };
    Ok(Redirect::to(&format!("/lapor?program={}", entry.program)))
}
