//! Where a request reads from: a PostgreSQL streaming replica when the
//! server has one (`pantau serve --database-read`) and it is recent enough
//! for the caller, the main database otherwise.
//!
//! Read-your-writes: a caller that has just changed something must see it
//! on its next page, even though the replica replays the change a moment
//! later. A successful write (any request but GET/HEAD/OPTIONS) by a
//! logged-in caller remembers the caller's region version after it — in the
//! session for a browser (sessions are in the database, so every app server
//! knows), in this server's memory for an API token — and that caller's
//! reads go to the main database until the replica has replayed that far.
//! Everyone else reads the replica, which may be a moment behind.
//!
//! Who is logged in, sessions, tokens, throttles and every write always use
//! the main database: they are checked by [`crate::access`] and the pages'
//! forms on `AppState::store`, never on a [`Reads`].

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use pantau_store::{RegionVersion, Store};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::AppState;

/// The session key of the caller's last write's version.
const FLOOR_KEY: &str = "read_floor";

/// The oldest state of a region a caller may be shown: its own last write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Floor {
    region: String,
    plan: i64,
    data: i64,
}

impl Floor {
    fn reached_by(&self, version: RegionVersion) -> bool {
        version.plan >= self.plan && version.data >= self.data
    }
}

/// The replica side of a server: the replica's store and, per API token
/// (by its hash), the version of its last write.
#[derive(Default)]
pub struct Replica {
    store: Option<Arc<dyn Store>>,
    token_floors: Mutex<HashMap<String, Floor>>,
}

impl Replica {
    pub fn new(store: Arc<dyn Store>) -> Replica {
        Replica {
            store: Some(store),
            token_floors: Mutex::default(),
        }
    }

    fn token_floor(&self, token_hash: &str) -> Option<Floor> {
        self.token_floors
            .lock()
            .expect("floors lock")
            .get(token_hash)
            .cloned()
    }

    fn note_token_write(&self, token_hash: String, floor: Floor) {
        self.token_floors
            .lock()
            .expect("floors lock")
            .insert(token_hash, floor);
    }
}

/// The store a request reads from (see the module's comment). Handlers
/// that only read take it as an extractor and pass `reads.store()` on.
#[derive(Clone)]
pub struct Reads {
    store: Arc<dyn Store>,
}

impl Reads {
    /// Reads from the main database: for what a write checks, and for
    /// anything that must not be a moment old.
    pub fn primary(state: &AppState) -> Reads {
        Reads {
            store: state.store.clone(),
        }
    }

    pub(crate) fn from_store(store: Arc<dyn Store>) -> Reads {
        Reads { store }
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn shared(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Choose for the caller of `parts`: the replica unless the caller's own
    /// last write is newer than what the replica has replayed, or the
    /// replica does not answer.
    async fn choose(parts: &mut Parts, state: &AppState) -> Reads {
        let Some(replica) = &state.replica.store else {
            return Reads::primary(state);
        };
        // A request that writes shows what it wrote (a form shown again,
        // its checks): the main database, as the write itself.
        if !parts.method.is_safe() {
            return Reads::primary(state);
        }
        let floor = match bearer_token(parts) {
            Some(token) => state
                .replica
                .token_floor(&pantau_store::password::token_hash(token)),
            None => match Session::from_request_parts(parts, state).await {
                Ok(session) => session.get::<Floor>(FLOOR_KEY).await.ok().flatten(),
                Err(_) => None,
            },
        };
        let Some(floor) = floor else {
            return Reads {
                store: replica.clone(),
            };
        };
        match replica.region_version(&floor.region).await {
            Ok(version) if floor.reached_by(version) => Reads {
                store: replica.clone(),
            },
            Ok(_) => Reads::primary(state),
            Err(err) => {
                tracing::warn!(
                    "the read replica does not answer, reading the main database: {err}"
                );
                Reads::primary(state)
            }
        }
    }
}

/// Chosen once per request, however many extractors ask.
impl FromRequestParts<AppState> for Reads {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        if let Some(reads) = parts.extensions.get::<Reads>() {
            return Ok(reads.clone());
        }
        let reads = Reads::choose(parts, state).await;
        parts.extensions.insert(reads.clone());
        Ok(reads)
    }
}

/// The bearer token of an API call, if it carries one.
pub(crate) fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Who a request that may write was made by, filled in by the extractors
/// that find out ([`crate::access::CurrentUser`], the API's caller).
#[derive(Clone, Default)]
pub(crate) struct Writer(Arc<Mutex<Option<WriterInfo>>>);

struct WriterInfo {
    region: String,
    /// The API token's hash; `None` for the session's user.
    token_hash: Option<String>,
}

impl Writer {
    /// Note the caller of the request in `parts`, when it may write.
    pub(crate) fn note(parts: &Parts, region: &str, token: Option<&str>) {
        if let Some(writer) = parts.extensions.get::<Writer>() {
            *writer.0.lock().expect("writer lock") = Some(WriterInfo {
                region: region.to_owned(),
                token_hash: token.map(pantau_store::password::token_hash),
            });
        }
    }
}

/// After a successful write, remember the caller's region version (see
/// the module's comment). Inside the session layer, so that the session is
/// saved with it before the answer leaves.
pub async fn remember_writes(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if state.replica.store.is_none() || request.method().is_safe() {
        return next.run(request).await;
    }
    let writer = Writer::default();
    request.extensions_mut().insert(writer.clone());
    let session = request.extensions().get::<Session>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_success() || status.is_redirection()) {
        return response;
    }
    let Some(info) = writer.0.lock().expect("writer lock").take() else {
        return response;
    };
    // The main database's version now is at least the write's.
    let version = match state.store.region_version(&info.region).await {
        Ok(version) => version,
        Err(err) => {
            tracing::warn!("the version after a write is unknown: {err}");
            return response;
        }
    };
    let floor = Floor {
        region: info.region,
        plan: version.plan,
        data: version.data,
    };
    match (info.token_hash, session) {
        (Some(hash), _) => state.replica.note_token_write(hash, floor),
        (None, Some(session)) => {
            // Not into a session the request ended (a log-out).
            let logged_in = session
                .get::<String>(crate::access::USER_KEY)
                .await
                .ok()
                .flatten()
                .is_some();
            if logged_in && let Err(err) = session.insert(FLOOR_KEY, floor).await {
                tracing::warn!("the session cannot keep the write's version: {err}");
            }
        }
        (None, None) => {}
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_is_reached_by_a_version_at_least_as_new_in_both_counters() {
        let floor = Floor {
            region: "3275".into(),
            plan: 2,
            data: 10,
        };
        assert!(floor.reached_by(RegionVersion { plan: 2, data: 10 }));
        assert!(floor.reached_by(RegionVersion { plan: 3, data: 12 }));
        assert!(!floor.reached_by(RegionVersion { plan: 2, data: 9 }));
        assert!(!floor.reached_by(RegionVersion { plan: 1, data: 11 }));
    }
}
