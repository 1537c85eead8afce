//! What Pantau needs from storage, as one trait ([`Store`]) with two
//! implementations: SQLite for one pemda on one machine, PostgreSQL for a
//! province or a national deployment with several app servers. Both run the
//! same SQL (runtime queries) over their own migrations, and the same test
//! suite (`tests/suite.rs`).
//!
//! Every row belongs to a region and every query names its region. Every change
//! of several rows is one transaction, and its audit record is written in it.

#[macro_use]
pub mod meetings;
#[macro_use]
pub mod outbox;
#[macro_use]
pub mod budgets;
mod backend;
pub mod password;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pantau_domain::Refused;
use pantau_domain::bundle::Bundle;
use serde::{Deserialize, Serialize};

pub use backend::{PostgresStore, SqliteStore};
pub use budgets::BudgetStore;
pub use meetings::MeetingStore;
pub use outbox::OutboxStore;
pub use outbox::{AfterFailure, Channel, Claimed, Message, MessageStatus, NewMessage, RetryPolicy};

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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// The region must not exist yet.
    NewRegion,
    /// Create the region or merge into it: plan rows are updated by code,
    /// entries and nil reports already present are not added twice.
    Merge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub region: String,
    pub created: bool,
    pub units: usize,
    pub programs: usize,
    pub targets: usize,
    pub entries_added: usize,
    pub nil_reports_added: usize,
    pub budgets: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Id,
    pub region: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    /// An operator's unit code.
    pub unit: Option<String>,
    /// An evaluator's cluster codes.
    pub clusters: Vec<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// The holder's full name, as on official documents.
    pub full_name: Option<String>,
    /// The holder's civil servant number (NIP): 18 digits.
    pub nip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub region: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub unit: Option<String>,
    pub clusters: Vec<String>,
}

/// Who holds an account, beyond its display name: both optional. Checked by
/// [`pantau_domain::account`] when written; surrounding spaces are dropped and
/// an empty value is none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserProfile {
    pub full_name: Option<String>,
    pub nip: Option<String>,
}

impl UserProfile {
    /// The profile as it is stored: trimmed, empty as none, refused with the
    /// field named when the domain's rules refuse it.
    pub fn checked(&self) -> Result<UserProfile> {
        let clean = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let profile = UserProfile {
            full_name: clean(&self.full_name),
            nip: clean(&self.nip),
        };
        if let Some(name) = &profile.full_name {
            pantau_domain::account::check_full_name(name)
                .map_err(|problem| StoreError::invalid("full_name", problem.to_string()))?;
        }
        if let Some(nip) = &profile.nip {
            pantau_domain::account::check_nip(nip)
                .map_err(|problem| StoreError::invalid("nip", problem.to_string()))?;
        }
        Ok(profile)
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Verify,
    /// Sent back to the operator with the reason it reads.
    Return {
        reason: String,
    },
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
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    pub program: Option<String>,
    pub unit: Option<String>,
    pub clusters: Option<Vec<String>>,
    pub target: Option<String>,
    pub status: Option<pantau_domain::bundle::EntryStatus>,
    pub limit: Option<i64>,
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
/// ([`Store::create_entry_with_evidence`]).
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

/// What [`Store::create_entry_with_evidence`] wrote.
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

/// See [`Store::region_version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RegionVersion {
    /// Units, clusters, priorities, programs, targets, budgets.
    pub plan: i64,
    /// Entries, their reviews, nil reports.
    pub data: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait::async_trait]
pub trait Store:
    meetings::MeetingStore + outbox::OutboxStore + budgets::BudgetStore + Send + Sync
{
    fn backend(&self) -> Backend;

    /// Bring the schema up to date (run at every start).
    async fn migrate(&self) -> Result<()>;

    /// Validate a bundle and write it in one transaction, with an audit record.
    async fn import_bundle(
        &self,
        bundle: &Bundle,
        mode: ImportMode,
        actor: &Actor,
    ) -> Result<ImportSummary>;

    /// Merge a changed plan (the region's bundle with one thing edited) in one
    /// transaction, recorded as `record` rather than as an import.
    async fn apply_plan_change(
        &self,
        bundle: &Bundle,
        actor: &Actor,
        record: NewAudit,
    ) -> Result<()>;

    /// The region as a bundle: what `pantau export` writes and what the engine
    /// evaluates. Importing it elsewhere evaluates identically.
    async fn region_bundle(&self, region: &str) -> Result<Bundle>;

    async fn regions(&self) -> Result<Vec<RegionRow>>;

    /// Counters that grow with every change the engine reads, so that every app
    /// server can tell whether its cached model or evaluation is current.
    async fn region_version(&self, region: &str) -> Result<RegionVersion>;

    async fn create_user(&self, user: &NewUser, actor: &Actor) -> Result<Id> {
        self.create_user_with_profile(user, &UserProfile::default(), actor)
            .await
    }

    /// Create an account with its holder's full name and NIP, in one transaction.
    async fn create_user_with_profile(
        &self,
        user: &NewUser,
        profile: &UserProfile,
        actor: &Actor,
    ) -> Result<Id>;

    /// Set (or clear, with none) the full name and NIP of a user of `region`.
    async fn set_user_profile(
        &self,
        region: &str,
        username: &str,
        profile: &UserProfile,
        actor: &Actor,
    ) -> Result<()>;

    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;

    async fn users(&self, region: &str) -> Result<Vec<User>>;

    async fn set_password_hash(&self, username: &str, hash: &str, actor: &Actor) -> Result<()>;

    async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<()>;

    /// Make an API token for a user; returns the token, shown once (only its hash is kept).
    async fn create_api_token(&self, username: &str, name: &str, actor: &Actor) -> Result<String>;

    /// The user a token belongs to (disabled users included: the caller checks).
    async fn user_by_api_token(&self, token: &str) -> Result<Option<User>>;

    /// Append a record that no other change carries (a log-in, a refused attempt).
    async fn append_audit(
        &self,
        region: Option<&str>,
        actor: &Actor,
        record: NewAudit,
    ) -> Result<()>;

    /// The region's audit log, newest first.
    async fn audit_log(&self, region: &str, limit: i64) -> Result<Vec<AuditRecord>>;

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

    /// Entries newest first.
    async fn entries(&self, region: &str, filter: &EntryFilter) -> Result<Vec<EntryRow>>;

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

    /// Session records for the web layer: `(data, expires_at)`.
    async fn session_load(&self, id: &str) -> Result<Option<(String, DateTime<Utc>)>>;

    async fn session_save(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<()>;

    async fn session_delete(&self, id: &str) -> Result<()>;

    /// Remove expired sessions; returns how many.
    async fn session_purge(&self, now: DateTime<Utc>) -> Result<u64>;
}

/// Open a store from a URL: `sqlite:PATH` (created if missing, WAL) or
/// `postgres://...`. The schema is migrated before it is returned.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PostgresStore::connect(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    };
    store.migrate().await?;
    Ok(store)
}
