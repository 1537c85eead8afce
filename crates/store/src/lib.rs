//! What Pantau needs from storage, as one trait ([`Store`]) with two
//! implementations: SQLite for one pemda on one machine, PostgreSQL for a
//! province or a national deployment with several app servers. Both run the
//! same SQL (runtime queries) over their own migrations, and the same test
//! suite (`tests/suite.rs`).
//!
//! Every row belongs to a region and every query names its region. Every change
//! of several rows is one transaction, and its audit record is written in it.

#[macro_use]
pub mod admin;
#[macro_use]
pub mod meetings;
#[macro_use]
pub mod documents;
#[macro_use]
pub mod outbox;
#[macro_use]
pub mod budgets;
#[macro_use]
pub mod regions;
#[macro_use]
pub mod users;
#[macro_use]
pub mod entries;
#[macro_use]
pub mod audit;
#[macro_use]
pub mod throttle;
#[macro_use]
pub mod feedback;
#[macro_use]
pub mod jobs;
#[macro_use]
pub mod sync;
#[macro_use]
pub mod publication;
mod backend;
pub mod password;
pub mod sessions;
pub mod versions;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pantau_domain::Refused;
use serde::{Deserialize, Serialize};

pub use admin::{
    AdminStore, ApiTokenRow, Letterhead, LogoChange, LogoProblem, PlanItem, RESET_VALIDITY,
    ResetRefused, Use, UserEdit, check_logo_png,
};
pub use audit::{
    AuditChainReport, AuditFacets, AuditFilter, AuditRecord, AuditStore, BrokenLink, BrokenReason,
    NewAudit, REFUSAL_WINDOW,
};
pub use backend::{PostgresStore, SqliteStore};
pub use budgets::BudgetStore;
pub use documents::{Attendee, DocumentStore};
pub use entries::{
    CreatedEntry, EntryChange, EntryFilter, EntryRow, EntrySort, EntryStore, EvidenceFile,
    EvidenceRow, NewEntry, NewEvidence, NewNilReport,
};
pub use feedback::{
    FEEDBACK_TEXT_CHARS, FeedbackCase, FeedbackCounts, FeedbackFilter, FeedbackStep, FeedbackStore,
    NewFeedback, StepBy,
};
pub use jobs::{ImportJob, JOB_HEARTBEAT, JOB_RETENTION, JOB_STALE, JobState, JobStore};
pub use meetings::MeetingStore;
pub use outbox::OutboxStore;
pub use outbox::{AfterFailure, Channel, Claimed, Message, MessageStatus, NewMessage, RetryPolicy};
pub use publication::{Publication, PublicationStore};
pub use regions::{
    CHANGES_KEPT, ChangedEntry, ChangedNilReport, DataChanges, ImportMode, ImportSource,
    ImportSummary, ProgramRowIds, RegionRow, RegionSnapshot, RegionStore, RegionVersion,
};
pub use sync::{
    NewPush, Push, PushAnswer, QueuedPush, SyncConflict, SyncRegion, SyncStore, snapshots_of,
};
pub use throttle::{
    AccountFailures, PairState, THROTTLE_RETENTION, ThrottleKind, ThrottleStore,
    throttle_account_key,
};
pub use users::{NewUser, SessionRow, SessionWrite, User, UserProfile, UserStore};

