//! The two implementations of [`Store`]. They share every SQL statement (both
//! engines take `$N` parameters, `ON CONFLICT ... DO UPDATE` and `RETURNING`),
//! so each part's macro body (`region_store_impl!` in `regions.rs`,
//! `user_store_impl!`, `entry_store_impl!`, `audit_store_impl!`,
//! `meeting_store_impl!`, `outbox_store_impl!`, `budget_store_impl!`,
//! `throttle_store_impl!`, `feedback_store_impl!`, `job_store_impl!`) is instantiated here once per backend, beside the
//! helpers they share: the region's id, the version bump, the write
//! transaction and the conversions of stored values. The migrations, which do
//! differ (types, identity columns), live in `migrations/sqlite` and
//! `migrations/postgres`.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use pantau_domain::bundle::{self, Bundle, EntryStatus, Kind, Polarity, Rupiah};
use rust_decimal::Decimal;
use sqlx::Row;

use crate::*;
// Used by the parts' macro bodies, which are expanded here.
use crate::entries::{ENTRY_SELECT, EVIDENCE_SELECT, check_value, entry_row, evidence_row};
use crate::regions::EntryKey;

pub(crate) fn decimal(text: &str, what: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|err| StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("\"{text}\": {err}"),
    })
}

pub(crate) fn opt_decimal(text: Option<String>, what: &str) -> Result<Option<Decimal>> {
    text.map(|t| decimal(&t, what)).transpose()
}

pub(crate) fn from_code<T: serde::de::DeserializeOwned>(code: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).map_err(|err| {
        StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("\"{code}\": {err}"),
        }
    })
}

pub(crate) fn corrupt(what: &str, code: &str) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("unknown code \"{code}\""),
    }
}

pub(crate) fn entry_status(code: &str) -> Result<EntryStatus> {
    EntryStatus::parse(code).ok_or_else(|| corrupt("entries.status", code))
}

pub(crate) fn to_code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        other => unreachable!("enums serialize to strings, got {other:?}"),
    }
}

pub(crate) fn amount(value: Rupiah, field: &str) -> Result<i64> {
    i64::try_from(value.0)
        .map_err(|_| StoreError::invalid(field, format!("{value} is too large to store")))
}

pub(crate) fn rupiah(value: i64, what: &str) -> Result<Rupiah> {
    u128::try_from(value)
        .map(Rupiah)
        .map_err(|_| StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("negative amount {value}"),
        })
}

pub(crate) fn json_text(value: &Option<serde_json::Value>) -> Option<String> {
    value.as_ref().map(|v| v.to_string())
}

pub(crate) fn parse_json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

/// Moments are kept to the microsecond, PostgreSQL's precision, on both backends.
/// Which row a change stamps (see `stamp_change`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChangedTable {
    Entry,
    NilReport,
    DeletedEntry,
}

pub(crate) fn stored_moment(moment: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    moment.trunc_subsecs(6)
}

