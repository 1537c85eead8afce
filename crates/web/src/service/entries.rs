//! Weekly reports: entries with their evidence, nil reports, corrections and
//! the evaluator's review. The pages and the API both call these; each takes
//! the capability its role grants, so no other role can reach it.

use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use pantau_domain::bundle::{EntryStatus, Kind};
use pantau_domain::plausibility::{self, Doubt, Goal};
use pantau_domain::rules::ValueProblem;
use pantau_store::{EntryChange, EntryRow, NewEntry, NewNilReport, PlanItem, Review};
use rust_decimal::Decimal;

use crate::AppState;
use crate::access::{EvaluatorOf, OperatorOf, actor_of};
use crate::error::PageError;
use crate::reads::Reads;
use crate::service::figures::{ViewQuery, evaluate_for};

/// A report as typed: text fields, checked by [`create_entry`].
#[derive(Debug, Default, Clone)]
pub struct EntryDraft {
    pub program: String,
    pub target: String,
    pub activity_date: String,
    pub value: String,
    pub note: String,
    pub evidence: Option<EvidenceFile>,
}

/// An evidence file whose kind was read from its first bytes, not its name,
/// and whose size is within the limit: JPEG, PNG or PDF.
#[derive(Debug, Clone)]
pub struct EvidenceFile {
    file_name: String,
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &'static str,
}

impl EvidenceFile {
    pub fn parse(file_name: &str, bytes: Vec<u8>, max_bytes: usize) -> Result<Self, PageError> {
        Self::read(file_name, bytes, max_bytes).map_err(PageError::from)
    }

    /// As [`EvidenceFile::parse`], with the refusal as a value a page words.
    pub fn read(file_name: &str, bytes: Vec<u8>, max_bytes: usize) -> Result<Self, EntryRefusal> {
        if bytes.len() > max_bytes {
            return Err(EntryRefusal::EvidenceTooLarge {
                max_mb: max_bytes / (1024 * 1024),
            });
        }
        let (content_type, extension) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            ("image/jpeg", "jpg")
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            ("image/png", "png")
        } else if bytes.starts_with(b"%PDF-") {
            ("application/pdf", "pdf")
        } else {
            return Err(EntryRefusal::EvidenceKind);
        };
        Ok(EvidenceFile {
            file_name: file_name.to_owned(),
            bytes,
            content_type,
            extension,
        })
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Why a report is refused, as a value: its `Display` is the API's English
/// wording (`field: what is wrong`); the pages word it in their language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryRefusal {
    #[error("program: unknown program \"{0}\"")]
    UnknownProgram(String),
    #[error("target: unknown target \"{0}\"")]
    UnknownTarget(String),
    #[error("target: \"{0}\" is archived and takes no new reports")]
    ArchivedTarget(String),
    #[error("{field}: \"{text}\" is not a date (YYYY-MM-DD)")]
    NotADate { field: &'static str, text: String },
    #[error("{field}: {date} is outside the program ({start} to {end})")]
    OutsideProgram {
        field: &'static str,
        date: NaiveDate,
        start: NaiveDate,
        end: NaiveDate,
    },
    #[error("activity_date: {0} is in the future")]
    InFuture(NaiveDate),
    #[error("value: \"{0}\" is not a number")]
    NotANumber(String),
    #[error("value: {} is negative; a cumulative target takes the amount done, 0 or more", .0)]
    NegativeSum(Decimal),
    #[error("value: {0} is not 0 or 1 (a milestone is done or not)")]
    MilestoneNotBinary(Decimal),
    #[error("evidence: the file is larger than {max_mb} MB")]
    EvidenceTooLarge { max_mb: usize },
    #[error("evidence: only JPEG or PNG photos and PDF files are accepted")]
    EvidenceKind,
    #[error("{field}: has {chars} characters; at most {max} are allowed")]
    TooLong {
        field: &'static str,
        chars: usize,
        max: usize,
    },
}

/// A text over its cap, as a refusal the pages word.
pub fn check_chars(field: &'static str, text: &str, max: usize) -> Result<(), EntryRefusal> {
    let chars = text.chars().count();
    if chars > max {
        return Err(EntryRefusal::TooLong { field, chars, max });
    }
    Ok(())
}

impl From<EntryRefusal> for PageError {
    fn from(refusal: EntryRefusal) -> Self {
        PageError::BadRequest(refusal.to_string())
    }
}

/// A report refused by a rule the page words itself, or any other failure.
#[derive(Debug)]
pub enum EntryError {
    Refused(EntryRefusal),
    Other(PageError),
}

impl From<EntryRefusal> for EntryError {
    fn from(refusal: EntryRefusal) -> Self {
        EntryError::Refused(refusal)
    }
}

impl From<PageError> for EntryError {
    fn from(err: PageError) -> Self {
        EntryError::Other(err)
    }
}

impl From<pantau_store::StoreError> for EntryError {
    fn from(err: pantau_store::StoreError) -> Self {
        EntryError::Other(err.into())
    }
}

impl From<EntryError> for PageError {
    fn from(err: EntryError) -> Self {
        match err {
            EntryError::Refused(refusal) => refusal.into(),
            EntryError::Other(err) => err,
        }
    }
}

/// A number as people type it: `12`, `12.5` or `12,5`.
pub fn parse_value(text: &str) -> Option<Decimal> {
    let text = text.trim().replace(' ', "");
    let text = if text.contains(',') && !text.contains('.') {
        text.replace(',', ".")
    } else {
        text
    };
    Decimal::from_str(&text).ok()
}

/// A date as the forms and the API send it: `YYYY-MM-DD`.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, EntryRefusal> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| EntryRefusal::NotADate {
        field,
        text: text.trim().to_owned(),
    })
}

