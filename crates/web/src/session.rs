//! tower-sessions records kept in Pantau's own database, through the store
//! trait, so that several app servers share them. Each record names its
//! account, so that a password change or disabling the account ends it, and
//! keeps the moment it began: a session ends a fixed time after, used or not.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pantau_store::{SessionWrite, Store};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::access::USER_KEY;

/// A session unused this long ends.
pub const IDLE: chrono::Duration = chrono::Duration::hours(12);

/// A session's idle limit is pushed back (written) at most this often: not
/// on every request, so that a reader's request writes nothing. A session
/// used now and then thus ends between 11 h 45 and 12 h after its last use.
pub const REFRESH_EVERY: chrono::Duration = chrono::Duration::minutes(15);

/// Set in a loaded record whose idle limit is due to be pushed back; taking
/// it out (see `access::CurrentUser`) marks the session changed, so that it
/// is saved with a new limit.
pub(crate) const REFRESH_KEY: &str = "_refresh";

#[derive(Clone)]
pub struct DbSessionStore {
    store: Arc<dyn Store>,
    /// How long a session lives after it began, however busy.
    absolute: chrono::Duration,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(store: Arc<dyn Store>, absolute: chrono::Duration) -> Self {
        DbSessionStore { store, absolute }
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn expiry(record: &Record) -> DateTime<Utc> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A record as the store writes it: its JSON and the account logged in with it.
fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

fn write<'a>(record: &'a Record, data: &'a str) -> SessionWrite<'a> {
    SessionWrite {
        data,
        expires_at: expiry(record),
        username: record.data.get(USER_KEY).and_then(|v| v.as_str()),
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new session never takes over a stored one: on the (unlikely)
        // clash of ids, draw another.
        loop {
            let data = encode(record)?;
            let created = self
                .store
                .session_create(&record.id.to_string(), &write(record, &data), Utc::now())
                .await
                .map_err(backend)?;
            if created {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        self.store
            .session_save(&record.id.to_string(), &write(record, &data), Utc::now())
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = id.to_string();
        let Some(row) = self.store.session_load(&key).await.map_err(backend)? else {
            return Ok(None);
        };
        let now = Utc::now();
        if row.expires_at <= now {
            return Ok(None);
        }
        if row.created_at + self.absolute <= now {
            self.store.session_delete(&key).await.map_err(backend)?;
            return Ok(None);
        }
        let mut record: Record = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        if row.expires_at - now < IDLE - REFRESH_EVERY {
            record
                .data
                .insert(REFRESH_KEY.to_owned(), serde_json::Value::Bool(true));
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .session_delete(&id.to_string())
            .await
            .map_err(backend)
    }
}
