//! The audit log: append-only, one record per change. Every other part writes
//! its records with `append_audit_in`, in the change's own transaction; this
//! part adds the records no change carries and reads the log.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `audit_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

/// A change to record in the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: Id,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// For a refusal that opened a window still counting: how many refusals
    /// the window holds so far, this one included (see [`REFUSAL_WINDOW`]).
    pub repeated: Option<i64>,
}

impl AuditRecord {
    /// How many refused attempts this record stands for: a refusal, its
    /// repetitions still counting; a summary, the repetitions it chained. A
    /// sum over the log counts every refusal once.
    pub fn refusals(&self) -> i64 {
        match self.action.as_str() {
            REFUSED => self.repeated.unwrap_or(1),
            REFUSED_REPEATED => self
                .after
                .as_ref()
                .and_then(|a| a.get("more"))
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0),
            _ => 0,
        }
    }
}

/// Refusals of one actor for one action and entity within this time of the
/// first are counted, not chained one row each.
pub const REFUSAL_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// The action of a refused attempt.
pub const REFUSED: &str = "permission_denied";

/// The action of the chained row that closes a window of repeated refusals.
pub const REFUSED_REPEATED: &str = "permission_denied_repeated";

/// The distinct actors, actions and entities of a region's log: the audit
/// page's filter choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditFacets {
    pub actors: Vec<String>,
    pub actions: Vec<String>,
    pub entities: Vec<String>,
}

/// What `verify_audit_chain` found for one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditChainReport {
    /// Records whose hash was recomputed and matched.
    pub checked: u64,
    /// Records written before the chain existed (no hash to check).
    pub unchained: u64,
    /// The first link that does not hold, if any.
    pub broken: Option<BrokenLink>,
}

/// Where and how a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The first record that does not match, or for a missing tail the last
    /// record the chain head names.
    pub record: Id,
    pub reason: BrokenReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokenReason {
    /// The record, or one before it, was changed: its hash does not match.
    HashMismatch,
    /// A record after the chain began has no hash.
    HashMissing,
    /// Records at the end of the chain are gone: the head names a later one.
    TailMissing,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason {
            BrokenReason::HashMismatch => write!(
                f,
                "record {} does not match its hash: it, or a record before it, was changed or deleted",
                self.record
            ),
            BrokenReason::HashMissing => write!(
                f,
                "record {} has no hash although the chain began before it",
                self.record
            ),
            BrokenReason::TailMissing => write!(
                f,
                "the chain ends at record {} but the records after it are missing",
                self.record
            ),
        }
    }
}

/// The text a record's hash covers. Moments are written to the microsecond,
/// as both backends keep them; JSON values as stored.
pub(crate) fn canonical_record(
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    serde_json::json!([
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        actor,
        action,
        entity,
        entity_id,
        before,
        after
    ])
    .to_string()
}

