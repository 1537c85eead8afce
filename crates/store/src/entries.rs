//! What operators report: entries and their review, evidence files, nil
//! reports.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `entry_store_impl!` in `backend.rs`. Every write is one
//! transaction with its audit record; a change of entries or nil reports also
//! bumps the region's data version.

#[allow(unused_imports)]
use crate::*;

use chrono::NaiveDate;
use pantau_domain::bundle::Kind;
use rust_decimal::Decimal;
use sqlx::Row;

use crate::backend::{corrupt, decimal, entry_status};

pub(crate) const ENTRY_SELECT: &str = "SELECT e.id, p.code AS program, t.code AS target, t.name AS target_name, \
     u.code AS unit, c.code AS cluster, e.activity_date, e.submitted_at, e.value, e.status, e.note, \
     e.return_reason, ru.username AS reviewed_by, e.imported_at \
     FROM entries e JOIN regions r ON r.id = e.region_id JOIN targets t ON t.id = e.target_id \
     JOIN programs p ON p.id = t.program_id JOIN units u ON u.id = t.unit_id \
     LEFT JOIN clusters c ON c.id = u.cluster_id LEFT JOIN users ru ON ru.id = e.reviewed_by";

pub(crate) fn entry_row<R: Row>(row: &R) -> Result<EntryRow>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> NaiveDate: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let value: String = row.try_get("value")?;
    let status: String = row.try_get("status")?;
    Ok(EntryRow {
        id: row.try_get("id")?,
        program: row.try_get("program")?,
        target: row.try_get("target")?,
        target_name: row.try_get("target_name")?,
        unit: row.try_get("unit")?,
        cluster: row.try_get("cluster")?,
        activity_date: row.try_get("activity_date")?,
        submitted_at: row.try_get("submitted_at")?,
        value: decimal(&value, "entries.value")?,
        status: entry_status(&status)?,
        note: row.try_get("note")?,
        return_reason: row.try_get("return_reason")?,
        reviewed_by: row.try_get("reviewed_by")?,
        imported_at: row.try_get("imported_at")?,
    })
}

pub(crate) const EVIDENCE_SELECT: &str = "SELECT v.id, v.entry_id, v.file_name, v.content_type, v.size_bytes, \
     v.stored_path FROM evidence v JOIN regions r ON r.id = v.region_id";

pub(crate) fn evidence_row<R: Row>(row: &R) -> Result<EvidenceRow>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(EvidenceRow {
        id: row.try_get("id")?,
        entry_id: row.try_get("entry_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        stored_path: row.try_get("stored_path")?,
    })
}

/// Refuse a value the engine would refuse in a bundle (the domain's rule).
pub(crate) fn check_value(kind: &str, value: Decimal) -> Result<()> {
    let kind = Kind::parse(kind).ok_or_else(|| corrupt("targets.kind", kind))?;
    pantau_domain::rules::check_entry_value(kind, value)
        .map_err(|problem| StoreError::invalid("value", problem.to_string()))
}

/// A report an operator makes for a target.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub program: String,
    pub target: String,
    pub activity_date: chrono::NaiveDate,
    pub value: rust_decimal::Decimal,
    pub note: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// What an operator may change of an entry before it is verified.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryChange {
    pub activity_date: chrono::NaiveDate,
    pub value: rust_decimal::Decimal,
    pub note: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// An entry with what the pages need around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryRow {
    pub id: Id,
    pub program: String,
    pub target: String,
    pub target_name: String,
    pub unit: String,
    pub cluster: Option<String>,
    pub activity_date: chrono::NaiveDate,
    pub submitted_at: DateTime<Utc>,
    pub value: rust_decimal::Decimal,
    pub status: pantau_domain::bundle::EntryStatus,
    pub note: Option<String>,
    pub return_reason: Option<String>,
    pub reviewed_by: Option<String>,
    /// When it came in through an import, status and all, rather than
    /// being submitted (and reviewed) here.
    pub imported_at: Option<DateTime<Utc>>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    pub program: Option<String>,
    pub unit: Option<String>,
    pub clusters: Option<Vec<String>>,
    pub target: Option<String>,
    pub status: Option<pantau_domain::bundle::EntryStatus>,
    /// Keyset paging: only entries with a greater id, oldest first (by id).
    /// Without it, in [`EntryFilter::sort`] order.
    pub after_id: Option<Id>,
    pub limit: Option<i64>,
    /// Words to find in the target's code or name, the unit's code or the note
    /// (case-insensitive, all of them).
    pub search: Option<String>,
    /// Activity dates from and to (both inclusive): a period's entries.
    pub activity_from: Option<NaiveDate>,
    pub activity_to: Option<NaiveDate>,
    pub sort: EntrySort,
    /// Entries to skip, for page-numbered lists.
    pub offset: Option<i64>,
}

