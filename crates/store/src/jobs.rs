//! Spreadsheet imports running in the background, kept in the database so
//! that every app server sees the same: a job started on one server is
//! polled on whichever server the next request reaches. A job is created
//! running, with its region, its owner and its file; its progress is written
//! now and then (the caller throttles); it ends done, with its summary, or
//! failed, with its reason. Who may see a job is the web layer's rule.
//!
//! A running job's `updated_at` is its heartbeat: the server running it
//! touches it every [`JOB_HEARTBEAT`]. A job whose heartbeat is older than
//! [`JOB_STALE`] reads as [`JobState::Stopped`]: its server stopped, and
//! since an import is written in one transaction, nothing of it was written.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `job_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

use chrono::{DateTime, Duration, Utc};

/// How often the server running a job touches it, progress or not.
pub const JOB_HEARTBEAT: Duration = Duration::seconds(10);

/// A running job not touched for this long is read as stopped.
pub const JOB_STALE: Duration = Duration::minutes(2);

/// How long a finished job is kept for its owner to look at.
pub const JOB_RETENTION: Duration = Duration::days(7);

/// Where a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Running {
        done: i64,
        total: i64,
    },
    Done {
        summary: String,
    },
    /// Nothing was written. `detail` is the caller's structured reason, as it
    /// wrote it (the problems found, say).
    Failed {
        message: String,
        detail: Option<serde_json::Value>,
    },
    /// Its server stopped while it ran (no heartbeat for [`JOB_STALE`]);
    /// nothing was written.
    Stopped,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportJob {
    pub id: Id,
    pub region: String,
    /// The username of who started it.
    pub owner: String,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub state: JobState,
}

/// The longest file name kept (characters): a longer one is cut.
const FILE_NAME_CHARS: usize = 200;

#[async_trait::async_trait]
pub trait JobStore: Send + Sync {
    /// A new running job of `owner` (a user of `region`) at `now`. Also
    /// prunes jobs that finished (or stopped) [`JOB_RETENTION`] before.
    async fn job_create(
        &self,
        region: &str,
        owner: &str,
        file_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Id>;

    /// The job's progress (rows done of all), or only its heartbeat when the
    /// progress is unchanged. A job that has ended stays as it is.
    async fn job_progress(&self, id: Id, done: i64, total: i64, now: DateTime<Utc>) -> Result<()>;

    /// End a running job, done or failed (`Running` and `Stopped` are
    /// refused). A job that has ended already stays as it is; false then.
    async fn job_finish(&self, id: Id, state: &JobState, now: DateTime<Utc>) -> Result<bool>;

    /// The job, as it reads at `now` (a running one whose heartbeat is old
    /// reads as stopped).
    async fn job(&self, id: Id, now: DateTime<Utc>) -> Result<Option<ImportJob>>;
}

pub(crate) fn job_file_name(name: &str) -> String {
    name.chars().take(FILE_NAME_CHARS).collect()
}

pub(crate) fn job_row<R: sqlx::Row>(row: &R, now: DateTime<Utc>) -> Result<ImportJob>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let code: String = row.try_get("state")?;
    let updated_at: DateTime<Utc> = row.try_get("updated_at")?;
    let outcome: Option<String> = row.try_get("outcome")?;
    let state = match code.as_str() {
        "running" if updated_at + JOB_STALE < now => JobState::Stopped,
        "running" => JobState::Running {
            done: row.try_get("rows_done")?,
            total: row.try_get("rows_total")?,
        },
        "done" => JobState::Done {
            summary: outcome.unwrap_or_default(),
        },
        "failed" => JobState::Failed {
            message: outcome.unwrap_or_default(),
            detail: crate::backend::parse_json(row.try_get("detail")?),
        },
        other => return Err(crate::backend::corrupt("import_jobs.state", other)),
    };
    Ok(ImportJob {
        id: row.try_get("id")?,
        region: row.try_get("region")?,
        owner: row.try_get("owner")?,
        file_name: row.try_get("file_name")?,
        created_at: row.try_get("created_at")?,
        updated_at,
        state,
    })
}

macro_rules! job_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::jobs::JobStore for $store {
            async fn job_create(
                &self,
                region: &str,
                owner: &str,
                file_name: &str,
                now: DateTime<Utc>,
            ) -> Result<Id> {
                let now = stored_moment(now);
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let user_id: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM users WHERE username = $1 AND region_id = $2",
                )
                .bind(owner)
                .bind(region_id)
                .fetch_optional(&mut *tx)
                .await?;
                let user_id = user_id.ok_or_else(|| StoreError::UnknownUser(owner.to_owned()))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO import_jobs (region_id, user_id, file_name, state, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'running', $4, $4) RETURNING id",
                )
                .bind(region_id)
                .bind(user_id)
                .bind($crate::jobs::job_file_name(file_name))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                // Pruned as jobs are made: the table holds about a week of imports.
                // A running job this old stopped long ago.
                sqlx::query("DELETE FROM import_jobs WHERE updated_at < $1")
                    .bind(stored_moment(now - $crate::jobs::JOB_RETENTION))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn job_progress(
                &self,
                id: Id,
                done: i64,
                total: i64,
                now: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE import_jobs SET rows_done = $1, rows_total = $2, updated_at = $3 \
                     WHERE id = $4 AND state = 'running'",
                )
                .bind(done)
                .bind(total)
                .bind(stored_moment(now))
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn job_finish(
                &self,
                id: Id,
                state: &$crate::jobs::JobState,
                now: DateTime<Utc>,
            ) -> Result<bool> {
                use $crate::jobs::JobState;
                let (code, outcome, detail) = match state {
                    JobState::Done { summary } => ("done", summary.clone(), None),
                    JobState::Failed { message, detail } => {
                        ("failed", message.clone(), json_text(detail))
                    }
                    JobState::Running { .. } | JobState::Stopped => {
                        return Err(StoreError::invalid(
                            "state",
                            "a job ends done or failed",
                        ));
                    }
                };
                let done = sqlx::query(
                    "UPDATE import_jobs SET state = $1, outcome = $2, detail = $3, updated_at = $4 \
                     WHERE id = $5 AND state = 'running'",
                )
                .bind(code)
                .bind(outcome)
                .bind(detail)
                .bind(stored_moment(now))
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn job(
                &self,
                id: Id,
                now: DateTime<Utc>,
            ) -> Result<Option<$crate::jobs::ImportJob>> {
                let row = sqlx::query(
                    "SELECT j.id, r.code AS region, u.username AS owner, j.file_name, j.state, \
                            j.rows_done, j.rows_total, j.outcome, j.detail, j.created_at, j.updated_at \
                     FROM import_jobs j JOIN regions r ON r.id = j.region_id JOIN users u ON u.id = j.user_id \
                     WHERE j.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| $crate::jobs::job_row(&row, now)).transpose()
            }
        }
    };
}