/// The region's program with this code, or a refusal naming the field.
fn program_named<'a>(
    region: &'a pantau_domain::model::Region,
    code: &str,
) -> Result<&'a pantau_domain::model::Program, EntryRefusal> {
    region
        .program(code)
        .ok_or_else(|| EntryRefusal::UnknownProgram(code.to_owned()))
}

/// A report that passed every check.
struct CheckedEntry {
    program: String,
    target: String,
    goal: Goal,
    activity_date: NaiveDate,
    value: Decimal,
    note: Option<String>,
}

/// Check a report against the program and the operator's unit.
async fn check_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    draft: &EntryDraft,
) -> Result<CheckedEntry, EntryError> {
    // The plan is enough to check a report: no reload of every entry per report.
    let region = state
        .evaluations
        .plan(state.store.as_ref(), &op.user.region)
        .await?;
    let program = program_named(&region, &draft.program)?;
    let target = program
        .targets
        .iter()
        .find(|t| t.code == draft.target)
        .ok_or_else(|| EntryRefusal::UnknownTarget(draft.target.clone()))?;
    if region.units[target.unit as usize].code != op.unit {
        return Err(PageError::Forbidden.into());
    }
    let cal = &program.calendar;
    let activity_date = parse_date("activity_date", &draft.activity_date)?;
    if !cal.contains(activity_date) {
        return Err(EntryRefusal::OutsideProgram {
            field: "activity_date",
            date: activity_date,
            start: cal.start,
            end: cal.end,
        }
        .into());
    }
    if activity_date > cal.local_date(Utc::now()) {
        return Err(EntryRefusal::InFuture(activity_date).into());
    }
    let value = parse_value(&draft.value)
        .ok_or_else(|| EntryRefusal::NotANumber(draft.value.trim().to_owned()))?;
    check_value(target.kind, value)?;
    check_chars(
        "note",
        draft.note.trim(),
        state.store.limits().max_note_chars,
    )?;
    Ok(CheckedEntry {
        program: program.code.clone(),
        target: target.code.clone(),
        goal: Goal::from(target),
        activity_date,
        value,
        note: Some(draft.note.trim().to_owned()).filter(|n| !n.is_empty()),
    })
}

/// An archived target (or one of an archived unit or program) keeps its
/// history, corrections included, but takes no new reports.
async fn refuse_archived(
    state: &AppState,
    op: &OperatorOf<'_>,
    checked: &CheckedEntry,
) -> Result<(), EntryError> {
    let archived = state.store.archived_items(&op.user.region).await?;
    let closed = archived.iter().any(|item| match item {
        PlanItem::Target { program, code } => {
            *program == checked.program && *code == checked.target
        }
        PlanItem::Program(code) => *code == checked.program,
        PlanItem::Unit(code) => code == op.unit,
        _ => false,
    });
    if closed {
        return Err(EntryRefusal::ArchivedTarget(checked.target.clone()).into());
    }
    Ok(())
}

/// The domain's rule for a value of the target's kind.
fn check_value(kind: Kind, value: Decimal) -> Result<(), EntryRefusal> {
    pantau_domain::rules::check_entry_value(kind, value).map_err(|problem| match problem {
        ValueProblem::NegativeSum(v) => EntryRefusal::NegativeSum(v),
        ValueProblem::MilestoneNotBinary(v) => EntryRefusal::MilestoneNotBinary(v),
    })
}

/// What became of a report sent from the pages: saved, or held back with
/// the doubts to confirm first.
#[derive(Debug)]
pub enum Outcome<T> {
    Saved(T),
    Doubted(Vec<Doubt>),
}

