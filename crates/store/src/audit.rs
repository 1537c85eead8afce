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
}

/// Which audit records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Words to find in the actor, the action, the entity or its id.
    pub search: Option<String>,
    /// Only this entity kind (`entry`, `user`, …).
    pub entity: Option<String>,
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
                sqlx::query(
                    "INSERT INTO audit_log (region_id, at, actor, action, entity, entity_id, before_value, after_value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(region_id)
                .bind(Utc::now())
                .bind(&actor.label)
                .bind(&record.action)
                .bind(&record.entity)
                .bind(&record.entity_id)
                .bind(json_text(&record.before))
                .bind(json_text(&record.after))
                .execute(&mut *conn)
                .await?;
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
                let mut conn = self.pool.acquire().await?;
                let region_id = match region {
                    Some(code) => Some(
                        Self::region_id(&mut conn, code)
                            .await?
                            .ok_or_else(|| StoreError::UnknownRegion(code.to_owned()))?,
                    ),
                    None => None,
                };
                Self::append_audit_in(&mut conn, region_id, actor, &record).await
            }

            async fn audit_page(&self, region: &str, filter: &$crate::audit::AuditFilter) -> Result<Vec<AuditRecord>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.before_value, a.after_value \
                     FROM audit_log a JOIN regions r ON r.id = a.region_id",
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
                        })
                    })
                    .collect()
            }
        }
    };
}
