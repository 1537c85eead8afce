//! The operator's week ("Laporan minggu ini"), where operators land after
//! log-in: each target of their unit with its goal, its realisation so far
//! and what to enter, the period's deadline as a countdown, whether the unit
//! has reported; a value per target with its activity date, note and
//! evidence, or a nil report for the period. An implausible value is held
//! back once with a warning and saved when confirmed; every action ends in a
//! message shown once on the next page.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use pantau_domain::bundle::{EntryStatus, Kind};
use pantau_domain::evaluation::ComplianceState;
use pantau_domain::plausibility::Doubt;
use pantau_present as present;
use pantau_store::EntryFilter;
use rust_decimal::Decimal;
use serde::Deserialize;
use tower_sessions::Session;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, OperatorOf, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;
use crate::service::entries::{
    self, EntryDraft, EntryError, EntryRefusal, EvidenceFile, NilDraft, Outcome,
};
use crate::service::figures::{ViewQuery, evaluate_for};

pub struct TargetForm {
    pub code: String,
    pub name: String,
    pub measure: String,
    pub kind: &'static str,
    /// "120 posyandu".
    pub goal: String,
    /// The realisation as of now, "45 posyandu" or "–".
    pub realized: String,
    /// What to enter: "Tambahan minggu ini", "Nilai terkini", "Sudah selesai?".
    pub enter: String,
    /// How to fill it in, in a sentence.
    pub enter_hint: String,
    /// Reports of this target dated in the current period (returned ones left out).
    pub reported_this_period: usize,
}

pub struct PastEntry {
    pub id: i64,
    pub editable: bool,
    pub kind: &'static str,
    /// The value as the edit field shows it: every digit, the page's decimal separator.
    pub raw_value: String,
    pub raw_date: String,
    pub note: String,
    pub target: String,
    pub activity_date: String,
    pub value: String,
    pub status: String,
    pub return_reason: Option<String>,
}

/// Which form a held-back report belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A new report for this target.
    New(String),
    /// A correction of this entry.
    Edit(i64),
}

/// A report the server did not save: refused (a message) or doubted (the
/// warnings to confirm), shown again in its form with what was typed.
pub struct Held {
    pub place: Place,
    pub refusal: Option<String>,
    pub doubts: Vec<String>,
    pub value: String,
    pub activity_date: String,
    pub note: String,
    /// An evidence file kept on the server while the doubt is confirmed.
    pub pending: Option<Pending>,
}

pub struct Pending {
    pub token: String,
    pub file_name: String,
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
    countdown: String,
    overdue: bool,
    as_of: String,
    /// The unit's report for the current period: "on_time", "late" or "" (none yet).
    unit_reported: &'static str,
    late_notice: Option<String>,
    today: String,
    flash: Option<String>,
    targets: Vec<TargetForm>,
    past: Vec<PastEntry>,
    held: Option<Held>,
    /// The entry whose deletion asks for confirmation.
    confirm_delete: Option<i64>,
}

impl CheckinPage<'_> {
    /// What was held back in a target's new-report form.
    fn held_for(&self, target: &str) -> Option<&Held> {
        self.held
            .as_ref()
            .filter(|h| h.place == Place::New(target.to_owned()))
    }

    /// What was held back in an entry's correction form.
    fn held_edit(&self, id: &i64) -> Option<&Held> {
        self.held.as_ref().filter(|h| h.place == Place::Edit(*id))
    }

    /// The milestone choice a new-report form shows: what was sent, else not done.
    fn chosen_new(&self, target: &str) -> &str {
        self.held_for(target).map_or("0", |h| h.value.trim())
    }

    /// The milestone choice a correction form shows: what was sent, else the entry's.
    fn chosen_edit<'s>(&'s self, entry: &'s PastEntry) -> &'s str {
        self.held_edit(&entry.id)
            .map_or(entry.raw_value.as_str(), |h| h.value.trim())
    }

    /// A correction held back with doubts to confirm.
    fn edit_doubted(&self, id: &i64) -> bool {
        self.held_edit(id).is_some_and(|h| !h.doubts.is_empty())
    }

    /// The entry whose deletion the page asks to confirm.
    fn deleting(&self, id: &i64) -> bool {
        self.confirm_delete == Some(*id)
    }

    /// A refusal that belongs to no form (the target is unknown).
    fn loose_refusal(&self) -> Option<&str> {
        let held = self.held.as_ref()?;
        let placed = match &held.place {
            Place::New(target) => self.targets.iter().any(|t| &t.code == target),
            Place::Edit(id) => self.past.iter().any(|e| e.id == *id && e.editable),
        };
        if placed {
            None
        } else {
            held.refusal.as_deref()
        }
    }
}

