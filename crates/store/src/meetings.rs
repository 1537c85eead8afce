//! Evaluation meetings (one per cluster per period, and a final one per program), their notes, status overrides, follow-ups (tindak lanjut) and frozen minutes.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `meeting_store_impl!` in `backend.rs`.
//!
//! A meeting row is made by the first thing recorded in it (a note, an
//! override, a follow-up, or closing it), in that change's transaction: an
//! agenda can be read before anything is written. Once closed, a meeting
//! refuses every change, and its minutes are read from the JSON written then.

#[allow(unused_imports)]
use crate::*;

use chrono::NaiveDate;
use pantau_domain::evaluation::Status;
use pantau_domain::meeting::Minutes;

/// Which meeting: a cluster's for one period, or the program's final one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeetingKey {
    pub program: String,
    /// `None` (with `period` `None`) for the final meeting.
    pub cluster: Option<String>,
    pub period: Option<u32>,
}

impl MeetingKey {
    pub fn weekly(program: &str, cluster: &str, period: u32) -> MeetingKey {
        MeetingKey {
            program: program.to_owned(),
            cluster: Some(cluster.to_owned()),
            period: Some(period),
        }
    }

    pub fn final_of(program: &str) -> MeetingKey {
        MeetingKey {
            program: program.to_owned(),
            cluster: None,
            period: None,
        }
    }

