//! Citizen feedback (masukan warga) and the region's holidays. A case's steps
//! are decided by `pantau_domain::feedback` and taken here in one
//! transaction each, with the case row locked, its step recorded and, for a
//! person's step, an audit record. Personal data (the sender's name, contact
//! and address key) is kept apart from the audit log, so the retention
//! period can erase it for good.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `feedback_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

use chrono::{DateTime, Utc};
use pantau_domain::feedback::{Action, Category, Party, State, StepRefused};
use pantau_domain::workdays::{Holiday, HolidayKind, WorkCalendar};
use serde::Serialize;

/// A case as a citizen sends it. The web layer has checked the plan (the
/// program is published, the target or unit is in it), the photo and the
/// spam defences.
#[derive(Debug, Clone)]
pub struct NewFeedback<'a> {
    pub program: &'a str,
    pub target: Option<&'a str>,
    pub unit: &'a str,
    pub category: Category,
    pub body: &'a str,
    pub sender_name: Option<&'a str>,
    pub sender_contact: Option<&'a str>,
    pub anonymous: bool,
    pub confidential: bool,
    /// A stored photo's key and content type.
    pub photo: Option<(&'a str, &'a str)>,
    /// The sender's address, hashed by the caller, for the rate limits.
    pub address_key: &'a str,
}

/// The longest text of a case: its body, a reason or an answer.
pub const FEEDBACK_TEXT_CHARS: usize = 4_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackStep {
    pub at: DateTime<Utc>,
    pub party: Party,
    /// A username, `warga` for the citizen, `system`.
    pub actor: String,
    pub action: String,
    pub from: Option<State>,
    pub to: State,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackCase {
    pub id: Id,
    pub tracking_code: String,
    pub program: String,
    pub target: Option<String>,
    pub unit: String,
    pub category: Category,
    pub body: String,
    pub sender_name: Option<String>,
    pub sender_contact: Option<String>,
    pub anonymous: bool,
    pub confidential: bool,
    pub photo_key: Option<String>,
    pub photo_type: Option<String>,
    pub state: State,
    pub state_since: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub dispatched_unit: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub personal_erased_at: Option<DateTime<Utc>>,
    /// Oldest first; empty in lists.
    pub steps: Vec<FeedbackStep>,
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    /// Any of these states; all when empty.
    pub states: Vec<State>,
    /// Cases about, or dispatched to, this unit.
    pub unit: Option<String>,
    /// Cases about this program's target.
    pub target: Option<(String, String)>,
}

/// Who takes a step: the party, with the unit of an operator answering.
#[derive(Debug, Clone)]
pub struct StepBy<'a> {
    pub party: Party,
    pub unit: Option<&'a str>,
    pub actor: &'a Actor,
}

/// How many cases arrived since a moment: from one address, and in the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackCounts {
    pub from_address: i64,
    pub in_region: i64,
}

#[async_trait::async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Record a new case in state `diterima` under `tracking_code`; a code
    /// already taken is refused as `Invalid { field: "tracking_code" }` (the
    /// caller draws another).
    async fn feedback_create(
        &self,
        region: &str,
        new: &NewFeedback<'_>,
        tracking_code: &str,
        now: DateTime<Utc>,
    ) -> Result<FeedbackCase>;

    /// A case with its steps.
    async fn feedback_case(
        &self,
        region: &str,
        tracking_code: &str,
    ) -> Result<Option<FeedbackCase>>;

    /// Cases, newest first, without their steps.
    async fn feedback_list(
        &self,
        region: &str,
        filter: &FeedbackFilter,
    ) -> Result<Vec<FeedbackCase>>;

    /// Take a step on a case, or say why it cannot be taken now. An answer
    /// must come from the unit the case was dispatched to; a dispatch must
    /// name a unit of the region.
    async fn feedback_step(
        &self,
        region: &str,
        tracking_code: &str,
        action: &Action,
        by: &StepBy<'_>,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<FeedbackCase, StepRefused>>;

    /// Close every answered case of the region whose reply time has passed
    /// on its local date of `now`; how many were closed.
    async fn feedback_close_unanswered(&self, region: &str, now: DateTime<Utc>) -> Result<usize>;

    /// Erase the sender's name, contact and address key of every case closed
    /// before `closed_before`, in every region; how many cases.
    async fn feedback_erase_personal(
        &self,
        closed_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize>;

    /// Cases received at or after `since`.
    async fn feedback_counts(
        &self,
        region: &str,
        address_key: &str,
        since: DateTime<Utc>,
    ) -> Result<FeedbackCounts>;

    /// The region's working-day calendar: the national list until the admin
    /// edits it.
    async fn work_calendar(&self, region: &str) -> Result<WorkCalendar>;

    /// Replace the region's holidays (audited).
    async fn set_holidays(&self, region: &str, holidays: &[Holiday], actor: &Actor) -> Result<()>;
}

pub(crate) fn holiday_kind(code: &str) -> Result<HolidayKind> {
    match code {
        "national" => Ok(HolidayKind::National),
        "cuti_bersama" => Ok(HolidayKind::CutiBersama),
        "regional" => Ok(HolidayKind::Regional),
        other => Err(StoreError::Corrupt {
            what: "holiday kind".into(),
            detail: other.into(),
        }),
    }
}

pub(crate) fn holiday_kind_code(kind: HolidayKind) -> &'static str {
    match kind {
        HolidayKind::National => "national",
        HolidayKind::CutiBersama => "cuti_bersama",
        HolidayKind::Regional => "regional",
    }
}