#[derive(Deserialize)]
pub struct WeekQuery {
    program: Option<String>,
}

const FLASH_KEY: &str = "week-flash";

/// Remember a success message (its text key) for the next page.
async fn flash(session: &Session, key: &str) -> Result<(), PageError> {
    session
        .insert(FLASH_KEY, key)
        .await
        .map_err(PageError::internal)
}

/// The success message left for this page, once.
async fn take_flash(session: &Session, tr: &Tr<'_>) -> Option<String> {
    let key = session.remove::<String>(FLASH_KEY).await.ok().flatten()?;
    key.starts_with("week-flash-").then(|| tr.t(&key))
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<WeekQuery>,
) -> Result<Response, PageError> {
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "checkin.read").await);
    };
    page(&state, &user, &op, query.program, None, None).await
}

/// Where a log-in lands: the operator's week for operators, the dashboard
/// for everyone else, the log-in page without one.
pub async fn landing(user: Result<CurrentUser, PageError>) -> Redirect {
    match user {
        Ok(user) if user.operator().is_some() => Redirect::to("/lapor"),
        Ok(user) if user.user.role == pantau_store::Role::Supervisor => Redirect::to("/wilayah"),
        Ok(_) => Redirect::to("/dasbor"),
        Err(_) => Redirect::to("/masuk"),
    }
}

fn program_link(program: &str) -> String {
    format!(
        "/lapor?program={}",
        crate::service::figures::encode(program)
    )
}

fn kind_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Sum => "sum",
        Kind::Last => "last",
        Kind::Milestone => "milestone",
    }
}