pub type Id = i64;
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the bundle is refused: {} problem(s)", .0.problems.len())]
    Refused(#[from] Refused),
    #[error("region \"{0}\" already exists: merge into it instead")]
    RegionExists(String),
    #[error("no region \"{0}\"")]
    UnknownRegion(String),
    #[error("username \"{0}\" is taken")]
    UsernameTaken(String),
    #[error("no user \"{0}\"")]
    UnknownUser(String),
    #[error("no {what} \"{key}\"")]
    NotFound { what: &'static str, key: String },
    #[error("entry {0} is verified and can no longer change")]
    EntryLocked(Id),
    #[error("entry {0} is {1} and cannot be reviewed")]
    NotReviewable(Id, String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("stored data is unreadable ({what}): {detail}")]
    Corrupt { what: String, detail: String },
    #[error("unsupported database URL \"{0}\": use sqlite:PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A text longer than its cap is refused, naming the field.
pub fn check_chars(field: &str, text: &str, max: usize) -> Result<()> {
    let chars = text.chars().count();
    if chars > max {
        return Err(StoreError::invalid(
            field,
            format!("has {chars} characters; at most {max} are allowed"),
        ));
    }
    Ok(())
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The roles live in the domain (domain.md, "Roles"); the store keeps them by code.
pub use pantau_domain::role::Role;

/// Who did something, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Id>,
    /// A username, or `cli`, `system`, an address for anonymous attempts.
    pub label: String,
}

impl Actor {
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            label: "cli".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Verify,
    /// Sent back to the operator with the reason it reads.
    Return {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything Pantau needs from storage, as one trait object (`Arc<dyn Store>`)
/// made of one trait per aggregate. A method of a part is called on the
/// `dyn Store` as it is; on a concrete store, bring the part into scope
/// (`use pantau_store::prelude::*`).
#[async_trait::async_trait]
pub trait Store:
    RegionStore
    + UserStore
    + EntryStore
    + AuditStore
    + MeetingStore
    + DocumentStore
    + OutboxStore
    + BudgetStore
    + AdminStore
    + ThrottleStore
    + FeedbackStore
    + JobStore
    + SyncStore
    + PublicationStore
    + Send
    + Sync
{
    fn backend(&self) -> Backend;

    /// The sizes a bundle of this store may not pass (a program's length,
    /// names, notes): every validation of its regions uses them.
    fn limits(&self) -> pantau_domain::Limits;

    /// Bring the schema up to date (run at every start).
    async fn migrate(&self) -> Result<()>;

    /// Write a consistent copy of the whole database to a new file while
    /// writes go on (SQLite); PostgreSQL answers `Unsupported` (pg_dump).
    async fn snapshot_into(&self, path: &std::path::Path) -> Result<()>;

    /// Learn other app servers' changes as they commit (PostgreSQL's
    /// LISTEN/NOTIFY), so that `region_version`, `session_load` and
    /// `user_by_username` need not ask the database on every request (see
    /// [`versions`] and [`sessions`]). A server calls it once; SQLite, one
    /// server's database, keeps asking (a local read).
    async fn watch_versions(&self) -> Result<()>;
}

/// Every part of [`Store`], to call their methods on a concrete store with one `use`.
pub mod prelude {
    pub use crate::{
        AdminStore, AuditStore, BudgetStore, DocumentStore, EntryStore, FeedbackStore, JobStore,
        MeetingStore, OutboxStore, PublicationStore, RegionStore, Store, SyncStore, ThrottleStore,
        UserStore,
    };
}

/// Open a store from a URL: `sqlite:PATH` (created if missing, WAL) or
/// `postgres://...`. The schema is migrated before it is returned.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    connect_with(url, pantau_domain::Limits::default()).await
}

/// [`connect`], checking bundles within `limits`.
pub async fn connect_with(url: &str, limits: pantau_domain::Limits) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::connect(url).await?.with_limits(limits))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PostgresStore::connect(url).await?.with_limits(limits))
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    };
    store.migrate().await?;
    Ok(store)
}

/// Open a PostgreSQL streaming replica of `primary` for reads: no
/// migrations (a standby cannot write; its schema is the primary's), and
/// every transaction read-only, so a URL naming a writable server by
/// mistake cannot be written through either. Refused unless both are
/// PostgreSQL: SQLite has no replicas.
pub async fn connect_replica(primary: &dyn Store, url: &str) -> Result<Arc<dyn Store>> {
    if primary.backend() != Backend::Postgres {
        return Err(StoreError::invalid(
            "database-read",
            "a read replica needs a PostgreSQL main database (--database postgres://...)",
        ));
    }
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::invalid(
            "database-read",
            "must be a postgres://... URL of a streaming replica of the main database",
        ));
    }
    let store = PostgresStore::connect_replica(url)
        .await?
        .with_limits(primary.limits());
    Ok(Arc::new(store))
}