    /// Unique per program: `ASDA1/3`, or `final`.
    pub fn scope_key(&self) -> String {
        match (&self.cluster, self.period) {
            (Some(cluster), Some(period)) => format!("{cluster}/{period}"),
            _ => "final".to_owned(),
        }
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.program, self.scope_key())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingRow {
    pub id: Id,
    pub program: String,
    pub cluster: Option<String>,
    pub period: Option<u32>,
    pub status: MeetingStatus,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteRow {
    pub unit: String,
    pub text: String,
    pub author: String,
    pub at: DateTime<Utc>,
}

/// An evaluator's status for a unit or one of its targets, beside the engine's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOverride {
    pub unit: String,
    pub target: Option<String>,
    /// What the engine showed when the override was made.
    pub computed: Option<Status>,
    pub status: Status,
    /// Required: why the evaluator judges otherwise.
    pub justification: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideRow {
    pub id: Id,
    pub unit: String,
    pub target: Option<String>,
    pub computed: Option<Status>,
    pub status: Status,
    pub justification: String,
    pub author: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub unit: String,
    pub description: String,
    pub due: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpRow {
    pub id: Id,
    pub meeting_id: Id,
    pub program: String,
    /// The meeting it was made in (cluster and period `None`: the final one).
    pub meeting_cluster: Option<String>,
    pub meeting_period: Option<u32>,
    pub unit: String,
    pub unit_name: String,
    /// The owner unit's cluster.
    pub cluster: Option<String>,
    pub description: String,
    pub due: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    pub done_note: Option<String>,
}

impl FollowUpRow {
    /// The domain's view of it, in its state on `today` (a local date).
    pub fn to_domain(&self, today: NaiveDate) -> pantau_domain::meeting::FollowUp {
        use pantau_domain::meeting::{FollowUp, FollowUpState};
        FollowUp {
            id: self.id,
            unit: self.unit.clone(),
            unit_name: self.unit_name.clone(),
            description: self.description.clone(),
            due: self.due,
            done_at: self.done_at,
            done_note: self.done_note.clone(),
            state: FollowUpState::of(self.due, self.done_at.is_some(), today),
        }
    }
}

/// Which follow-ups to list; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpFilter {
    pub program: Option<String>,
    /// Owner units.
    pub units: Option<Vec<String>>,
    /// Clusters of the owner units.
    pub clusters: Option<Vec<String>>,
    pub meeting_id: Option<Id>,
    /// Keyset paging: only follow-ups with a greater id, in id order.
    /// Without it, open ones first, by due date, then as made (or [`FollowUpFilter::newest_first`]).
    pub after_id: Option<Id>,
    pub limit: Option<i64>,
    /// Done (`Some(true)`) or not yet done (`Some(false)`).
    pub done: Option<bool>,
    /// Due before this day (overdue, with `done: Some(false)`).
    pub due_before: Option<NaiveDate>,
    /// Due on or after this day.
    pub due_from: Option<NaiveDate>,
    /// Words to find in the description or the owner unit's code or name.
    pub search: Option<String>,
    /// Newest made first instead of by due date.
    pub newest_first: bool,
    pub offset: Option<i64>,
}

#[async_trait::async_trait]
pub trait MeetingStore: Send + Sync {
    /// The meetings of a program that have a record (something was written in them).
    async fn meetings(&self, region: &str, program: &str) -> Result<Vec<MeetingRow>>;

    async fn meeting(&self, region: &str, key: &MeetingKey) -> Result<Option<MeetingRow>>;

    async fn meeting_notes(&self, region: &str, meeting_id: Id) -> Result<Vec<NoteRow>>;

    async fn meeting_overrides(&self, region: &str, meeting_id: Id) -> Result<Vec<OverrideRow>>;

    /// Write (or, with an empty text, remove) the meeting's note on a unit.
    async fn save_note(
        &self,
        region: &str,
        key: &MeetingKey,
        unit: &str,
        text: &str,
        actor: &Actor,
    ) -> Result<()>;

    async fn add_override(
        &self,
        region: &str,
        key: &MeetingKey,
        change: &NewOverride,
        actor: &Actor,
    ) -> Result<Id>;

    async fn add_follow_up(
        &self,
        region: &str,
        key: &MeetingKey,
        follow_up: &NewFollowUp,
        actor: &Actor,
    ) -> Result<Id>;

    /// Follow-ups, by due date then as made; with [`FollowUpFilter::after_id`],
    /// those after it by id, in id order.
    async fn follow_ups(&self, region: &str, filter: &FollowUpFilter) -> Result<Vec<FollowUpRow>>;

    /// How many follow-ups the filter lists without its limit and offset.
    async fn count_follow_ups(&self, region: &str, filter: &FollowUpFilter) -> Result<i64>;

    async fn follow_up(&self, region: &str, id: Id) -> Result<Option<FollowUpRow>>;

    /// The owner's operator reports a follow-up done, with what was done.
    async fn complete_follow_up(
        &self,
        region: &str,
        id: Id,
        note: &str,
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<()>;

    /// Close a meeting with its frozen minutes. Refused when it is closed
    /// already, or when notes, overrides or follow-ups were added since the
    /// minutes were built (they would be missing from them).
    async fn close_meeting(
        &self,
        region: &str,
        key: &MeetingKey,
        minutes: &Minutes,
        actor: &Actor,
    ) -> Result<()>;

    /// The frozen minutes of a closed meeting.
    async fn minutes(&self, region: &str, key: &MeetingKey) -> Result<Option<Minutes>>;

    /// The frozen final evaluation of a program, once its final meeting closed.
    async fn final_minutes(&self, region: &str, program: &str) -> Result<Option<Minutes>> {
        self.minutes(region, &MeetingKey::final_of(program)).await
    }
}

pub(crate) const MEETING_SELECT: &str = "SELECT m.id, p.code AS program, c.code AS cluster, m.period_index, \
     m.status, m.opened_at, m.opened_by, m.closed_at, m.closed_by \
     FROM meetings m JOIN regions r ON r.id = m.region_id JOIN programs p ON p.id = m.program_id \
     LEFT JOIN clusters c ON c.id = m.cluster_id";

pub(crate) const FOLLOW_UP_SELECT: &str = "SELECT f.id, f.meeting_id, p.code AS program, mc.code AS meeting_cluster, \
     m.period_index, u.code AS unit, u.name AS unit_name, uc.code AS cluster, f.description, f.due_date, \
     f.created_by, f.created_at, f.done_at, f.done_by, f.done_note \
     FROM follow_ups f JOIN regions r ON r.id = f.region_id JOIN meetings m ON m.id = f.meeting_id \
     JOIN programs p ON p.id = m.program_id LEFT JOIN clusters mc ON mc.id = m.cluster_id \
     JOIN units u ON u.id = f.unit_id LEFT JOIN clusters uc ON uc.id = u.cluster_id";

pub(crate) fn closed_refusal(key: &MeetingKey) -> StoreError {
    StoreError::invalid(
        "meeting",
        format!(
            "meeting {} is closed: its minutes are frozen and it takes no more changes",
            key.describe()
        ),
    )
}

pub(crate) fn period_of(value: Option<i64>) -> Result<Option<u32>> {
    value
        .map(|v| {
            u32::try_from(v).map_err(|_| StoreError::Corrupt {
                what: "meetings.period_index".into(),
                detail: v.to_string(),
            })
        })
        .transpose()
}

macro_rules! meeting_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            fn meeting_row(row: &<$db as sqlx::Database>::Row) -> Result<$crate::meetings::MeetingRow> {
                let status: String = row.try_get("status")?;
                Ok($crate::meetings::MeetingRow {
                    id: row.try_get("id")?,
                    program: row.try_get("program")?,
                    cluster: row.try_get("cluster")?,
                    period: $crate::meetings::period_of(row.try_get("period_index")?)?,
                    status: from_code(&status, "meetings.status")?,
                    opened_at: row.try_get("opened_at")?,
                    opened_by: row.try_get("opened_by")?,
                    closed_at: row.try_get("closed_at")?,
                    closed_by: row.try_get("closed_by")?,
                })
            }

            fn follow_up_row(row: &<$db as sqlx::Database>::Row) -> Result<$crate::meetings::FollowUpRow> {
                Ok($crate::meetings::FollowUpRow {
                    id: row.try_get("id")?,
                    meeting_id: row.try_get("meeting_id")?,
                    program: row.try_get("program")?,
                    meeting_cluster: row.try_get("meeting_cluster")?,
                    meeting_period: $crate::meetings::period_of(row.try_get("period_index")?)?,
                    unit: row.try_get("unit")?,
                    unit_name: row.try_get("unit_name")?,
                    cluster: row.try_get("cluster")?,
                    description: row.try_get("description")?,
                    due: row.try_get("due_date")?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    done_at: row.try_get("done_at")?,
                    done_by: row.try_get("done_by")?,
                    done_note: row.try_get("done_note")?,
                })
            }

            /// The WHERE clause of a list of follow-ups; false when nothing can match.
            fn push_follow_up_where(query: &mut sqlx::QueryBuilder<'_, $db>, region: &str, filter: &$crate::meetings::FollowUpFilter) -> bool {
                query.push(" WHERE r.code = ").push_bind(region.to_owned());
                if let Some(program) = &filter.program {
                    query.push(" AND p.code = ").push_bind(program.clone());
                }
                if let Some(meeting_id) = filter.meeting_id {
                    query.push(" AND f.meeting_id = ").push_bind(meeting_id);
                }
                for (column, codes) in [("u.code", &filter.units), ("uc.code", &filter.clusters)] {
                    let Some(codes) = codes else { continue };
                    if codes.is_empty() {
                        return false;
                    }
                    query.push(format!(" AND {column} IN ("));
                    let mut list = query.separated(", ");
                    for code in codes {
                        list.push_bind(code.clone());
                    }
                    list.push_unseparated(")");
                }
                match filter.done {
                    Some(true) => {
                        query.push(" AND f.done_at IS NOT NULL");
                    }
                    Some(false) => {
                        query.push(" AND f.done_at IS NULL");
                    }
                    None => {}
                }
                if let Some(day) = filter.due_before {
                    query.push(" AND f.due_date < ").push_bind(day);
                }
                if let Some(day) = filter.due_from {
                    query.push(" AND f.due_date >= ").push_bind(day);
                }
                for pattern in $crate::entries::like_patterns(filter.search.as_deref()) {
                    query.push(" AND (LOWER(f.description) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(u.code) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(u.name) LIKE ").push_bind(pattern);
                    query.push(" ESCAPE '\\')");
                }
                true
            }

            /// The meeting's id and region id, made now if it has no record yet;
            /// refused when it is closed.
            async fn open_meeting_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                key: &$crate::meetings::MeetingKey,
                actor: &Actor,
            ) -> Result<(i64, i64)> {
                let region_id = Self::region_id(&mut *conn, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let program_id: i64 = sqlx::query_scalar("SELECT id FROM programs WHERE region_id = $1 AND code = $2")
                    .bind(region_id)
                    .bind(&key.program)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "program", key: key.program.clone() })?;
                let cluster_id: Option<i64> = match &key.cluster {
                    None => None,
                    Some(code) => Some(
                        sqlx::query_scalar("SELECT id FROM clusters WHERE region_id = $1 AND code = $2")
                            .bind(region_id)
                            .bind(code)
                            .fetch_optional(&mut *conn)
                            .await?
                            .ok_or_else(|| StoreError::NotFound { what: "cluster", key: code.clone() })?,
                    ),
                };
                if cluster_id.is_some() != key.period.is_some() || key.period == Some(0) {
                    return Err(StoreError::invalid(
                        "period",
                        "a weekly meeting has a cluster and a period (from 1); the final one neither",
                    ));
                }
                sqlx::query(
                    "INSERT INTO meetings (region_id, program_id, cluster_id, period_index, scope_key, status, opened_at, opened_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (program_id, scope_key) DO NOTHING",
                )
                .bind(region_id)
                .bind(program_id)
                .bind(cluster_id)
                .bind(key.period.map(i64::from))
                .bind(key.scope_key())
                .bind("open")
                .bind(stored_moment(Utc::now()))
                .bind(&actor.label)
                .execute(&mut *conn)
                .await?;
                let row = sqlx::query("SELECT id, status FROM meetings WHERE program_id = $1 AND scope_key = $2")
                    .bind(program_id)
                    .bind(key.scope_key())
                    .fetch_one(&mut *conn)
                    .await?;
                let status: String = row.try_get("status")?;
                if status != "open" {
                    return Err($crate::meetings::closed_refusal(key));
                }
                Ok((row.try_get("id")?, region_id))
            }