/// The week page; with a held-back report it answers 400 (refused) or 200
/// (asking for confirmation) and keeps the typed values.
async fn page(
    state: &AppState,
    user: &CurrentUser,
    op: &OperatorOf<'_>,
    program: Option<String>,
    held: Option<Held>,
    confirm_delete: Option<i64>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    // The figures as of now: the operator sees a report count as soon as it is sent.
    let evaluated = evaluate_for(
        state,
        &user.reads(),
        user.region(),
        &ViewQuery {
            program,
            as_of: Some("now".into()),
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
    let unit_index = evaluated
        .region
        .units
        .iter()
        .position(|u| u.code == op.unit)
        .ok_or(PageError::NotFound)?;
    let unit_result = &evaluated.evaluation.units[unit_index];
    let overdue_periods = unit_result
        .compliance
        .iter()
        .any(|c| c.state == ComplianceState::Missing);
    // Reports for a period whose deadline has passed are late; they are
    // discussed at the next evaluation, the current period's deadline day.
    let late_notice = overdue_periods.then(|| {
        let discussed = period.deadline.with_timezone(&cal.timezone).date_naive();
        format!(
            "{} {}.",
            tr.t("checkin-late"),
            present::date(lang, discussed)
        )
    });
    let unit_reported = unit_result
        .compliance
        .iter()
        .find(|c| c.period == period.index)
        .map_or("", |c| match c.state {
            ComplianceState::OnTime => "on_time",
            ComplianceState::Late => "late",
            ComplianceState::Missing | ComplianceState::Open => "",
        });
    let entries = state
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
        .await?;
    // An archived target keeps its history but takes no new reports.
    let archived: std::collections::HashSet<String> = state
        .store
        .archived_items(user.region())
        .await?
        .into_iter()
        .filter_map(|item| match item {
            pantau_store::PlanItem::Target { program: p, code } if p == program.code => Some(code),
            _ => None,
        })
        .collect();
    let targets = program
        .targets
        .iter()
        .zip(&evaluated.evaluation.targets)
        .filter(|(t, _)| t.unit as usize == unit_index && !archived.contains(&t.code))
        .map(|(t, r)| {
            let measure = t.measure.clone().unwrap_or_default();
            let with_measure = |figure: String| {
                if measure.is_empty() || figure == present::NONE {
                    figure
                } else {
                    format!("{figure} {measure}")
                }
            };
            let (goal, realized) = match t.kind {
                Kind::Milestone => (
                    tr.t("week-milestone-goal"),
                    match r.realized {
                        Some(v) if v >= Decimal::ONE => tr.t("week-done"),
                        Some(_) => tr.t("week-not-done"),
                        None => present::NONE.to_owned(),
                    },
                ),
                _ => (
                    with_measure(present::number(lang, Some(t.target))),
                    with_measure(present::number(lang, r.realized)),
                ),
            };
            let kind = kind_code(t.kind);
            TargetForm {
                code: t.code.clone(),
                name: t.name.clone(),
                measure,
                kind,
                goal,
                realized,
                enter: tr.t(&format!("week-enter-{kind}")),
                enter_hint: tr.t(&format!("week-enter-{kind}-hint")),
                reported_this_period: entries
                    .iter()
                    .filter(|e| {
                        e.target == t.code
                            && e.status != EntryStatus::Returned
                            && e.activity_date >= period.start
                            && e.activity_date <= period.end
                    })
                    .count(),
            }
        })
        .collect();
    let kinds: std::collections::HashMap<&str, Kind> = program
        .targets
        .iter()
        .map(|t| (t.code.as_str(), t.kind))
        .collect();
    let past = entries
        .into_iter()
        .map(|e| PastEntry {
            id: e.id,
            editable: e.status != EntryStatus::Verified,
            kind: kinds
                .get(e.target.as_str())
                .copied()
                .map_or("sum", kind_code),
            raw_value: present::input_number(lang, e.value),
            raw_date: e.activity_date.to_string(),
            note: e.note.unwrap_or_default(),
            target: e.target,
            activity_date: present::date(lang, e.activity_date),
            value: present::number(lang, Some(e.value)),
            status: present::entry_status(lang, e.status).to_owned(),
            return_reason: e.return_reason,
        })
        .collect();
    let now = Utc::now();
    let flash = take_flash(&user.session, &tr).await;
    let page = CheckinPage {
        nav: Some(Nav::of(user).await?),
        unit: op.unit.to_owned(),
        program: program.code.clone(),
        period: present::period(lang, period),
        deadline: present::moment(lang, cal.timezone, period.deadline),
        countdown: present::countdown(lang, cal.timezone, now, period.deadline),
        overdue: period.deadline < now,
        as_of: present::figures_as_of(lang, cal.timezone, &evaluated.as_of),
        unit_reported,
        late_notice,
        // Never a default date outside the program (a finished program still takes late reports).
        today: today.min(cal.end).to_string(),
        flash,
        targets,
        past,
        tr,
        held,
        confirm_delete,
    };
    let mut response = render(&page)?;
    if page.held.as_ref().is_some_and(|h| h.refusal.is_some()) {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// A field's name as the page calls it.
fn field_label(tr: &Tr, field: &str) -> String {
    match field {
        "value" => tr.t("value"),
        "activity_date" => tr.t("activity-date"),
        "evidence" => tr.t("evidence"),
        "date" => tr.t("week-field-date"),
        "program" => tr.t("week-field-program"),
        "target" => tr.t("targets"),
        "note" => tr.t("note"),
        other => other.to_owned(),
    }
}

/// A refusal in the page's language, naming the field.
pub fn refusal_text(tr: &Tr, refusal: &EntryRefusal) -> String {
    let lang = tr.lang;
    let (field, key, args): (&str, &str, Vec<(&str, String)>) = match refusal {
        EntryRefusal::UnknownProgram(code) => {
            ("program", "week-err-unknown", vec![("code", code.clone())])
        }
        EntryRefusal::UnknownTarget(code) => {
            ("target", "week-err-unknown", vec![("code", code.clone())])
        }
        EntryRefusal::ArchivedTarget(code) => {
            ("target", "week-err-archived", vec![("code", code.clone())])
        }
        EntryRefusal::NotADate { field, text } => {
            (field, "week-err-not-a-date", vec![("text", text.clone())])
        }
        EntryRefusal::OutsideProgram {
            field,
            date,
            start,
            end,
        } => (
            field,
            "week-err-outside",
            vec![
                ("date", present::date(lang, *date)),
                ("start", present::date(lang, *start)),
                ("end", present::date(lang, *end)),
            ],
        ),
        EntryRefusal::InFuture(date) => (
            "activity_date",
            "week-err-future",
            vec![("date", present::date(lang, *date))],
        ),
        EntryRefusal::NotANumber(text) => (
            "value",
            "week-err-not-a-number",
            vec![("text", text.clone())],
        ),
        EntryRefusal::NegativeSum(value) => (
            "value",
            "week-err-negative-sum",
            vec![("value", present::number(lang, Some(*value)))],
        ),
        EntryRefusal::MilestoneNotBinary(_) => ("value", "week-err-milestone", vec![]),
        EntryRefusal::EvidenceTooLarge { max_mb } => (
            "evidence",
            "week-err-too-large",
            vec![("mb", present::count(lang, *max_mb as i64))],
        ),
        EntryRefusal::EvidenceKind => ("evidence", "week-err-evidence-kind", vec![]),
        EntryRefusal::TooLong { field, chars, max } => (
            field,
            "text-too-long",
            vec![
                ("chars", present::count(lang, *chars as i64)),
                ("max", present::count(lang, *max as i64)),
            ],
        ),
    };
    let mut args = args;
    args.push(("field", field_label(tr, field)));
    tr.t_with(key, &args)
}

/// A doubt in the page's language, naming the field and why.
fn doubt_text(tr: &Tr, doubt: &Doubt) -> String {
    let lang = tr.lang;
    let n = |v: Decimal| present::number(lang, Some(v));
    let field = ("field", tr.t("value"));
    match *doubt {
        Doubt::Negative { value } => {
            tr.t_with("week-doubt-negative", &[field, ("value", n(value))])
        }
        Doubt::FarAboveTarget { result, limit } => tr.t_with(
            "week-doubt-far-above",
            &[field, ("result", n(result)), ("limit", n(limit))],
        ),
        Doubt::Jump { from, to } => tr.t_with(
            "week-doubt-jump",
            &[field, ("from", n(from)), ("to", n(to))],
        ),
    }
}

/// The fields of one report, as posted.
#[derive(Default)]
struct Posted {
    csrf: Option<String>,
    draft: EntryDraft,
    confirmed: bool,
    /// The value the confirmation was for: a changed value is checked again.
    confirmed_value: Option<String>,
    pending: Option<String>,
    pending_name: Option<String>,
    /// The evidence file was refused (too large, not a photo or PDF).
    evidence_refused: Option<EntryRefusal>,
}

impl Posted {
    fn confirmed(&self) -> bool {
        self.confirmed
            && self
                .confirmed_value
                .as_deref()
                .is_none_or(|v| v.trim() == self.draft.value.trim())
    }
}

async fn read_form(
    mut multipart: Multipart,
    max_bytes: usize,
    tr: &Tr<'_>,
) -> Result<Posted, PageError> {
    let mut posted = Posted::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // A body over the limit breaks off in the middle: the file was too large.
            Err(_) if posted.draft.target.is_empty() && posted.csrf.is_none() => {
                let refusal = EntryRefusal::EvidenceTooLarge {
                    max_mb: max_bytes / (1024 * 1024),
                };
                return Err(PageError::BadRequest(refusal_text(tr, &refusal)));
            }
            Err(_) => {
                posted.evidence_refused = Some(EntryRefusal::EvidenceTooLarge {
                    max_mb: max_bytes / (1024 * 1024),
                });
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "evidence" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let Ok(bytes) = field.bytes().await else {
                posted.evidence_refused = Some(EntryRefusal::EvidenceTooLarge {
                    max_mb: max_bytes / (1024 * 1024),
                });
                break;
            };
            if !bytes.is_empty() {
                match EvidenceFile::read(&file_name, bytes.to_vec(), max_bytes) {
                    Ok(file) => posted.draft.evidence = Some(file),
                    Err(refusal) => posted.evidence_refused = Some(refusal),
                }
            }
            continue;
        }
        let Ok(text) = field.text().await else {
            let field = field_label(tr, &name);
            return Err(PageError::BadRequest(
                tr.t_with("week-err-unreadable", &[("field", field)]),
            ));
        };
        let draft = &mut posted.draft;
        match name.as_str() {
            "csrf" => posted.csrf = Some(text),
            "program" => draft.program = text,
            "target" => draft.target = text,
            "activity_date" => draft.activity_date = text,
            "value" => draft.value = text,
            "note" => draft.note = text,
            "confirmed" => posted.confirmed = text == "1",
            "confirmed_value" => posted.confirmed_value = Some(text),
            "pending_evidence" => posted.pending = Some(text).filter(|t| !t.is_empty()),
            "pending_name" => posted.pending_name = Some(text),
            _ => {}
        }
    }
    Ok(posted)
}

/// Where an evidence file waits while its report's doubt is confirmed: in the
/// region's evidence directory, under a name bound to the operator.
fn pending_path(state: &AppState, op: &OperatorOf<'_>, token: &str) -> Option<std::path::PathBuf> {
    let valid = !token.is_empty()
        && token.len() <= 24
        && token
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '.' || c.is_ascii_lowercase());
    valid.then(|| {
        state
            .config
            .evidence_dir
            .join(&op.user.region)
            .join(format!("pending-{}-{token}", op.user.id))
    })
}

/// Keep an uploaded file while the operator confirms a doubt.
async fn keep_pending(
    state: &AppState,
    op: &OperatorOf<'_>,
    file: &EvidenceFile,
) -> Result<Pending, PageError> {
    let extension = match file.content_type() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "pdf",
    };
    let token = format!("{:016x}.{extension}", rand::random::<u64>());
    let path = pending_path(state, op, &token).ok_or(PageError::NotFound)?;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(PageError::internal)?;
        forget_old_pending(dir, op).await;
    }
    tokio::fs::write(&path, file.bytes())
        .await
        .map_err(PageError::internal)?;
    Ok(Pending {
        token,
        file_name: file.file_name().to_owned(),
    })
}