/// The doubts about a checked report (the domain's plausibility rule), its
/// value against the target's realisation as of now; `replacing` is the
/// value of the counted entry a correction replaces.
async fn doubts_about(
    state: &AppState,
    op: &OperatorOf<'_>,
    checked: &CheckedEntry,
    replacing: Option<Decimal>,
) -> Result<Vec<Doubt>, EntryError> {
    // What a report is checked against: the main database, as the write.
    let evaluated = evaluate_for(
        state,
        &Reads::primary(state),
        &op.user.region,
        &ViewQuery {
            program: Some(checked.program.clone()),
            as_of: Some("now".into()),
        },
    )
    .await?;
    let program = evaluated.program();
    let realized = program
        .targets
        .iter()
        .position(|t| t.code == checked.target)
        .and_then(|i| evaluated.evaluation.targets[i].realized);
    let realized = match (checked.goal.kind, realized, replacing) {
        (Kind::Sum, Some(r), Some(old)) => Some(r - old),
        (_, r, _) => r,
    };
    Ok(plausibility::doubts(checked.goal, realized, checked.value))
}

/// Write an evidence file where the server keeps them (outside any web root),
/// under a name of its own: the record that ties it to an entry comes after,
/// in the entry's transaction.
async fn store_file(
    state: &AppState,
    region: &str,
    file: &EvidenceFile,
) -> Result<pantau_store::EvidenceFile, PageError> {
    let dir = state.config.evidence_dir.join(region);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(PageError::internal)?;
    let random: u64 = rand::random();
    let path = dir.join(format!(
        "evidence-{}-{random:016x}.{}",
        Utc::now().timestamp_micros(),
        file.extension
    ));
    tokio::fs::write(&path, &file.bytes)
        .await
        .map_err(PageError::internal)?;
    Ok(pantau_store::EvidenceFile {
        file_name: file.file_name.clone(),
        content_type: file.content_type.to_owned(),
        size_bytes: file.bytes.len() as i64,
        stored_path: path.to_string_lossy().into_owned(),
    })
}

/// A written file whose record was refused: removed, so nothing is half-written.
async fn discard(file: &pantau_store::EvidenceFile) {
    if let Err(err) = tokio::fs::remove_file(&file.stored_path).await {
        tracing::warn!(path = %file.stored_path, %err, "an unrecorded evidence file stays");
    }
}

/// Check a report, then save it with its evidence: the file is written first,
/// the entry and the file's record in one transaction, and the file removed
/// again when that transaction fails.
pub async fn create_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    draft: &EntryDraft,
) -> Result<i64, PageError> {
    let checked = check_entry(state, op, draft).await?;
    refuse_archived(state, op, &checked).await?;
    save_new(state, op, draft, checked).await
}

/// As [`create_entry`], for the pages: a refusal as a value to word, and an
/// implausible value held back until `confirmed`.
pub async fn submit_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    draft: &EntryDraft,
    confirmed: bool,
) -> Result<Outcome<i64>, EntryError> {
    let checked = check_entry(state, op, draft).await?;
    refuse_archived(state, op, &checked).await?;
    if !confirmed {
        let doubts = doubts_about(state, op, &checked, None).await?;
        if !doubts.is_empty() {
            return Ok(Outcome::Doubted(doubts));
        }
    }
    Ok(Outcome::Saved(save_new(state, op, draft, checked).await?))
}

async fn save_new(
    state: &AppState,
    op: &OperatorOf<'_>,
    draft: &EntryDraft,
    checked: CheckedEntry,
) -> Result<i64, PageError> {
    let entry = NewEntry {
        program: checked.program,
        target: checked.target,
        activity_date: checked.activity_date,
        value: checked.value,
        note: checked.note,
        submitted_at: Utc::now(),
    };
    let mut files = Vec::new();
    if let Some(file) = &draft.evidence {
        files.push(store_file(state, &op.user.region, file).await?);
    }
    match state
        .store
        .create_entry_with_evidence(&op.user.region, &entry, &files, &actor_of(op.user))
        .await
    {
        Ok(created) => Ok(created.entry),
        Err(err) => {
            for file in &files {
                discard(file).await;
            }
            Err(err.into())
        }
    }
}

