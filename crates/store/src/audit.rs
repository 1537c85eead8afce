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
    async fn audit_log(&self, region: &str, limit: i64) -> Result<Vec<AuditRecord>>;
}

macro_rules! audit_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
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

            async fn audit_log(&self, region: &str, limit: i64) -> Result<Vec<AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.before_value, a.after_value \
                     FROM audit_log a JOIN regions r ON r.id = a.region_id WHERE r.code = $1 ORDER BY a.id DESC LIMIT $2",
                )
                .bind(region)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
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