macro_rules! store_impl {
    ($store:ident, $db:ty, $pool:ty, $backend:expr, $migrator:expr) => {
        pub struct $store {
            pool: $pool,
            limits: pantau_domain::Limits,
            versions: std::sync::Arc<crate::versions::VersionBoard>,
            sessions: std::sync::Arc<crate::sessions::SessionBoard>,
        }

        impl $store {
            pub fn from_pool(pool: $pool) -> Self {
                $store {
                    pool,
                    limits: pantau_domain::Limits::default(),
                    versions: Default::default(),
                    sessions: Default::default(),
                }
            }

            /// The same store, checking bundles within `limits`.
            pub fn with_limits(mut self, limits: pantau_domain::Limits) -> Self {
                self.limits = limits;
                self
            }

            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            async fn region_id(
                conn: &mut <$db as sqlx::Database>::Connection,
                code: &str,
            ) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar("SELECT id FROM regions WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *conn)
                    .await?)
            }

            /// Mark the region changed, in the transaction that changes it;
            /// the new data version. The region's row stays locked until the
            /// transaction ends, so versions follow the order of commits.
            async fn bump_version(
                &self,
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                plan_changed: bool,
            ) -> Result<i64> {
                let sql = if plan_changed {
                    "UPDATE regions SET plan_version = plan_version + 1, data_version = data_version + 1 WHERE id = $1 \
                     RETURNING code, plan_version, data_version"
                } else {
                    "UPDATE regions SET data_version = data_version + 1 WHERE id = $1 \
                     RETURNING code, plan_version, data_version"
                };
                let row = sqlx::query(sql).bind(region_id).fetch_one(&mut *conn).await?;
                let code: String = row.try_get("code")?;
                let version = RegionVersion {
                    plan: row.try_get("plan_version")?,
                    data: row.try_get("data_version")?,
                };
                if $backend == Backend::Postgres {
                    // Delivered to every app server's listener at commit, not before.
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::versions::CHANNEL)
                        .bind(crate::versions::payload(&code, version))
                        .execute(&mut *conn)
                        .await?;
                }
                // This server's own readers need not wait for the notification.
                self.versions.learn(&code, version);
                Ok(version.data)
            }

            /// Tell every app server's session board what changed, at commit
            /// (PostgreSQL; SQLite's boards never keep anything).
            async fn notify_sessions(
                conn: &mut <$db as sqlx::Database>::Connection,
                change: &crate::sessions::Change,
            ) -> Result<()> {
                if $backend == Backend::Postgres {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::sessions::CHANNEL)
                        .bind(change.payload())
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }

            /// Stamp a changed entry (or nil report) with the data version of
            /// its change, so caches can fetch what changed since theirs.
            async fn stamp_change(
                &self,
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                table: ChangedTable,
                id: i64,
            ) -> Result<()> {
                let version = self.bump_version(&mut *conn, region_id, false).await?;
                let sql = match table {
                    ChangedTable::Entry => {
                        "UPDATE entries SET data_version = $1 WHERE id = $2 AND region_id = $3"
                    }
                    ChangedTable::NilReport => {
                        "UPDATE nil_reports SET data_version = $1 WHERE id = $2 AND region_id = $3"
                    }
                    ChangedTable::DeletedEntry => {
                        "INSERT INTO entry_deletions (data_version, entry_id, region_id) VALUES ($1, $2, $3)"
                    }
                };
                sqlx::query(sql)
                    .bind(version)
                    .bind(id)
                    .bind(region_id)
                    .execute(&mut *conn)
                    .await?;
                if let ChangedTable::DeletedEntry = table {
                    // No cache asks that far back: it reloads its region whole.
                    sqlx::query("DELETE FROM entry_deletions WHERE region_id = $1 AND data_version <= $2")
                        .bind(region_id)
                        .bind(version - CHANGES_KEPT)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            fn limits(&self) -> pantau_domain::Limits {
                self.limits
            }

            async fn snapshot_into(&self, path: &std::path::Path) -> Result<()> {
                self.snapshot(path).await
            }

            async fn watch_versions(&self) -> Result<()> {
                self.watch().await
            }

            async fn migrate(&self) -> Result<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }
        }
    };
}