            /// A unit the meeting may speak of: of the region, and of the
            /// meeting's cluster for a weekly one.
            async fn meeting_unit_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                key: &$crate::meetings::MeetingKey,
                unit: &str,
            ) -> Result<i64> {
                let row = sqlx::query(
                    "SELECT u.id, c.code AS cluster FROM units u LEFT JOIN clusters c ON c.id = u.cluster_id \
                     WHERE u.region_id = $1 AND u.code = $2",
                )
                .bind(region_id)
                .bind(unit)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::invalid("unit", format!("no unit \"{unit}\" in this region")))?;
                let cluster: Option<String> = row.try_get("cluster")?;
                if let Some(meeting_cluster) = &key.cluster
                    && cluster.as_ref() != Some(meeting_cluster)
                {
                    return Err(StoreError::invalid(
                        "unit",
                        format!("unit \"{unit}\" is not in cluster {meeting_cluster}, whose meeting this is"),
                    ));
                }
                Ok(row.try_get("id")?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::meetings::MeetingStore for $store {
            async fn meetings(&self, region: &str, program: &str) -> Result<Vec<$crate::meetings::MeetingRow>> {
                let sql = format!("{} WHERE r.code = $1 AND p.code = $2 ORDER BY m.period_index, c.position", $crate::meetings::MEETING_SELECT);
                let rows = sqlx::query(&sql).bind(region).bind(program).fetch_all(&self.pool).await?;
                rows.iter().map(Self::meeting_row).collect()
            }

            async fn meeting(&self, region: &str, key: &$crate::meetings::MeetingKey) -> Result<Option<$crate::meetings::MeetingRow>> {
                let sql = format!("{} WHERE r.code = $1 AND p.code = $2 AND m.scope_key = $3", $crate::meetings::MEETING_SELECT);
                let row = sqlx::query(&sql)
                    .bind(region)
                    .bind(&key.program)
                    .bind(key.scope_key())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::meeting_row).transpose()
            }

            async fn meeting_notes(&self, region: &str, meeting_id: Id) -> Result<Vec<$crate::meetings::NoteRow>> {
                let rows = sqlx::query(
                    "SELECT u.code AS unit, n.text, n.author, n.at FROM meeting_notes n JOIN meetings m ON m.id = n.meeting_id \
                     JOIN regions r ON r.id = m.region_id JOIN units u ON u.id = n.unit_id \
                     WHERE r.code = $1 AND m.id = $2 ORDER BY u.position",
                )
                .bind(region)
                .bind(meeting_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::meetings::NoteRow {
                            unit: row.try_get("unit")?,
                            text: row.try_get("text")?,
                            author: row.try_get("author")?,
                            at: row.try_get("at")?,
                        })
                    })
                    .collect()
            }

            async fn meeting_overrides(&self, region: &str, meeting_id: Id) -> Result<Vec<$crate::meetings::OverrideRow>> {
                let rows = sqlx::query(
                    "SELECT o.id, u.code AS unit, t.code AS target, o.computed_status, o.status, o.justification, o.author, o.at \
                     FROM meeting_overrides o JOIN meetings m ON m.id = o.meeting_id JOIN regions r ON r.id = m.region_id \
                     JOIN units u ON u.id = o.unit_id LEFT JOIN targets t ON t.id = o.target_id \
                     WHERE r.code = $1 AND m.id = $2 ORDER BY o.id",
                )
                .bind(region)
                .bind(meeting_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let computed: Option<String> = row.try_get("computed_status")?;
                        let status: String = row.try_get("status")?;
                        Ok($crate::meetings::OverrideRow {
                            id: row.try_get("id")?,
                            unit: row.try_get("unit")?,
                            target: row.try_get("target")?,
                            computed: computed.map(|c| from_code(&c, "meeting_overrides.computed_status")).transpose()?,
                            status: from_code(&status, "meeting_overrides.status")?,
                            justification: row.try_get("justification")?,
                            author: row.try_get("author")?,
                            at: row.try_get("at")?,
                        })
                    })
                    .collect()
            }

            async fn save_note(&self, region: &str, key: &$crate::meetings::MeetingKey, unit: &str, text: &str, actor: &Actor) -> Result<()> {
                $crate::check_chars("note", text, self.limits.max_note_chars)?;
                let mut tx = self.begin_write().await?;
                let (meeting_id, region_id) = Self::open_meeting_in(&mut tx, region, key, actor).await?;
                let unit_id = Self::meeting_unit_in(&mut tx, region_id, key, unit).await?;
                let before: Option<String> = sqlx::query_scalar("SELECT text FROM meeting_notes WHERE meeting_id = $1 AND unit_id = $2")
                    .bind(meeting_id)
                    .bind(unit_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let text = text.trim();
                if text.is_empty() {
                    sqlx::query("DELETE FROM meeting_notes WHERE meeting_id = $1 AND unit_id = $2")
                        .bind(meeting_id)
                        .bind(unit_id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(
                        "INSERT INTO meeting_notes (meeting_id, unit_id, text, author, at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (meeting_id, unit_id) DO UPDATE SET text = excluded.text, author = excluded.author, at = excluded.at",
                    )
                    .bind(meeting_id)
                    .bind(unit_id)
                    .bind(text)
                    .bind(&actor.label)
                    .bind(stored_moment(Utc::now()))
                    .execute(&mut *tx)
                    .await?;
                }
                let record = NewAudit {
                    action: "note".into(),
                    entity: "meeting".into(),
                    entity_id: Some(meeting_id.to_string()),
                    before: before.map(|b| serde_json::json!({"unit": unit, "text": b})),
                    after: (!text.is_empty()).then(|| serde_json::json!({"unit": unit, "text": text})),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_override(&self, region: &str, key: &$crate::meetings::MeetingKey, change: &$crate::meetings::NewOverride, actor: &Actor) -> Result<Id> {
                let justification = change.justification.trim();
                $crate::check_chars("justification", justification, self.limits.max_note_chars)?;
                if justification.is_empty() {
                    return Err(StoreError::invalid(
                        "justification",
                        "an override needs a justification: say why the computed status does not tell the whole story",
                    ));
                }
                let mut tx = self.begin_write().await?;
                let (meeting_id, region_id) = Self::open_meeting_in(&mut tx, region, key, actor).await?;
                let unit_id = Self::meeting_unit_in(&mut tx, region_id, key, &change.unit).await?;
                let target_id: Option<i64> = match &change.target {
                    None => None,
                    Some(code) => Some(
                        sqlx::query_scalar(
                            "SELECT t.id FROM targets t JOIN programs p ON p.id = t.program_id \
                             WHERE p.region_id = $1 AND p.code = $2 AND t.code = $3 AND t.unit_id = $4",
                        )
                        .bind(region_id)
                        .bind(&key.program)
                        .bind(code)
                        .bind(unit_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::invalid(
                            "target",
                            format!("no target \"{code}\" of unit {} in program {}", change.unit, key.program),
                        ))?,
                    ),
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO meeting_overrides (meeting_id, unit_id, target_id, computed_status, status, justification, author, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(meeting_id)
                .bind(unit_id)
                .bind(target_id)
                .bind(change.computed.map(|s| s.code()))
                .bind(change.status.code())
                .bind(justification)
                .bind(&actor.label)
                .bind(stored_moment(Utc::now()))
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "override".into(),
                    entity: "meeting".into(),
                    entity_id: Some(meeting_id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "override": id, "unit": change.unit, "target": change.target,
                        "computed": change.computed.map(|s| s.code()), "status": change.status.code(),
                        "justification": justification,
                    })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn add_follow_up(&self, region: &str, key: &$crate::meetings::MeetingKey, follow_up: &$crate::meetings::NewFollowUp, actor: &Actor) -> Result<Id> {
                let description = follow_up.description.trim();
                $crate::check_chars("description", description, self.limits.max_note_chars)?;
                if description.is_empty() {
                    return Err(StoreError::invalid("description", "say what the unit commits to do"));
                }
                let mut tx = self.begin_write().await?;
                let (meeting_id, region_id) = Self::open_meeting_in(&mut tx, region, key, actor).await?;
                let unit_id = Self::meeting_unit_in(&mut tx, region_id, key, &follow_up.unit).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO follow_ups (region_id, meeting_id, unit_id, description, due_date, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(region_id)
                .bind(meeting_id)
                .bind(unit_id)
                .bind(description)
                .bind(follow_up.due)
                .bind(&actor.label)
                .bind(stored_moment(Utc::now()))
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "create".into(),
                    entity: "follow_up".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "meeting": meeting_id, "unit": follow_up.unit, "description": description, "due": follow_up.due,
                    })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn follow_ups(&self, region: &str, filter: &$crate::meetings::FollowUpFilter) -> Result<Vec<$crate::meetings::FollowUpRow>> {
                // Every narrowing in the SQL, so that a limit counts what is listed.
                let mut query = sqlx::QueryBuilder::<$db>::new($crate::meetings::FOLLOW_UP_SELECT);
                if !Self::push_follow_up_where(&mut query, region, filter) {
                    return Ok(Vec::new());
                }
                match filter.after_id {
                    Some(after) => {
                        query.push(" AND f.id > ").push_bind(after);
                        query.push(" ORDER BY f.id");
                    }
                    None if filter.newest_first => {
                        query.push(" ORDER BY f.id DESC");
                    }
                    None => {
                        query.push(" ORDER BY CASE WHEN f.done_at IS NULL THEN 0 ELSE 1 END, f.due_date, f.id");
                    }
                }
                query.push(" LIMIT ").push_bind(filter.limit.unwrap_or(i64::MAX));
                if let Some(offset) = filter.offset {
                    query.push(" OFFSET ").push_bind(offset.max(0));
                }
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::follow_up_row).collect()
            }

            async fn count_follow_ups(&self, region: &str, filter: &$crate::meetings::FollowUpFilter) -> Result<i64> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) FROM follow_ups f JOIN regions r ON r.id = f.region_id JOIN meetings m ON m.id = f.meeting_id \
                     JOIN programs p ON p.id = m.program_id JOIN units u ON u.id = f.unit_id \
                     LEFT JOIN clusters uc ON uc.id = u.cluster_id",
                );
                if !Self::push_follow_up_where(&mut query, region, filter) {
                    return Ok(0);
                }
                if let Some(after) = filter.after_id {
                    query.push(" AND f.id > ").push_bind(after);
                }
                Ok(query.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
            }

            async fn follow_up(&self, region: &str, id: Id) -> Result<Option<$crate::meetings::FollowUpRow>> {
                let sql = format!("{} WHERE r.code = $1 AND f.id = $2", $crate::meetings::FOLLOW_UP_SELECT);
                let row = sqlx::query(&sql).bind(region).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::follow_up_row).transpose()
            }

            async fn complete_follow_up(&self, region: &str, id: Id, note: &str, at: DateTime<Utc>, actor: &Actor) -> Result<()> {
                let note = note.trim();
                $crate::check_chars("note", note, self.limits.max_note_chars)?;
                if note.is_empty() {
                    return Err(StoreError::invalid("note", "say what was done, so the next meeting can check it"));
                }
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT f.region_id, f.done_at FROM follow_ups f JOIN regions r ON r.id = f.region_id \
                     WHERE r.code = $1 AND f.id = $2",
                )
                .bind(region)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound { what: "follow-up", key: id.to_string() })?;
                let region_id: i64 = row.try_get("region_id")?;
                let done_at: Option<DateTime<Utc>> = row.try_get("done_at")?;
                if done_at.is_some() {
                    return Err(StoreError::invalid("follow_up", format!("follow-up {id} is done already")));
                }
                sqlx::query("UPDATE follow_ups SET done_at = $1, done_by = $2, done_note = $3 WHERE id = $4")
                    .bind(stored_moment(at))
                    .bind(&actor.label)
                    .bind(note)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let record = NewAudit {
                    action: "done".into(),
                    entity: "follow_up".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::json!({"done": false})),
                    after: Some(serde_json::json!({"done": true, "note": note})),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn close_meeting(&self, region: &str, key: &$crate::meetings::MeetingKey, minutes: &pantau_domain::meeting::Minutes, actor: &Actor) -> Result<()> {
                let text = serde_json::to_string(minutes).map_err(|err| StoreError::invalid("minutes", err.to_string()))?;
                let mut tx = self.begin_write().await?;
                let (meeting_id, region_id) = Self::open_meeting_in(&mut tx, region, key, actor).await?;
                // What was recorded must all be in the minutes: a change that
                // slipped in while they were built would otherwise be lost.
                let count = |table: &'static str| format!("SELECT COUNT(*) FROM {table} WHERE meeting_id = $1");
                let mut recorded = Vec::new();
                for table in ["meeting_notes", "meeting_overrides", "follow_ups"] {
                    let n: i64 = sqlx::query_scalar(&count(table)).bind(meeting_id).fetch_one(&mut *tx).await?;
                    recorded.push(n as usize);
                }
                let frozen = [minutes.notes.len(), minutes.overrides.len(), minutes.follow_ups_created.len()];
                if recorded != frozen {
                    return Err(StoreError::invalid(
                        "meeting",
                        "the meeting changed while it was being closed: reload it and close again",
                    ));
                }
                // Its number, from the region's sequence of the year: in this
                // transaction, so a failed closing gives none away.
                let number = Self::assign_document_number_in(&mut tx, region_id, meeting_id, minutes).await?;
                sqlx::query("UPDATE meetings SET status = $1, minutes = $2, closed_at = $3, closed_by = $4 WHERE id = $5")
                    .bind("closed")
                    .bind(&text)
                    .bind(stored_moment(minutes.closed_at))
                    .bind(&actor.label)
                    .bind(meeting_id)
                    .execute(&mut *tx)
                    .await?;
                let record = NewAudit {
                    action: "close".into(),
                    entity: "meeting".into(),
                    entity_id: Some(meeting_id.to_string()),
                    before: Some(serde_json::json!({"status": "open"})),
                    after: Some(serde_json::json!({
                        "status": "closed", "meeting": key.scope_key(), "program": key.program,
                        "notes": frozen[0], "overrides": frozen[1], "follow_ups": frozen[2], "document_number": number,
                    })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn minutes(&self, region: &str, key: &$crate::meetings::MeetingKey) -> Result<Option<pantau_domain::meeting::Minutes>> {
                let text: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT m.minutes FROM meetings m JOIN regions r ON r.id = m.region_id JOIN programs p ON p.id = m.program_id \
                     WHERE r.code = $1 AND p.code = $2 AND m.scope_key = $3 AND m.status = 'closed'",
                )
                .bind(region)
                .bind(&key.program)
                .bind(key.scope_key())
                .fetch_optional(&self.pool)
                .await?;
                match text.flatten() {
                    None => Ok(None),
                    Some(text) => serde_json::from_str(&text).map(Some).map_err(|err| StoreError::Corrupt {
                        what: "meetings.minutes".into(),
                        detail: err.to_string(),
                    }),
                }
            }
        }
    };
}