/// The entry, if it belongs to the operator's unit.
pub async fn own_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    id: i64,
) -> Result<EntryRow, PageError> {
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

/// Correct an entry that is not verified yet (a returned one goes back to the
/// queue; a new evidence file is added to it): a refusal as a value to word,
/// and an implausible value held back until `confirmed`.
pub async fn resubmit_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    id: i64,
    draft: &EntryDraft,
    confirmed: bool,
) -> Result<Outcome<EntryRow>, EntryError> {
    let entry = own_entry(state, op, id).await?;
    let draft = EntryDraft {
        program: entry.program.clone(),
        target: entry.target.clone(),
        ..draft.clone()
    };
    let checked = check_entry(state, op, &draft).await?;
    if !confirmed {
        // The value it replaces counts in the realisation unless it was returned.
        let replacing = (entry.status != EntryStatus::Returned).then_some(entry.value);
        let doubts = doubts_about(state, op, &checked, replacing).await?;
        if !doubts.is_empty() {
            return Ok(Outcome::Doubted(doubts));
        }
    }
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
    if let Some(file) = &draft.evidence {
        attach(state, op, id, file).await?;
    }
    Ok(Outcome::Saved(entry))
}

/// Write an evidence file and record it for an entry; the file is removed
/// again when its record is refused.
async fn attach(
    state: &AppState,
    op: &OperatorOf<'_>,
    entry_id: i64,
    file: &EvidenceFile,
) -> Result<i64, PageError> {
    let written = store_file(state, &op.user.region, file).await?;
    match state
        .store
        .add_evidence(
            &op.user.region,
            &written.of_entry(entry_id),
            &actor_of(op.user),
        )
        .await
    {
        Ok(id) => Ok(id),
        Err(err) => {
            discard(&written).await;
            Err(err.into())
        }
    }
}

/// Add an evidence file to an entry of the operator's unit that is not
/// verified yet (a verified entry was judged with the evidence it had);
/// returns the evidence's id.
pub async fn add_evidence(
    state: &AppState,
    op: &OperatorOf<'_>,
    entry_id: i64,
    file: &EvidenceFile,
) -> Result<i64, PageError> {
    let entry = own_entry(state, op, entry_id).await?;
    if entry.status == pantau_domain::bundle::EntryStatus::Verified {
        return Err(PageError::BadRequest(format!(
            "entry: entry {entry_id} is verified; its evidence is final"
        )));
    }
    attach(state, op, entry_id, file).await
}

pub async fn delete_entry(
    state: &AppState,
    op: &OperatorOf<'_>,
    id: i64,
) -> Result<EntryRow, PageError> {
    let entry = own_entry(state, op, id).await?;
    state
        .store
        .delete_entry(&op.user.region, id, &actor_of(op.user))
        .await?;
    Ok(entry)
}

/// A nil report as typed: the program, a date in the period, a reason.
#[derive(Debug, Default, Clone)]
pub struct NilDraft {
    pub program: String,
    pub date: String,
    pub reason: Option<String>,
}

/// Record that the operator's unit had nothing to report on a day of a period.
pub async fn create_nil_report(
    state: &AppState,
    op: &OperatorOf<'_>,
    draft: &NilDraft,
) -> Result<i64, EntryError> {
    let region = state
        .evaluations
        .plan(state.store.as_ref(), &op.user.region)
        .await?;
    let program = program_named(&region, &draft.program)?;
    let date = parse_date("date", &draft.date)?;
    let cal = &program.calendar;
    if !cal.contains(date) {
        return Err(EntryRefusal::OutsideProgram {
            field: "date",
            date,
            start: cal.start,
            end: cal.end,
        }
        .into());
    }
    let nil = NewNilReport {
        program: program.code.clone(),
        unit: op.unit.to_owned(),
        date,
        reason: draft.reason.clone().filter(|r| !r.trim().is_empty()),
        submitted_at: Utc::now(),
    };
    Ok(state
        .store
        .create_nil_report(&op.user.region, &nil, &actor_of(op.user))
        .await?)
}

/// Review an entry of one of the evaluator's own clusters.
pub async fn review_entry(
    state: &AppState,
    evaluator: &EvaluatorOf<'_>,
    id: i64,
    review: Review,
) -> Result<(), PageError> {
    let entry = state
        .store
        .entry(&evaluator.user.region, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let own = entry
        .cluster
        .as_ref()
        .is_some_and(|c| evaluator.clusters.contains(c));
    if !own {
        return Err(PageError::Forbidden);
    }
    state
        .store
        .review_entry(
            &evaluator.user.region,
            id,
            &review,
            &actor_of(evaluator.user),
        )
        .await?;
    Ok(())
}

/// A review decision as the forms and the API name it.
pub fn parse_review(decision: &str, reason: Option<String>) -> Result<Review, PageError> {
    match decision {
        "verify" => Ok(Review::Verify),
        "return" => Ok(Review::Return {
            reason: reason.unwrap_or_default(),
        }),
        other => Err(PageError::BadRequest(format!(
            "decision: unknown decision \"{other}\""
        ))),
    }
}