/// The next link: the hash of the previous hash and the record's canonical text.
pub(crate) fn chain_hash(previous: &str, canonical: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Walk a chain's records (oldest first): each is (id, stored hash, canonical text).
pub(crate) fn verify_chain(
    records: impl IntoIterator<Item = (Id, Option<String>, String)>,
    head: Option<(Id, String)>,
) -> AuditChainReport {
    let mut report = AuditChainReport {
        checked: 0,
        unchained: 0,
        broken: None,
    };
    let mut previous: Option<String> = None;
    let mut last_id = None;
    for (id, stored, canonical) in records {
        last_id = Some(id);
        match (stored, &previous) {
            (None, None) => report.unchained += 1,
            (None, Some(_)) => {
                report.broken = Some(BrokenLink {
                    record: id,
                    reason: BrokenReason::HashMissing,
                });
                return report;
            }
            (Some(stored), _) => {
                let expected = chain_hash(previous.as_deref().unwrap_or(""), &canonical);
                if stored != expected {
                    report.broken = Some(BrokenLink {
                        record: id,
                        reason: BrokenReason::HashMismatch,
                    });
                    return report;
                }
                report.checked += 1;
                previous = Some(expected);
            }
        }
    }
    if let Some((head_id, head_hash)) = head
        && (Some(head_id) != last_id || previous.as_deref() != Some(head_hash.as_str()))
    {
        let record = if last_id.is_some_and(|last| last > head_id) {
            // Records were added behind the writers' back (the head is older).
            BrokenLink {
                record: last_id.unwrap_or(head_id),
                reason: BrokenReason::HashMismatch,
            }
        } else {
            BrokenLink {
                record: last_id.unwrap_or(head_id),
                reason: BrokenReason::TailMissing,
            }
        };
        report.broken = Some(record);
    }
    report
}

/// The audit log.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Append a record that no other change carries (a log-in, a refused attempt).
    async fn append_audit(
        &self,
        region: Option<&str>,
        actor: &Actor,
        record: NewAudit,
    ) -> Result<()>;

    /// Record a refused attempt of `actor` on `entity` at `at`: chained if
    /// it opens a window, else only counted (see [`REFUSAL_WINDOW`]).
    async fn record_refusal(
        &self,
        region: &str,
        actor: &Actor,
        entity: &str,
        detail: Option<serde_json::Value>,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// The distinct actors, actions and entities of the region's log.
    async fn audit_facets(&self, region: &str) -> Result<AuditFacets>;

    /// The region's audit log, newest first.
    async fn audit_log(&self, region: &str, limit: i64) -> Result<Vec<AuditRecord>> {
        self.audit_page(
            region,
            &AuditFilter {
                limit: Some(limit),
                ..Default::default()
            },
        )
        .await
    }

    /// A page of the region's audit log, as the filter says.
    async fn audit_page(&self, region: &str, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;

    /// How many records the filter lists without its limit and offset.
    async fn count_audit(&self, region: &str, filter: &AuditFilter) -> Result<i64>;

    /// Recompute the region's hash chain and name its first broken link.
    async fn verify_audit_chain(&self, region: &str) -> Result<AuditChainReport>;
}

/// Which audit records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Words to find in the actor, the action, the entity or its id.
    pub search: Option<String>,
    /// Only this entity kind (`entry`, `user`, …).
    pub entity: Option<String>,
    /// Only this actor (its label, exactly).
    pub actor: Option<String>,
    /// Only this action (`edit`, `permission_denied`, …).
    pub action: Option<String>,
    /// Only records at or after this moment.
    pub from: Option<DateTime<Utc>>,
    /// Only records before this moment.
    pub until: Option<DateTime<Utc>>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

macro_rules! audit_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            fn push_audit_where(query: &mut sqlx::QueryBuilder<'_, $db>, region: &str, filter: &$crate::audit::AuditFilter) {
                query.push(" WHERE r.code = ").push_bind(region.to_owned());
                if let Some(entity) = &filter.entity {
                    query.push(" AND a.entity = ").push_bind(entity.clone());
                }
                if let Some(actor) = &filter.actor {
                    query.push(" AND a.actor = ").push_bind(actor.clone());
                }
                if let Some(action) = &filter.action {
                    query.push(" AND a.action = ").push_bind(action.clone());
                }
                if let Some(from) = filter.from {
                    query.push(" AND a.at >= ").push_bind(stored_moment(from));
                }
                if let Some(until) = filter.until {
                    query.push(" AND a.at < ").push_bind(stored_moment(until));
                }
                for pattern in $crate::entries::like_patterns(filter.search.as_deref()) {
                    query.push(" AND (LOWER(a.actor) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(a.action) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(a.entity) LIKE ").push_bind(pattern.clone());
                    query.push(" ESCAPE '\\' OR LOWER(COALESCE(a.entity_id, '')) LIKE ").push_bind(pattern);
                    query.push(" ESCAPE '\\')");
                }
            }

            async fn append_audit_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: Option<i64>,
                actor: &Actor,
                record: &NewAudit,
            ) -> Result<()> {
                let chain_id = region_id.unwrap_or(0);
                let mut previous = Self::lock_audit_chain(conn, chain_id).await?;
                // Windows of refusals that have closed are chained first, so
                // their counts reach the chain at the next write at the latest.
                Self::flush_refusals(conn, region_id, &mut previous, Utc::now()).await?;
                Self::append_locked(conn, region_id, &mut previous, &actor.label, record).await?;
                Ok(())
            }

            /// Create the chain's head if it is new, then lock it: an UPDATE
            /// takes the row lock on PostgreSQL and the write lock on SQLite,
            /// so a second writer waits for this one's hash. Returns the last hash.
            async fn lock_audit_chain(
                conn: &mut <$db as sqlx::Database>::Connection,
                chain_id: i64,
            ) -> Result<String> {
                sqlx::query(
                    "INSERT INTO audit_chain (chain_id, last_id, last_hash) VALUES ($1, 0, '') \
                     ON CONFLICT (chain_id) DO NOTHING",
                )
                .bind(chain_id)
                .execute(&mut *conn)
                .await?;
                Ok(sqlx::query_scalar(
                    "UPDATE audit_chain SET last_hash = last_hash WHERE chain_id = $1 RETURNING last_hash",
                )
                .bind(chain_id)
                .fetch_one(&mut *conn)
                .await?)
            }

            /// Append one record to a chain locked by `lock_audit_chain`;
            /// `previous` becomes its hash.
            async fn append_locked(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: Option<i64>,
                previous: &mut String,
                actor: &str,
                record: &NewAudit,
            ) -> Result<Id> {
                let chain_id = region_id.unwrap_or(0);
                let at = stored_moment(Utc::now());
                let before = json_text(&record.before);
                let after = json_text(&record.after);
                let canonical = $crate::audit::canonical_record(
                    at,
                    actor,
                    &record.action,
                    &record.entity,
                    record.entity_id.as_deref(),
                    before.as_deref(),
                    after.as_deref(),
                );
                let hash = $crate::audit::chain_hash(previous, &canonical);
                let id: Id = sqlx::query_scalar(
                    "INSERT INTO audit_log (region_id, at, actor, action, entity, entity_id, before_value, after_value, chain_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(region_id)
                .bind(at)
                .bind(actor)
                .bind(&record.action)
                .bind(&record.entity)
                .bind(&record.entity_id)
                .bind(before)
                .bind(after)
                .bind(&hash)
                .fetch_one(&mut *conn)
                .await?;
                sqlx::query("UPDATE audit_chain SET last_id = $1, last_hash = $2 WHERE chain_id = $3")
                    .bind(id)
                    .bind(&hash)
                    .bind(chain_id)
                    .execute(&mut *conn)
                    .await?;
                *previous = hash;
                Ok(id)
            }

            /// Chain one summary row for each window of refusals that closed
            /// before `now` with refusals not chained yet, and zero its count.
            async fn flush_refusals(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: Option<i64>,
                previous: &mut String,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let chain_id = region_id.unwrap_or(0);
                let rows = sqlx::query(
                    "SELECT actor, action, entity, first_id, window_start, last_at, more FROM audit_refusal_counts \
                     WHERE chain_id = $1 AND more > 0 AND window_start <= $2 ORDER BY window_start, actor, entity",
                )
                .bind(chain_id)
                .bind(stored_moment(now - $crate::audit::REFUSAL_WINDOW))
                .fetch_all(&mut *conn)
                .await?;
                for row in rows {
                    let actor: String = row.try_get("actor")?;
                    let action: String = row.try_get("action")?;
                    let entity: String = row.try_get("entity")?;
                    let first_id: Id = row.try_get("first_id")?;
                    let window_start: DateTime<Utc> = row.try_get("window_start")?;
                    let last_at: DateTime<Utc> = row.try_get("last_at")?;
                    let more: i64 = row.try_get("more")?;
                    let summary = NewAudit {
                        action: $crate::audit::REFUSED_REPEATED.into(),
                        entity: entity.clone(),
                        entity_id: None,
                        before: None,
                        after: Some(serde_json::json!({
                            "first_record": first_id,
                            "count": more + 1,
                            "more": more,
                            "first_at": window_start,
                            "last_at": last_at,
                        })),
                    };
                    Self::append_locked(conn, region_id, previous, &actor, &summary).await?;
                    sqlx::query(
                        "UPDATE audit_refusal_counts SET more = 0 \
                         WHERE chain_id = $1 AND actor = $2 AND action = $3 AND entity = $4",
                    )
                    .bind(chain_id)
                    .bind(&actor)
                    .bind(&action)
                    .bind(&entity)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::audit::AuditStore for $store {
            async fn count_audit(&self, region: &str, filter: &$crate::audit::AuditFilter) -> Result<i64> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) FROM audit_log a JOIN regions r ON r.id = a.region_id",
                );
                Self::push_audit_where(&mut query, region, filter);
                Ok(query.build_query_scalar::<i64>().fetch_one(&self.pool).await?)
            }

            async fn append_audit(&self, region: Option<&str>, actor: &Actor, record: NewAudit) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let region_id = match region {
                    Some(code) => Some(
                        Self::region_id(&mut tx, code)
                            .await?
                            .ok_or_else(|| StoreError::UnknownRegion(code.to_owned()))?,
                    ),
                    None => None,
                };
                Self::append_audit_in(&mut tx, region_id, actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_refusal(
                &self,
                region: &str,
                actor: &Actor,
                entity: &str,
                detail: Option<serde_json::Value>,
                at: DateTime<Utc>,
            ) -> Result<()> {
                let at = stored_moment(at);
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                // The chain's lock also keeps two refusals from counting at once.
                let mut previous = Self::lock_audit_chain(&mut tx, region_id).await?;
                Self::flush_refusals(&mut tx, Some(region_id), &mut previous, at).await?;
                let action = $crate::audit::REFUSED;
                let open: Option<DateTime<Utc>> = sqlx::query_scalar(
                    "SELECT window_start FROM audit_refusal_counts \
                     WHERE chain_id = $1 AND actor = $2 AND action = $3 AND entity = $4",
                )
                .bind(region_id)
                .bind(&actor.label)
                .bind(action)
                .bind(entity)
                .fetch_optional(&mut *tx)
                .await?;
                match open {
                    Some(start) if at < start + $crate::audit::REFUSAL_WINDOW => {
                        sqlx::query(
                            "UPDATE audit_refusal_counts SET more = more + 1, last_at = $5 \
                             WHERE chain_id = $1 AND actor = $2 AND action = $3 AND entity = $4",
                        )
                        .bind(region_id)
                        .bind(&actor.label)
                        .bind(action)
                        .bind(entity)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    _ => {
                        let record = NewAudit {
                            action: action.into(),
                            entity: entity.into(),
                            entity_id: None,
                            before: None,
                            after: detail,
                        };
                        let id = Self::append_locked(&mut tx, Some(region_id), &mut previous, &actor.label, &record)
                            .await?;
                        sqlx::query(
                            "INSERT INTO audit_refusal_counts (chain_id, actor, action, entity, first_id, window_start, last_at, more) \
                             VALUES ($1, $2, $3, $4, $5, $6, $6, 0) \
                             ON CONFLICT (chain_id, actor, action, entity) DO UPDATE SET first_id = excluded.first_id, \
                             window_start = excluded.window_start, last_at = excluded.last_at, more = 0",
                        )
                        .bind(region_id)
                        .bind(&actor.label)
                        .bind(action)
                        .bind(entity)
                        .bind(id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn audit_facets(&self, region: &str) -> Result<$crate::audit::AuditFacets> {
                let mut facets = $crate::audit::AuditFacets::default();
                for (column, out) in [
                    ("actor", &mut facets.actors),
                    ("action", &mut facets.actions),
                    ("entity", &mut facets.entities),
                ] {
                    let sql = format!(
                        "SELECT DISTINCT a.{column} FROM audit_log a JOIN regions r ON r.id = a.region_id \
                         WHERE r.code = $1 ORDER BY a.{column}"
                    );
                    *out = sqlx::query_scalar(&sql).bind(region).fetch_all(&self.pool).await?;
                }
                Ok(facets)
            }

            async fn verify_audit_chain(&self, region: &str) -> Result<$crate::audit::AuditChainReport> {
                let mut conn = self.pool.acquire().await?;
                let region_id = Self::region_id(&mut conn, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let rows = sqlx::query(
                    "SELECT id, at, actor, action, entity, entity_id, before_value, after_value, chain_hash \
                     FROM audit_log WHERE region_id = $1 ORDER BY id",
                )
                .bind(region_id)
                .fetch_all(&mut *conn)
                .await?;
                let mut records = Vec::with_capacity(rows.len());
                for row in rows {
                    let entity_id: Option<String> = row.try_get("entity_id")?;
                    let before: Option<String> = row.try_get("before_value")?;
                    let after: Option<String> = row.try_get("after_value")?;
                    let canonical = $crate::audit::canonical_record(
                        row.try_get("at")?,
                        row.try_get::<String, _>("actor")?.as_str(),
                        row.try_get::<String, _>("action")?.as_str(),
                        row.try_get::<String, _>("entity")?.as_str(),
                        entity_id.as_deref(),
                        before.as_deref(),
                        after.as_deref(),
                    );
                    records.push((row.try_get("id")?, row.try_get("chain_hash")?, canonical));
                }
                let head: Option<(Id, String)> = sqlx::query_as(
                    "SELECT last_id, last_hash FROM audit_chain WHERE chain_id = $1",
                )
                .bind(region_id)
                .fetch_optional(&mut *conn)
                .await?;
                Ok($crate::audit::verify_chain(records, head))
            }

            async fn audit_page(&self, region: &str, filter: &$crate::audit::AuditFilter) -> Result<Vec<AuditRecord>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.before_value, a.after_value, \
                     n.more + 1 AS repeated FROM audit_log a JOIN regions r ON r.id = a.region_id \
                     LEFT JOIN audit_refusal_counts n ON n.first_id = a.id AND n.chain_id = a.region_id AND n.more > 0",
                );
                Self::push_audit_where(&mut query, region, filter);
                query.push(if filter.oldest_first { " ORDER BY a.id" } else { " ORDER BY a.id DESC" });
                query.push(" LIMIT ").push_bind(filter.limit.unwrap_or(i64::MAX));
                if let Some(offset) = filter.offset {
                    query.push(" OFFSET ").push_bind(offset.max(0));
                }
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.into_iter()
                    .map(|row| {
                        Ok(AuditRecord {
                            id: row.try_get("id")?,
                            at: row.try_get("at")?,
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            entity: row.try_get("entity")?,
                            entity_id: row.try_get("entity_id")?,
                            before: parse_json(row.try_get("before_value")?),
                            after: parse_json(row.try_get("after_value")?),
                            repeated: row.try_get("repeated")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