/// Files this operator left waiting for a confirmation that never came, a
/// day or more ago: removed.
async fn forget_old_pending(dir: &std::path::Path, op: &OperatorOf<'_>) {
    const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    let prefix = format!("pending-{}-", op.user.id);
    let Ok(mut files) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(file)) = files.next_entry().await {
        let old = file
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= DAY);
        if old && file.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = tokio::fs::remove_file(file.path()).await;
        }
    }
}

/// The file kept for a confirmation, read back (and its waiting copy removed
/// once the report is saved).
async fn take_pending(
    state: &AppState,
    op: &OperatorOf<'_>,
    posted: &Posted,
) -> Option<(EvidenceFile, std::path::PathBuf)> {
    let path = pending_path(state, op, posted.pending.as_deref()?)?;
    let bytes = tokio::fs::read(&path).await.ok()?;
    let name = posted.pending_name.clone().unwrap_or_default();
    let file = EvidenceFile::read(&name, bytes, usize::MAX).ok()?;
    Some((file, path))
}

/// Send a report, or a correction of one, and answer with the next page.
async fn send(
    state: &AppState,
    user: &CurrentUser,
    op: &OperatorOf<'_>,
    place: Place,
    mut posted: Posted,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let mut kept = None;
    if posted.draft.evidence.is_none()
        && let Some((file, path)) = take_pending(state, op, &posted).await
    {
        posted.draft.evidence = Some(file);
        kept = Some(path);
    }
    let confirmed = posted.confirmed();
    let draft = &posted.draft;
    let outcome: Result<Outcome<String>, EntryError> = match posted.evidence_refused.clone() {
        Some(refusal) => Err(refusal.into()),
        None => match &place {
            Place::New(_) => entries::submit_entry(state, op, draft, confirmed)
                .await
                .map(|o| match o {
                    Outcome::Saved(_) => Outcome::Saved(draft.program.clone()),
                    Outcome::Doubted(d) => Outcome::Doubted(d),
                }),
            Place::Edit(id) => entries::resubmit_entry(state, op, *id, draft, confirmed)
                .await
                .map(|o| match o {
                    Outcome::Saved(entry) => Outcome::Saved(entry.program),
                    Outcome::Doubted(d) => Outcome::Doubted(d),
                }),
        },
    };
    let held = |refusal: Option<String>, doubts: Vec<String>, pending: Option<Pending>| Held {
        place: place.clone(),
        refusal,
        doubts,
        value: draft.value.clone(),
        activity_date: draft.activity_date.clone(),
        note: draft.note.clone(),
        pending,
    };
    let program = match &place {
        Place::New(_) => Some(draft.program.clone()).filter(|p| !p.is_empty()),
        Place::Edit(id) => entries::own_entry(state, op, *id)
            .await
            .ok()
            .map(|e| e.program),
    };
    match outcome {
        Ok(Outcome::Saved(program)) => {
            if let Some(path) = kept {
                let _ = tokio::fs::remove_file(path).await;
            }
            let key = match place {
                Place::New(_) => "week-flash-saved",
                Place::Edit(_) => "week-flash-edited",
            };
            flash(&user.session, key).await?;
            Ok(Redirect::to(&program_link(&program)).into_response())
        }
        Ok(Outcome::Doubted(doubts)) => {
            let pending = match (&draft.evidence, &posted.pending) {
                (Some(file), _) if kept.is_none() => Some(keep_pending(state, op, file).await?),
                (Some(file), Some(token)) => Some(Pending {
                    token: token.clone(),
                    file_name: file.file_name().to_owned(),
                }),
                _ => None,
            };
            let doubts = doubts.iter().map(|d| doubt_text(&tr, d)).collect();
            page(
                state,
                user,
                op,
                program,
                Some(held(None, doubts, pending)),
                None,
            )
            .await
        }
        Err(EntryError::Refused(refusal)) => {
            let message = refusal_text(&tr, &refusal);
            page(
                state,
                user,
                op,
                program,
                Some(held(Some(message), Vec::new(), None)),
                None,
            )
            .await
        }
        Err(EntryError::Other(PageError::Forbidden)) => {
            let attempted = match place {
                Place::New(_) => "entry.create.other_unit",
                Place::Edit(_) => "entry.edit.other_unit",
            };
            Err(user.deny(state, attempted).await)
        }
        Err(EntryError::Other(other)) => Err(other),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let posted = read_form(multipart, state.config.max_evidence_bytes, &tr).await?;
    check_csrf(&user.session, posted.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "entry.create").await);
    };
    let place = Place::New(posted.draft.target.clone());
    send(&state, &user, &op, place, posted).await
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
    if let Err(err) = entries::create_nil_report(&state, &op, &draft).await {
        return Err(match err {
            EntryError::Refused(refusal) => {
                let tr = Tr {
                    catalog: &state.i18n,
                    lang: lang_of(&user.session).await,
                };
                PageError::BadRequest(refusal_text(&tr, &refusal))
            }
            EntryError::Other(err) => err,
        });
    }
    flash(&user.session, "week-flash-nil").await?;
    Ok(Redirect::to(&program_link(&draft.program)))
}