pub(crate) fn state(code: &str) -> Result<State> {
    State::parse(code).ok_or_else(|| StoreError::Corrupt {
        what: "feedback state".into(),
        detail: code.into(),
    })
}

pub(crate) fn party_code(party: Party) -> &'static str {
    match party {
        Party::Admin => "admin",
        Party::Unit => "unit",
        Party::Citizen => "citizen",
        Party::System => "system",
    }
}

pub(crate) fn party(code: &str) -> Result<Party> {
    match code {
        "admin" => Ok(Party::Admin),
        "unit" => Ok(Party::Unit),
        "citizen" => Ok(Party::Citizen),
        "system" => Ok(Party::System),
        other => Err(StoreError::Corrupt {
            what: "feedback party".into(),
            detail: other.into(),
        }),
    }
}

/// The text an action carries, to keep with its step.
pub(crate) fn action_text(action: &Action) -> Option<&str> {
    match action {
        Action::Hold { reason }
        | Action::Decline { reason }
        | Action::Archive { reason }
        | Action::Reopen { reason } => Some(reason),
        Action::Dispatch { unit } => Some(unit),
        Action::Answer { text } => Some(text),
        Action::Verify | Action::Accept | Action::AutoClose => None,
    }
}

pub(crate) const FEEDBACK_SELECT: &str = "SELECT f.id, f.tracking_code, f.program_code, \
    f.target_code, f.unit_code, f.category, f.body, f.sender_name, f.sender_contact, f.anonymous, \
    f.confidential, f.photo_key, f.photo_type, f.state, f.state_since, f.received_at, \
    f.dispatched_unit, f.answer, f.answered_at, f.personal_erased_at \
    FROM feedback f JOIN regions r ON r.id = f.region_id";

pub(crate) fn feedback_row<R: sqlx::Row>(row: &R) -> Result<FeedbackCase>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let category: String = row.try_get("category")?;
    Ok(FeedbackCase {
        id: row.try_get("id")?,
        tracking_code: row.try_get("tracking_code")?,
        program: row.try_get("program_code")?,
        target: row.try_get("target_code")?,
        unit: row.try_get("unit_code")?,
        category: Category::parse(&category).ok_or_else(|| StoreError::Corrupt {
            what: "feedback category".into(),
            detail: category.clone(),
        })?,
        body: row.try_get("body")?,
        sender_name: row.try_get("sender_name")?,
        sender_contact: row.try_get("sender_contact")?,
        anonymous: row.try_get("anonymous")?,
        confidential: row.try_get("confidential")?,
        photo_key: row.try_get("photo_key")?,
        photo_type: row.try_get("photo_type")?,
        state: state(&row.try_get::<String, _>("state")?)?,
        state_since: row.try_get("state_since")?,
        received_at: row.try_get("received_at")?,
        dispatched_unit: row.try_get("dispatched_unit")?,
        answer: row.try_get("answer")?,
        answered_at: row.try_get("answered_at")?,
        personal_erased_at: row.try_get("personal_erased_at")?,
        steps: Vec::new(),
    })
}