/// The order of a list of entries; every order ends on the id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntrySort {
    /// Newest submitted first (by id).
    #[default]
    Newest,
    Oldest,
    /// Latest activity date first.
    ActivityLatest,
    ActivityEarliest,
    /// By unit code, then target code.
    Unit,
    /// By target code.
    Target,
}

impl EntrySort {
    pub(crate) fn order_by(self) -> &'static str {
        match self {
            EntrySort::Newest => " ORDER BY e.id DESC",
            EntrySort::Oldest => " ORDER BY e.id",
            EntrySort::ActivityLatest => " ORDER BY e.activity_date DESC, e.id DESC",
            EntrySort::ActivityEarliest => " ORDER BY e.activity_date, e.id",
            EntrySort::Unit => " ORDER BY u.code, t.code, e.id DESC",
            EntrySort::Target => " ORDER BY t.code, e.id DESC",
        }
    }
}

/// A search's words as `LIKE` patterns: lower case, `%` around, the wildcards escaped.
pub(crate) fn like_patterns(search: Option<&str>) -> Vec<String> {
    search
        .unwrap_or_default()
        .split_whitespace()
        .take(8)
        .map(|word| {
            let escaped: String = word
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            format!("%{escaped}%")
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEvidence {
    pub entry_id: Id,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub stored_path: String,
}

/// An evidence file already written, to record with the entry it is for
/// ([`EntryStore::create_entry_with_evidence`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceFile {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub stored_path: String,
}

impl EvidenceFile {
    /// The record of this file for an entry.
    pub fn of_entry(&self, entry_id: Id) -> NewEvidence {
        NewEvidence {
            entry_id,
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            stored_path: self.stored_path.clone(),
        }
    }
}

/// What [`EntryStore::create_entry_with_evidence`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedEntry {
    pub entry: Id,
    /// The evidence rows, in the order of the files given.
    pub evidence: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRow {
    pub id: Id,
    pub entry_id: Id,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub stored_path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewNilReport {
    pub program: String,
    pub unit: String,
    pub date: chrono::NaiveDate,
    pub reason: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// Entries, evidence and nil reports of a region.
#[async_trait::async_trait]
pub trait EntryStore: Send + Sync {
    /// Record a submitted entry (the caller has checked the role and the
    /// values against the program); returns its id.
    async fn create_entry(&self, region: &str, entry: &NewEntry, actor: &Actor) -> Result<Id> {
        Ok(self
            .create_entry_with_evidence(region, entry, &[], actor)
            .await?
            .entry)
    }

    /// Record a submitted entry and its evidence files (already written) in one
    /// transaction, each with its audit record: all of them or, on any
    /// failure, none.
    async fn create_entry_with_evidence(
        &self,
        region: &str,
        entry: &NewEntry,
        evidence: &[EvidenceFile],
        actor: &Actor,
    ) -> Result<CreatedEntry>;

    /// Change an entry that is not verified yet; a returned entry becomes submitted again.
    async fn update_entry(
        &self,
        region: &str,
        id: Id,
        change: &EntryChange,
        actor: &Actor,
    ) -> Result<()>;

    /// Delete an entry that is not verified yet.
    async fn delete_entry(&self, region: &str, id: Id, actor: &Actor) -> Result<()>;

    /// Verify or return a submitted entry.
    async fn review_entry(
        &self,
        region: &str,
        id: Id,
        review: &Review,
        actor: &Actor,
    ) -> Result<()>;

    async fn entry(&self, region: &str, id: Id) -> Result<Option<EntryRow>>;

    /// Entries newest first; with [`EntryFilter::after_id`], those after it by id, in id order.
    async fn entries(&self, region: &str, filter: &EntryFilter) -> Result<Vec<EntryRow>>;

    /// How many entries the filter lists without its limit and offset.
    async fn count_entries(&self, region: &str, filter: &EntryFilter) -> Result<i64>;

    /// Record an evidence file already written to `stored_path`.
    async fn add_evidence(&self, region: &str, evidence: &NewEvidence, actor: &Actor)
    -> Result<Id>;

    /// The evidence files of an entry.
    async fn evidence_of_entry(&self, region: &str, entry_id: Id) -> Result<Vec<EvidenceRow>>;

    /// One evidence file, if the region has it.
    async fn evidence(&self, region: &str, id: Id) -> Result<Option<EvidenceRow>>;

    async fn create_nil_report(
        &self,
        region: &str,
        nil: &NewNilReport,
        actor: &Actor,
    ) -> Result<Id>;
}

macro_rules! entry_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            async fn entry_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                id: Id,
            ) -> Result<Option<EntryRow>> {
                let sql = format!("{ENTRY_SELECT} WHERE r.code = $1 AND e.id = $2");
                let row = sqlx::query(&sql).bind(region).bind(id).fetch_optional(&mut *conn).await?;
                row.as_ref().map(entry_row).transpose()
            }

            /// The WHERE clause of a list of entries; false when nothing can match.
            fn push_entry_where(query: &mut sqlx::QueryBuilder<'_, $db>, region: &str, filter: &EntryFilter) -> bool {
                query.push(" WHERE r.code = ").push_bind(region.to_owned());

                if let Some(program) = &filter.program {
                    query.push(" AND p.code = ").push_bind(program.clone());
                }
                if let Some(unit) = &filter.unit {
                    query.push(" AND u.code = ").push_bind(unit.clone());
                }
                if let Some(target) = &filter.target {
                    query.push(" AND t.code = ").push_bind(target.clone());
                }
                if let Some(status) = filter.status {
                    query.push(" AND e.status = ").push_bind(status.code());
                }
                if let Some(clusters) = &filter.clusters {
                    if clusters.is_empty() {
                        return false;
                    }
                    query.push(" AND c.code IN (");
                    let mut list = query.separated(", ");
                    for cluster in clusters {
                        list.push_bind(cluster.clone());
                    }
                    list.push_unseparated(")");
                }
                if let Some(from) = filter.activity_from {
                    query.push(" AND e.activity_date >= ").push_bind(from);
                }
                if let Some(to) = filter.activity_to {
                    query.push(" AND e.activity_date <= ").push_bind(to);
                }
                for pattern in $crate::entries::like_patterns(filter.search.as_deref()) {
                    query.push(" AND (LOWER(t.code) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(t.name) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(u.code) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(COALESCE(e.note, '')) LIKE ").push_bind(pattern);
                    query.push(" ESCAPE '\\')");
                }
                true
            }

            /// Record an evidence file of an entry of the region, with its audit record.
            async fn add_evidence_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                evidence: &NewEvidence,
                actor: &Actor,
            ) -> Result<Id> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO evidence (region_id, entry_id, file_name, content_type, size_bytes, stored_path) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(region_id)
                .bind(evidence.entry_id)
                .bind(&evidence.file_name)
                .bind(&evidence.content_type)
                .bind(evidence.size_bytes)
                .bind(&evidence.stored_path)
                .fetch_one(&mut *conn)
                .await?;
                let record = NewAudit {
                    action: "create".into(),
                    entity: "evidence".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::to_value(evidence).expect("evidence serializes")),
                };
                Self::append_audit_in(conn, Some(region_id), actor, &record).await?;
                Ok(id)
            }

            /// The entry as it stands, if the region has it and it may still change.
            async fn entry_for_change(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                id: Id,
            ) -> Result<(i64, EntryRow)> {
                let entry = Self::entry_in(conn, region, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "entry", key: id.to_string() })?;
                if entry.status == EntryStatus::Verified {
                    return Err(StoreError::EntryLocked(id));
                }
                let region_id = Self::region_id(conn, region).await?.expect("the entry's region exists");
                Ok((region_id, entry))
            }
        }

        #[async_trait::async_trait]
        impl $crate::entries::EntryStore for $store {
            async fn create_entry_with_evidence(
                &self,
                region: &str,
                entry: &NewEntry,
                evidence: &[EvidenceFile],
                actor: &Actor,
            ) -> Result<CreatedEntry> {
                $crate::check_chars("note", entry.note.as_deref().unwrap_or_default(), self.limits.max_note_chars)?;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT t.id, t.region_id, t.kind FROM targets t JOIN programs p ON p.id = t.program_id \
                     JOIN regions r ON r.id = t.region_id WHERE r.code = $1 AND p.code = $2 AND t.code = $3",
                )
                .bind(region)
                .bind(&entry.program)
                .bind(&entry.target)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "target",
                    key: format!("{}/{}", entry.program, entry.target),
                })?;
                let target_id: i64 = row.try_get("id")?;
                let region_id: i64 = row.try_get("region_id")?;
                check_value(&row.try_get::<String, _>("kind")?, entry.value)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO entries (region_id, target_id, activity_date, submitted_at, value, status, note, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(region_id)
                .bind(target_id)
                .bind(entry.activity_date)
                .bind(stored_moment(entry.submitted_at))
                .bind(entry.value.to_string())
                .bind(EntryStatus::Submitted.code())
                .bind(&entry.note)
                .bind(actor.user_id)
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "submit".into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "program": entry.program, "target": entry.target, "activity_date": entry.activity_date,
                        "value": entry.value.to_string(), "note": entry.note, "status": EntryStatus::Submitted.code(),
                    })),
                };
                self.stamp_change(&mut tx, region_id, ChangedTable::Entry, id).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                let mut evidence_ids = Vec::with_capacity(evidence.len());
                for file in evidence {
                    evidence_ids.push(Self::add_evidence_in(&mut tx, region_id, &file.of_entry(id), actor).await?);
                }
                tx.commit().await?;
                Ok(CreatedEntry { entry: id, evidence: evidence_ids })
            }

            async fn update_entry(&self, region: &str, id: Id, change: &EntryChange, actor: &Actor) -> Result<()> {
                $crate::check_chars("note", change.note.as_deref().unwrap_or_default(), self.limits.max_note_chars)?;
                let mut tx = self.begin_write().await?;
                let (region_id, before) = Self::entry_for_change(&mut tx, region, id).await?;
                let kind: String =
                    sqlx::query_scalar("SELECT t.kind FROM entries e JOIN targets t ON t.id = e.target_id WHERE e.id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                check_value(&kind, change.value)?;
                sqlx::query(
                    "UPDATE entries SET activity_date = $1, value = $2, note = $3, submitted_at = $4, status = $5, \
                     return_reason = NULL WHERE id = $6",
                )
                .bind(change.activity_date)
                .bind(change.value.to_string())
                .bind(&change.note)
                .bind(stored_moment(change.submitted_at))
                .bind(EntryStatus::Submitted.code())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::to_value(&before).expect("an entry serializes")),
                    after: Some(serde_json::json!({
                        "activity_date": change.activity_date, "value": change.value.to_string(),
                        "note": change.note, "status": EntryStatus::Submitted.code(),
                    })),
                };
                self.stamp_change(&mut tx, region_id, ChangedTable::Entry, id).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_entry(&self, region: &str, id: Id, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let (region_id, before) = Self::entry_for_change(&mut tx, region, id).await?;
                sqlx::query("DELETE FROM entries WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let record = NewAudit {
                    action: "delete".into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::to_value(&before).expect("an entry serializes")),
                    after: None,
                };
                self.stamp_change(&mut tx, region_id, ChangedTable::DeletedEntry, id).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_entry(&self, region: &str, id: Id, review: &Review, actor: &Actor) -> Result<()> {
                if let Review::Return { reason } = review {
                    $crate::check_chars("reason", reason, self.limits.max_note_chars)?;
                }
                let mut tx = self.begin_write().await?;
                let before = Self::entry_in(&mut tx, region, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "entry", key: id.to_string() })?;
                if before.status != EntryStatus::Submitted {
                    return Err(StoreError::NotReviewable(id, before.status.code().to_owned()));
                }
                let (status, reason, action) = match review {
                    Review::Verify => (EntryStatus::Verified, None, "verify"),
                    Review::Return { reason } => {
                        if reason.trim().is_empty() {
                            return Err(StoreError::invalid("reason", "a returned entry needs a reason the operator can act on"));
                        }
                        (EntryStatus::Returned, Some(reason.trim().to_owned()), "return")
                    }
                };
                sqlx::query(
                    "UPDATE entries SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5",
                )
                .bind(status.code())
                .bind(&reason)
                .bind(actor.user_id)
                .bind(Utc::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let region_id = Self::region_id(&mut tx, region).await?;
                let record = NewAudit {
                    action: action.into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::json!({"status": before.status.code()})),
                    after: Some(serde_json::json!({"status": status.code(), "return_reason": reason})),
                };
                if let Some(region_id) = region_id {
                    self.stamp_change(&mut tx, region_id, ChangedTable::Entry, id).await?;
                }
                Self::append_audit_in(&mut tx, region_id, actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn entry(&self, region: &str, id: Id) -> Result<Option<EntryRow>> {
                let mut conn = self.pool.acquire().await?;
                Self::entry_in(&mut conn, region, id).await
            }

            async fn entries(&self, region: &str, filter: &EntryFilter) -> Result<Vec<EntryRow>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(ENTRY_SELECT);
                if !Self::push_entry_where(&mut query, region, filter) {
                    return Ok(Vec::new());
                }
                match filter.after_id {
                    Some(after) => {
                        query.push(" AND e.id > ").push_bind(after);
                        query.push(" ORDER BY e.id");
                    }
                    None => {
                        query.push(filter.sort.order_by());
                    }
                }
                if let Some(limit) = filter.limit {
                    query.push(" LIMIT ").push_bind(limit);
                }
                if let Some(offset) = filter.offset {
                    if filter.limit.is_none() {
                        query.push(" LIMIT ").push_bind(i64::MAX);
                    }
                    query.push(" OFFSET ").push_bind(offset.max(0));
                }
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(entry_row).collect()
            }

            async fn count_entries(&self, region: &str, filter: &EntryFilter) -> Result<i64> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) FROM entries e JOIN regions r ON r.id = e.region_id JOIN targets t ON t.id = e.target_id \
                     JOIN programs p ON p.id = t.program_id JOIN units u ON u.id = t.unit_id \
                     LEFT JOIN clusters c ON c.id = u.cluster_id",
                );
                if !Self::push_entry_where(&mut query, region, filter) {
                    return Ok(0);
                }
                if let Some(after) = filter.after_id {
                    query.push(" AND e.id > ").push_bind(after);
                }
                Ok(query.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
            }

            async fn add_evidence(&self, region: &str, evidence: &NewEvidence, actor: &Actor) -> Result<Id> {
                let mut tx = self.begin_write().await?;
                let region_id: i64 = sqlx::query_scalar(
                    "SELECT e.region_id FROM entries e JOIN regions r ON r.id = e.region_id WHERE r.code = $1 AND e.id = $2",
                )
                .bind(region)
                .bind(evidence.entry_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound { what: "entry", key: evidence.entry_id.to_string() })?;
                let id = Self::add_evidence_in(&mut tx, region_id, evidence, actor).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn evidence_of_entry(&self, region: &str, entry_id: Id) -> Result<Vec<EvidenceRow>> {
                let sql = format!("{EVIDENCE_SELECT} WHERE r.code = $1 AND v.entry_id = $2 ORDER BY v.id");
                let rows = sqlx::query(&sql).bind(region).bind(entry_id).fetch_all(&self.pool).await?;
                rows.iter().map(evidence_row).collect()
            }

            async fn evidence(&self, region: &str, id: Id) -> Result<Option<EvidenceRow>> {
                let sql = format!("{EVIDENCE_SELECT} WHERE r.code = $1 AND v.id = $2");
                let row = sqlx::query(&sql).bind(region).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(evidence_row).transpose()
            }

            async fn create_nil_report(&self, region: &str, nil: &NewNilReport, actor: &Actor) -> Result<Id> {
                $crate::check_chars("reason", nil.reason.as_deref().unwrap_or_default(), self.limits.max_note_chars)?;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT p.id AS program_id, u.id AS unit_id, r.id AS region_id FROM regions r \
                     JOIN programs p ON p.region_id = r.id JOIN units u ON u.region_id = r.id \
                     WHERE r.code = $1 AND p.code = $2 AND u.code = $3",
                )
                .bind(region)
                .bind(&nil.program)
                .bind(&nil.unit)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "program or unit",
                    key: format!("{}/{}", nil.program, nil.unit),
                })?;
                let region_id: i64 = row.try_get("region_id")?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO nil_reports (region_id, program_id, unit_id, date, submitted_at, reason, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(region_id)
                .bind(row.try_get::<i64, _>("program_id")?)
                .bind(row.try_get::<i64, _>("unit_id")?)
                .bind(nil.date)
                .bind(stored_moment(nil.submitted_at))
                .bind(&nil.reason)
                .bind(actor.user_id)
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "submit".into(),
                    entity: "nil_report".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "program": nil.program, "unit": nil.unit, "date": nil.date, "reason": nil.reason,
                    })),
                };
                self.stamp_change(&mut tx, region_id, ChangedTable::NilReport, id).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(id)
            }
        }
    };
}