/// Correct an entry that is not verified yet (a returned one goes back to the
/// queue): its value, date and note, and a new evidence file if one is sent.
/// A plain form (no file) is taken too.
pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let is_multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let posted = if is_multipart {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| PageError::BadRequest(e.body_text()))?;
        let tr = Tr {
            catalog: &state.i18n,
            lang: lang_of(&user.session).await,
        };
        read_form(multipart, state.config.max_evidence_bytes, &tr).await?
    } else {
        let Form(form) = Form::<EditForm>::from_request(request, &state)
            .await
            .map_err(|e| PageError::BadRequest(e.body_text()))?;
        Posted {
            csrf: form.csrf,
            draft: EntryDraft {
                activity_date: form.activity_date,
                value: form.value,
                note: form.note.unwrap_or_default(),
                ..Default::default()
            },
            confirmed: form.confirmed.as_deref() == Some("1"),
            ..Default::default()
        }
    };
    check_csrf(&user.session, posted.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "entry.edit").await);
    };
    send(&state, &user, &op, Place::Edit(id), posted).await
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: Option<String>,
    activity_date: String,
    value: String,
    note: Option<String>,
    confirmed: Option<String>,
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
    confirmed: Option<String>,
}

/// Delete an entry that is not verified yet, once confirmed: without
/// `confirmed=1` the page asks first.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(op) = user.operator() else {
        return Err(user.deny(&state, "entry.delete").await);
    };
    if form.confirmed.as_deref() != Some("1") {
        let entry = match entries::own_entry(&state, &op, id).await {
            Err(PageError::Forbidden) => {
                return Err(user.deny(&state, "entry.delete.other_unit").await);
            }
            other => other?,
        };
        return page(&state, &user, &op, Some(entry.program), None, Some(id)).await;
    }
    let entry = match entries::delete_entry(&state, &op, id).await {
        Err(PageError::Forbidden) => {
            return Err(user.deny(&state, "entry.delete.other_unit").await);
        }
        other => other?,
    };
    flash(&user.session, "week-flash-deleted").await?;
    Ok(Redirect::to(&program_link(&entry.program)).into_response())
}