macro_rules! feedback_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            async fn feedback_steps_of(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: i64,
            ) -> Result<Vec<$crate::feedback::FeedbackStep>> {
                let rows = sqlx::query(
                    "SELECT at, party, actor, action, from_state, to_state, text \
                     FROM feedback_steps WHERE feedback_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
                rows.iter()
                    .map(|row| {
                        let from: Option<String> = row.try_get("from_state")?;
                        Ok($crate::feedback::FeedbackStep {
                            at: row.try_get("at")?,
                            party: $crate::feedback::party(&row.try_get::<String, _>("party")?)?,
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            from: from.as_deref().map($crate::feedback::state).transpose()?,
                            to: $crate::feedback::state(&row.try_get::<String, _>("to_state")?)?,
                            text: row.try_get("text")?,
                        })
                    })
                    .collect()
            }

            #[allow(clippy::too_many_arguments)]
            async fn feedback_record_step(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: i64,
                at: DateTime<Utc>,
                party: pantau_domain::feedback::Party,
                actor: &str,
                action: &str,
                from: Option<pantau_domain::feedback::State>,
                to: pantau_domain::feedback::State,
                text: Option<&str>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO feedback_steps (feedback_id, at, party, actor, action, from_state, to_state, text) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(stored_moment(at))
                .bind($crate::feedback::party_code(party))
                .bind(actor)
                .bind(action)
                .bind(from.map(|s| s.code()))
                .bind(to.code())
                .bind(text)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn feedback_case_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                tracking_code: &str,
            ) -> Result<Option<$crate::feedback::FeedbackCase>> {
                let sql = format!(
                    "{} WHERE r.code = $1 AND f.tracking_code = $2",
                    $crate::feedback::FEEDBACK_SELECT
                );
                let Some(row) = sqlx::query(&sql)
                    .bind(region)
                    .bind(tracking_code)
                    .fetch_optional(&mut *conn)
                    .await?
                else {
                    return Ok(None);
                };
                let mut case = $crate::feedback::feedback_row(&row)?;
                case.steps = Self::feedback_steps_of(conn, case.id).await?;
                Ok(Some(case))
            }

            async fn region_timezone(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
            ) -> Result<(i64, chrono_tz::Tz)> {
                let row = sqlx::query("SELECT id, timezone FROM regions WHERE code = $1")
                    .bind(region)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let tz: String = row.try_get("timezone")?;
                let tz = tz.parse().map_err(|_| StoreError::Corrupt {
                    what: "region time zone".into(),
                    detail: tz.clone(),
                })?;
                Ok((row.try_get("id")?, tz))
            }

            async fn work_calendar_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
            ) -> Result<pantau_domain::workdays::WorkCalendar> {
                use pantau_domain::workdays::{Holiday, WorkCalendar};
                let edited: bool =
                    sqlx::query_scalar("SELECT holidays_edited FROM regions WHERE id = $1")
                        .bind(region_id)
                        .fetch_one(&mut *conn)
                        .await?;
                if !edited {
                    return Ok(WorkCalendar::new(WorkCalendar::national_holidays()));
                }
                let rows = sqlx::query(
                    "SELECT day, name, kind FROM region_holidays WHERE region_id = $1 ORDER BY day",
                )
                .bind(region_id)
                .fetch_all(&mut *conn)
                .await?;
                let holidays = rows
                    .iter()
                    .map(|row| {
                        Ok(Holiday {
                            date: row.try_get("day")?,
                            name: row.try_get("name")?,
                            kind: $crate::feedback::holiday_kind(&row.try_get::<String, _>("kind")?)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(WorkCalendar::new(holidays))
            }
        }

        #[async_trait::async_trait]
        impl $crate::feedback::FeedbackStore for $store {
            async fn feedback_create(
                &self,
                region: &str,
                new: &$crate::feedback::NewFeedback<'_>,
                tracking_code: &str,
                now: DateTime<Utc>,
            ) -> Result<$crate::feedback::FeedbackCase> {
                use pantau_domain::feedback::{Party, State};
                let body = new.body.trim();
                if body.is_empty() {
                    return Err(StoreError::invalid("body", "must not be empty"));
                }
                check_chars("body", body, $crate::feedback::FEEDBACK_TEXT_CHARS)?;
                if let Some(name) = new.sender_name {
                    check_chars("name", name, 200)?;
                }
                if let Some(contact) = new.sender_contact {
                    check_chars("contact", contact, 200)?;
                }
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM feedback WHERE tracking_code = $1")
                        .bind(tracking_code)
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Err(StoreError::invalid("tracking_code", "is taken"));
                }
                let now = stored_moment(now);
                // An anonymous sender leaves no name or contact at all.
                let (name, contact) = if new.anonymous {
                    (None, None)
                } else {
                    (new.sender_name, new.sender_contact)
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO feedback (region_id, tracking_code, program_code, target_code, unit_code, \
                     category, body, sender_name, sender_contact, anonymous, confidential, photo_key, \
                     photo_type, address_key, state, state_since, received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
                     RETURNING id",
                )
                .bind(region_id)
                .bind(tracking_code)
                .bind(new.program)
                .bind(new.target)
                .bind(new.unit)
                .bind(new.category.code())
                .bind(body)
                .bind(name)
                .bind(contact)
                .bind(new.anonymous)
                .bind(new.confidential)
                .bind(new.photo.map(|p| p.0))
                .bind(new.photo.map(|p| p.1))
                .bind(new.address_key)
                .bind(State::Diterima.code())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                Self::feedback_record_step(
                    &mut tx, id, now, Party::Citizen, "warga", "send", None, State::Diterima, None,
                )
                .await?;
                // The audit log is kept for good: it names the case, never its sender.
                let record = NewAudit {
                    action: "feedback_send".into(),
                    entity: "feedback".into(),
                    entity_id: Some(tracking_code.to_owned()),
                    before: None,
                    after: Some(serde_json::json!({
                        "program": new.program, "target": new.target, "unit": new.unit,
                        "category": new.category.code(),
                    })),
                };
                let citizen = Actor { user_id: None, label: "warga".into() };
                Self::append_audit_in(&mut tx, Some(region_id), &citizen, &record).await?;
                let case = Self::feedback_case_in(&mut tx, region, tracking_code)
                    .await?
                    .expect("the case just written");
                tx.commit().await?;
                Ok(case)
            }

            async fn feedback_case(
                &self,
                region: &str,
                tracking_code: &str,
            ) -> Result<Option<$crate::feedback::FeedbackCase>> {
                let mut conn = self.pool.acquire().await?;
                Self::feedback_case_in(&mut conn, region, tracking_code).await
            }

            async fn feedback_list(
                &self,
                region: &str,
                filter: &$crate::feedback::FeedbackFilter,
            ) -> Result<Vec<$crate::feedback::FeedbackCase>> {
                // Built from fixed fragments; every value is bound.
                let mut sql = format!("{} WHERE r.code = $1", $crate::feedback::FEEDBACK_SELECT);
                let mut n = 1;
                if !filter.states.is_empty() {
                    let marks: Vec<String> = filter
                        .states
                        .iter()
                        .map(|_| {
                            n += 1;
                            format!("${n}")
                        })
                        .collect();
                    sql.push_str(&format!(" AND f.state IN ({})", marks.join(", ")));
                }
                if filter.unit.is_some() {
                    n += 1;
                    sql.push_str(&format!(
                        " AND (f.unit_code = ${n} OR f.dispatched_unit = ${n})"
                    ));
                }
                if filter.target.is_some() {
                    sql.push_str(&format!(
                        " AND f.program_code = ${} AND f.target_code = ${}",
                        n + 1,
                        n + 2
                    ));
                }
                sql.push_str(" ORDER BY f.received_at DESC, f.id DESC");
                let mut query = sqlx::query(&sql).bind(region);
                for state in &filter.states {
                    query = query.bind(state.code());
                }
                if let Some(unit) = &filter.unit {
                    query = query.bind(unit);
                }
                if let Some((program, target)) = &filter.target {
                    query = query.bind(program).bind(target);
                }
                let rows = query.fetch_all(&self.pool).await?;
                rows.iter().map($crate::feedback::feedback_row).collect()
            }

            async fn feedback_step(
                &self,
                region: &str,
                tracking_code: &str,
                action: &pantau_domain::feedback::Action,
                by: &$crate::feedback::StepBy<'_>,
                now: DateTime<Utc>,
            ) -> Result<std::result::Result<$crate::feedback::FeedbackCase, pantau_domain::feedback::StepRefused>>
            {
                use pantau_domain::feedback::{Action, step};
                if let Some(text) = $crate::feedback::action_text(action) {
                    check_chars(action.code(), text, $crate::feedback::FEEDBACK_TEXT_CHARS)?;
                }
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                // Lock the case: two moderators acting at once take turns.
                let row = sqlx::query(
                    "UPDATE feedback SET state = state WHERE region_id = $1 AND tracking_code = $2 \
                     RETURNING state, dispatched_unit",
                )
                .bind(region_id)
                .bind(tracking_code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "feedback",
                    key: tracking_code.to_owned(),
                })?;
                let from = $crate::feedback::state(&row.try_get::<String, _>("state")?)?;
                let dispatched: Option<String> = row.try_get("dispatched_unit")?;
                let to = match step(from, action, by.party) {
                    Ok(to) => to,
                    Err(refused) => return Ok(Err(refused)),
                };
                if let Action::Answer { .. } = action
                    && by.unit != dispatched.as_deref()
                {
                    return Err(StoreError::invalid(
                        "unit",
                        format!(
                            "the case is with unit {}; only its operators answer it",
                            dispatched.as_deref().unwrap_or("-")
                        ),
                    ));
                }
                let now = stored_moment(now);
                match action {
                    Action::Dispatch { unit } => {
                        let known: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM units WHERE region_id = $1 AND code = $2",
                        )
                        .bind(region_id)
                        .bind(unit.trim())
                        .fetch_optional(&mut *tx)
                        .await?;
                        if known.is_none() {
                            return Err(StoreError::invalid(
                                "unit",
                                format!("\"{}\" is not a unit of the region", unit.trim()),
                            ));
                        }
                        sqlx::query("UPDATE feedback SET dispatched_unit = $1 WHERE region_id = $2 AND tracking_code = $3")
                            .bind(unit.trim())
                            .bind(region_id)
                            .bind(tracking_code)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Action::Answer { text } => {
                        sqlx::query("UPDATE feedback SET answer = $1, answered_at = $2 WHERE region_id = $3 AND tracking_code = $4")
                            .bind(text.trim())
                            .bind(now)
                            .bind(region_id)
                            .bind(tracking_code)
                            .execute(&mut *tx)
                            .await?;
                    }
                    _ => {}
                }
                let id: i64 = sqlx::query_scalar(
                    "UPDATE feedback SET state = $1, state_since = $2 WHERE region_id = $3 AND tracking_code = $4 \
                     RETURNING id",
                )
                .bind(to.code())
                .bind(now)
                .bind(region_id)
                .bind(tracking_code)
                .fetch_one(&mut *tx)
                .await?;
                let text = $crate::feedback::action_text(action).map(str::trim);
                Self::feedback_record_step(
                    &mut tx, id, now, by.party, &by.actor.label, action.code(), Some(from), to, text,
                )
                .await?;
                let record = NewAudit {
                    action: format!("feedback_{}", action.code()),
                    entity: "feedback".into(),
                    entity_id: Some(tracking_code.to_owned()),
                    before: Some(serde_json::json!({ "state": from.code() })),
                    after: Some(serde_json::json!({ "state": to.code(), "text": text })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), by.actor, &record).await?;
                let case = Self::feedback_case_in(&mut tx, region, tracking_code)
                    .await?
                    .expect("the case just changed");
                tx.commit().await?;
                Ok(Ok(case))
            }

            async fn feedback_close_unanswered(
                &self,
                region: &str,
                now: DateTime<Utc>,
            ) -> Result<usize> {
                use pantau_domain::feedback::{Action, Party, State, closes_itself, due};
                let mut tx = self.begin_write().await?;
                let (region_id, tz) = Self::region_timezone(&mut tx, region).await?;
                let calendar = Self::work_calendar_in(&mut tx, region_id).await?;
                let today = now.with_timezone(&tz).date_naive();
                let rows = sqlx::query(
                    "SELECT id, tracking_code, received_at, state_since FROM feedback \
                     WHERE region_id = $1 AND state = $2",
                )
                .bind(region_id)
                .bind(State::Ditindaklanjuti.code())
                .fetch_all(&mut *tx)
                .await?;
                let system = Actor { user_id: None, label: "system".into() };
                let mut closed = 0;
                for row in rows {
                    let received: DateTime<Utc> = row.try_get("received_at")?;
                    let since: DateTime<Utc> = row.try_get("state_since")?;
                    let when = due(
                        &calendar,
                        State::Ditindaklanjuti,
                        received.with_timezone(&tz).date_naive(),
                        since.with_timezone(&tz).date_naive(),
                    );
                    if !closes_itself(when, today) {
                        continue;
                    }
                    let id: i64 = row.try_get("id")?;
                    let code: String = row.try_get("tracking_code")?;
                    sqlx::query("UPDATE feedback SET state = $1, state_since = $2 WHERE id = $3")
                        .bind(State::Selesai.code())
                        .bind(stored_moment(now))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Self::feedback_record_step(
                        &mut tx,
                        id,
                        now,
                        Party::System,
                        "system",
                        Action::AutoClose.code(),
                        Some(State::Ditindaklanjuti),
                        State::Selesai,
                        None,
                    )
                    .await?;
                    let record = NewAudit {
                        action: "feedback_auto_close".into(),
                        entity: "feedback".into(),
                        entity_id: Some(code),
                        before: Some(serde_json::json!({ "state": State::Ditindaklanjuti.code() })),
                        after: Some(serde_json::json!({ "state": State::Selesai.code() })),
                    };
                    Self::append_audit_in(&mut tx, Some(region_id), &system, &record).await?;
                    closed += 1;
                }
                tx.commit().await?;
                Ok(closed)
            }

            async fn feedback_erase_personal(
                &self,
                closed_before: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> Result<usize> {
                let result = sqlx::query(
                    "UPDATE feedback SET sender_name = NULL, sender_contact = NULL, address_key = NULL, \
                     personal_erased_at = $1 \
                     WHERE personal_erased_at IS NULL AND state IN ('selesai', 'bukan_wewenang', 'diarsipkan') \
                     AND state_since < $2",
                )
                .bind(stored_moment(now))
                .bind(stored_moment(closed_before))
                .execute(&self.pool)
                .await?;
                Ok(result.rows_affected() as usize)
            }

            async fn feedback_counts(
                &self,
                region: &str,
                address_key: &str,
                since: DateTime<Utc>,
            ) -> Result<$crate::feedback::FeedbackCounts> {
                let (from_address, in_region): (i64, i64) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN f.address_key = $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     COUNT(*) FROM feedback f JOIN regions r ON r.id = f.region_id \
                     WHERE r.code = $1 AND f.received_at >= $3",
                )
                .bind(region)
                .bind(address_key)
                .bind(stored_moment(since))
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::feedback::FeedbackCounts { from_address, in_region })
            }

            async fn work_calendar(
                &self,
                region: &str,
            ) -> Result<pantau_domain::workdays::WorkCalendar> {
                let mut conn = self.pool.acquire().await?;
                let region_id = Self::region_id(&mut conn, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                Self::work_calendar_in(&mut conn, region_id).await
            }

            async fn set_holidays(
                &self,
                region: &str,
                holidays: &[pantau_domain::workdays::Holiday],
                actor: &Actor,
            ) -> Result<()> {
                for (i, holiday) in holidays.iter().enumerate() {
                    let name = holiday.name.trim();
                    if name.is_empty() {
                        return Err(StoreError::invalid(format!("holidays[{i}].name"), "must not be empty"));
                    }
                    check_chars(&format!("holidays[{i}].name"), name, 200)?;
                    if holidays[..i].iter().any(|h| h.date == holiday.date) {
                        return Err(StoreError::invalid(
                            format!("holidays[{i}].date"),
                            format!("{} is listed twice", holiday.date),
                        ));
                    }
                }
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let before = Self::work_calendar_in(&mut tx, region_id).await?.holidays().count();
                sqlx::query("DELETE FROM region_holidays WHERE region_id = $1")
                    .bind(region_id)
                    .execute(&mut *tx)
                    .await?;
                for holiday in holidays {
                    sqlx::query(
                        "INSERT INTO region_holidays (region_id, day, name, kind) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(region_id)
                    .bind(holiday.date)
                    .bind(holiday.name.trim())
                    .bind($crate::feedback::holiday_kind_code(holiday.kind))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE regions SET holidays_edited = $1 WHERE id = $2")
                    .bind(true)
                    .bind(region_id)
                    .execute(&mut *tx)
                    .await?;
                let record = NewAudit {
                    action: "set_holidays".into(),
                    entity: "region".into(),
                    entity_id: Some(region.to_owned()),
                    before: Some(serde_json::json!({ "holidays": before })),
                    after: Some(serde_json::json!({ "holidays": holidays.len() })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
