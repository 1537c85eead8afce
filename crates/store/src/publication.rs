//! Which programs of a region are public, and under which licence the
//! region's open data is given. Nothing of a region is public until its
//! admin publishes a program; publishing and withdrawing are audited in the
//! same transaction, and bump the region's data version so that every
//! server's cached public pages are read again.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `publication_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

/// The licence of a region's open data when its admin chose none.
pub const DEFAULT_LICENCE: &str = "CC-BY-4.0";

/// The licences an admin may choose, as SPDX identifiers: open licences a
/// Satu Data portal accepts.
pub const LICENCES: &[&str] = &["CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODbL-1.0"];

/// A published program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub program: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

#[async_trait::async_trait]
pub trait PublicationStore: Send + Sync {
    /// The region's published programs, by code. An unknown region has none.
    async fn publications(&self, region: &str) -> Result<Vec<Publication>>;

    /// Make a program of the region public. Publishing a published program
    /// changes nothing (and records nothing).
    async fn publish(&self, region: &str, program: &str, actor: &Actor) -> Result<()>;

    /// Make a program private again; `NotFound` when it was not published.
    async fn withdraw(&self, region: &str, program: &str, actor: &Actor) -> Result<()>;

    /// The licence of the region's open data (an SPDX identifier).
    async fn open_data_licence(&self, region: &str) -> Result<String>;

    /// Choose the licence of the region's open data among [`LICENCES`].
    async fn set_open_data_licence(&self, region: &str, licence: &str, actor: &Actor)
    -> Result<()>;
}

macro_rules! publication_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::publication::PublicationStore for $store {
            async fn publications(&self, region: &str) -> Result<Vec<$crate::publication::Publication>> {
                let rows = sqlx::query(
                    "SELECT p.program_code, p.published_at, p.published_by FROM publications p \
                     JOIN regions r ON r.id = p.region_id WHERE r.code = $1 ORDER BY p.program_code",
                )
                .bind(region)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::publication::Publication {
                            program: row.try_get("program_code")?,
                            published_at: row.try_get("published_at")?,
                            published_by: row.try_get("published_by")?,
                        })
                    })
                    .collect()
            }

            async fn publish(&self, region: &str, program: &str, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let known: Option<i64> = sqlx::query_scalar("SELECT id FROM programs WHERE region_id = $1 AND code = $2")
                    .bind(region_id)
                    .bind(program)
                    .fetch_optional(&mut *tx)
                    .await?;
                if known.is_none() {
                    return Err(StoreError::NotFound { what: "program", key: program.to_owned() });
                }
                let now = stored_moment(Utc::now());
                let inserted = sqlx::query(
                    "INSERT INTO publications (region_id, program_code, published_at, published_by) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (region_id, program_code) DO NOTHING",
                )
                .bind(region_id)
                .bind(program)
                .bind(now)
                .bind(&actor.label)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(());
                }
                let record = NewAudit {
                    action: "publish".into(),
                    entity: "program".into(),
                    entity_id: Some(program.to_owned()),
                    before: Some(serde_json::json!({"published": false})),
                    after: Some(serde_json::json!({"published": true})),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                self.bump_version(&mut tx, region_id, false).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn withdraw(&self, region: &str, program: &str, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let deleted = sqlx::query("DELETE FROM publications WHERE region_id = $1 AND program_code = $2")
                    .bind(region_id)
                    .bind(program)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Err(StoreError::NotFound { what: "published program", key: program.to_owned() });
                }
                let record = NewAudit {
                    action: "withdraw".into(),
                    entity: "program".into(),
                    entity_id: Some(program.to_owned()),
                    before: Some(serde_json::json!({"published": true})),
                    after: Some(serde_json::json!({"published": false})),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                self.bump_version(&mut tx, region_id, false).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn open_data_licence(&self, region: &str) -> Result<String> {
                let licence: Option<String> = sqlx::query_scalar(
                    "SELECT l.licence FROM open_data_licences l JOIN regions r ON r.id = l.region_id WHERE r.code = $1",
                )
                .bind(region)
                .fetch_optional(&self.pool)
                .await?;
                Ok(licence.unwrap_or_else(|| $crate::publication::DEFAULT_LICENCE.to_owned()))
            }

            async fn set_open_data_licence(&self, region: &str, licence: &str, actor: &Actor) -> Result<()> {
                let licence = licence.trim();
                if !$crate::publication::LICENCES.contains(&licence) {
                    return Err(StoreError::invalid(
                        "licence",
                        format!("must be one of {}", $crate::publication::LICENCES.join(", ")),
                    ));
                }
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let before: Option<String> = sqlx::query_scalar("SELECT licence FROM open_data_licences WHERE region_id = $1")
                    .bind(region_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO open_data_licences (region_id, licence) VALUES ($1, $2) \
                     ON CONFLICT (region_id) DO UPDATE SET licence = excluded.licence",
                )
                .bind(region_id)
                .bind(licence)
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "update".into(),
                    entity: "open_data_licence".into(),
                    entity_id: None,
                    before: Some(serde_json::json!({
                        "licence": before.unwrap_or_else(|| $crate::publication::DEFAULT_LICENCE.to_owned())
                    })),
                    after: Some(serde_json::json!({"licence": licence})),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                // Downloads carry the licence: their cached copies are stale.
                self.bump_version(&mut tx, region_id, false).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