impl SqliteStore {
    /// SQLite write transactions take the write lock at once: a deferred one
    /// that reads first fails with SQLITE_BUSY_SNAPSHOT under concurrent writers
    /// instead of waiting for the busy timeout.
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'_, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl SqliteStore {
    /// `VACUUM INTO` copies the database inside one read transaction: a
    /// consistent copy while other connections go on writing.
    async fn snapshot(&self, path: &std::path::Path) -> Result<()> {
        if path.exists() {
            return Err(StoreError::invalid(
                "output",
                format!("{} exists already", path.display()),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().as_ref())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl SqliteStore {
    async fn watch(&self) -> Result<()> {
        Ok(())
    }
}

impl PostgresStore {
    /// Listen for version and session notifications on a connection of its
    /// own, and keep listening: after a lost connection both boards forget
    /// what they knew (notifications may have been missed) until it listens
    /// again.
    async fn watch(&self) -> Result<()> {
        use sqlx::postgres::PgListener;
        async fn listen(pool: &sqlx::PgPool) -> sqlx::Result<PgListener> {
            let mut listener = PgListener::connect_with(pool).await?;
            listener
                .listen_all([crate::versions::CHANNEL, crate::sessions::CHANNEL])
                .await?;
            Ok(listener)
        }
        let mut listener = listen(&self.pool).await?;
        self.versions.set_live(true);
        self.sessions.set_live(true);
        let boards = (
            std::sync::Arc::downgrade(&self.versions),
            std::sync::Arc::downgrade(&self.sessions),
        );
        let upgrade = move || Some((boards.0.upgrade()?, boards.1.upgrade()?));
        let pool = self.pool.clone();
        tokio::spawn(async move {
            loop {
                loop {
                    let received = listener.try_recv().await;
                    let Some((versions, sessions)) = upgrade() else {
                        return;
                    };
                    match received {
                        Ok(Some(notification))
                            if notification.channel() == crate::sessions::CHANNEL =>
                        {
                            if let Some(change) =
                                crate::sessions::Change::parse(notification.payload())
                            {
                                sessions.apply(&change);
                            }
                        }
                        Ok(Some(notification)) => {
                            if let Some((region, version)) =
                                crate::versions::parse_payload(notification.payload())
                            {
                                versions.learn(&region, version);
                            }
                        }
                        Ok(None) | Err(_) => {
                            tracing::warn!(
                                "notifications lost; asking the database until they are back"
                            );
                            versions.set_live(false);
                            sessions.set_live(false);
                            break;
                        }
                    }
                }
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    let Some((versions, sessions)) = upgrade() else {
                        return;
                    };
                    if let Ok(again) = listen(&pool).await {
                        listener = again;
                        versions.set_live(true);
                        sessions.set_live(true);
                        break;
                    }
                }
            }
        });
        Ok(())
    }

    async fn snapshot(&self, _path: &std::path::Path) -> Result<()> {
        Err(StoreError::Unsupported(
            "a PostgreSQL database is backed up with pg_dump: see docs/deploy.md",
        ))
    }
}

impl PostgresStore {
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'_, sqlx::Postgres>> {
        self.pool.begin().await
    }
}

store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    Backend::Sqlite,
    sqlx::migrate!("./migrations/sqlite")
);

store_impl!(
    PostgresStore,
    sqlx::Postgres,
    sqlx::PgPool,
    Backend::Postgres,
    sqlx::migrate!("./migrations/postgres")
);

meeting_store_impl!(SqliteStore, sqlx::Sqlite);
meeting_store_impl!(PostgresStore, sqlx::Postgres);
document_store_impl!(SqliteStore, sqlx::Sqlite);
document_store_impl!(PostgresStore, sqlx::Postgres);
outbox_store_impl!(SqliteStore, sqlx::Sqlite);
outbox_store_impl!(PostgresStore, sqlx::Postgres);
budget_store_impl!(SqliteStore, sqlx::Sqlite);
budget_store_impl!(PostgresStore, sqlx::Postgres);
region_store_impl!(SqliteStore, sqlx::Sqlite);
region_store_impl!(PostgresStore, sqlx::Postgres);
user_store_impl!(SqliteStore, sqlx::Sqlite);
user_store_impl!(PostgresStore, sqlx::Postgres);
entry_store_impl!(SqliteStore, sqlx::Sqlite);
entry_store_impl!(PostgresStore, sqlx::Postgres);
audit_store_impl!(SqliteStore, sqlx::Sqlite);
audit_store_impl!(PostgresStore, sqlx::Postgres);
admin_store_impl!(SqliteStore, sqlx::Sqlite);
admin_store_impl!(PostgresStore, sqlx::Postgres);
throttle_store_impl!(SqliteStore, sqlx::Sqlite);
throttle_store_impl!(PostgresStore, sqlx::Postgres);
feedback_store_impl!(SqliteStore, sqlx::Sqlite);
feedback_store_impl!(PostgresStore, sqlx::Postgres);
job_store_impl!(SqliteStore, sqlx::Sqlite);
job_store_impl!(PostgresStore, sqlx::Postgres);
sync_store_impl!(SqliteStore, sqlx::Sqlite);
sync_store_impl!(PostgresStore, sqlx::Postgres);
publication_store_impl!(SqliteStore, sqlx::Sqlite);
publication_store_impl!(PostgresStore, sqlx::Postgres);

impl SqliteStore {
    /// Open (creating if missing) a SQLite database in WAL mode.
    pub async fn connect(url: &str) -> Result<Self> {
        use sqlx::sqlite::{
            SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(SqliteStore::from_pool(pool))
    }
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        Ok(PostgresStore::from_pool(pool))
    }

    /// A read-only store on a streaming replica (see [`crate::connect_replica`]).
    pub async fn connect_replica(url: &str) -> Result<Self> {
        use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
        let options =
            PgConnectOptions::from_str(url)?.options([("default_transaction_read_only", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        Ok(PostgresStore::from_pool(pool))
    }
}
