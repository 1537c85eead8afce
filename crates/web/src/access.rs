//! Who is asking, and what they may do. Handlers obtain a capability
//! ([`OperatorOf`], [`EvaluatorOf`], [`AdminOf`]) from the logged-in user; the
//! functions that change data take the capability, so a forbidden call does
//! not type-check. Refusals are written to the audit log.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use pantau_store::{Actor, Role, User};
use rand::Rng;
use tower_sessions::Session;

use crate::AppState;
use crate::error::PageError;

/// The session key of the logged-in username (the session store reads it too).
pub(crate) const USER_KEY: &str = "user";
const CSRF_KEY: &str = "csrf";

/// The logged-in user of a request; pages redirect to the log-in when there is none.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    /// The store the request reads from, for what the page header counts
    /// (pending work): the replica's when it is recent enough for this user.
    pub(crate) store: std::sync::Arc<dyn pantau_store::Store>,
    /// The path asked for, to mark the current page in the menu.
    pub(crate) path: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::Internal("session layer missing".into()))?;
        let username: Option<String> = session.get(USER_KEY).await.map_err(PageError::internal)?;
        let Some(username) = username else {
            return Err(PageError::LoginRequired);
        };
        // A session in use has its idle limit pushed back now and then (a write).
        if session
            .get::<bool>(crate::session::REFRESH_KEY)
            .await
            .map_err(PageError::internal)?
            .is_some()
        {
            session
                .remove::<bool>(crate::session::REFRESH_KEY)
                .await
                .map_err(PageError::internal)?;
        }
        match state.store.user_by_username(&username).await? {
            Some(user) if !user.disabled => {
                crate::reads::Writer::note(parts, &user.region, None);
                let Ok(reads) = crate::reads::Reads::from_request_parts(parts, state).await;
                Ok(CurrentUser {
                    user,
                    session,
                    store: reads.shared(),
                    path: parts.uri.path().to_owned(),
                })
            }
            _ => {
                session.flush().await.map_err(PageError::internal)?;
                Err(PageError::LoginRequired)
            }
        }
    }
}

/// An operator acting for its own unit.
pub struct OperatorOf<'a> {
    pub user: &'a User,
    pub unit: &'a str,
}

/// An evaluator (Asda) acting on its own clusters.
pub struct EvaluatorOf<'a> {
    pub user: &'a User,
    pub clusters: &'a [String],
}

/// The finance office (BPKAD) acting on the budget figures of its region.
#[allow(dead_code)] // the budget pages take it
pub struct FinanceOf<'a> {
    pub user: &'a User,
}

/// An admin acting on its region.
pub struct AdminOf<'a> {
    pub user: &'a User,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        actor_of(&self.user)
    }

    pub fn region(&self) -> &str {
        &self.user.region
    }

    /// Where this request reads from (see [`crate::reads`]).
    pub fn reads(&self) -> crate::reads::Reads {
        crate::reads::Reads::from_store(self.store.clone())
    }

    pub fn operator(&self) -> Option<OperatorOf<'_>> {
        operator_of(&self.user)
    }

    pub fn evaluator(&self) -> Option<EvaluatorOf<'_>> {
        evaluator_of(&self.user)
    }

    pub fn finance(&self) -> Option<FinanceOf<'_>> {
        (self.user.role == Role::Finance).then_some(FinanceOf { user: &self.user })
    }

    pub fn admin(&self) -> Option<AdminOf<'_>> {
        (self.user.role == Role::Admin).then_some(AdminOf { user: &self.user })
    }

    /// Whether the user may see the evidence of an entry of `unit`: an
    /// operator only its own unit's, every other role all of the region's.
    pub fn may_see_evidence_of(&self, unit: &str) -> bool {
        match self.operator() {
            Some(operator) => operator.unit == unit,
            None => true,
        }
    }

    /// Record a refused attempt and build the refusal.
    pub async fn deny(&self, state: &AppState, attempted: &str) -> PageError {
        deny(state, &self.user, attempted).await
    }
}

/// The operator capability of a user, if it is an operator with a unit.
pub fn operator_of(user: &User) -> Option<OperatorOf<'_>> {
    match (user.role, &user.unit) {
        (Role::Operator, Some(unit)) => Some(OperatorOf { user, unit }),
        _ => None,
    }
}

/// The evaluator capability of a user, if it is an evaluator.
pub fn evaluator_of(user: &User) -> Option<EvaluatorOf<'_>> {
    (user.role == Role::Evaluator).then_some(EvaluatorOf {
        user,
        clusters: &user.clusters,
    })
}

/// Record a refused attempt of `user` and build the refusal. Repeated
/// refusals are counted, not written one record each (`record_refusal`).
pub async fn deny(state: &AppState, user: &User, attempted: &str) -> PageError {
    if let Err(err) = state
        .store
        .record_refusal(
            &user.region,
            &actor_of(user),
            attempted,
            Some(serde_json::json!({"role": user.role})),
            chrono::Utc::now(),
        )
        .await
    {
        tracing::error!("audit of a refusal failed: {err}");
    }
    PageError::Forbidden
}

pub fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: Some(user.id),
        label: user.username.clone(),
    }
}

pub async fn log_in(session: &Session, user: &User) -> Result<(), PageError> {
    // A new session id and a new CSRF token at log-in, so that a planted
    // cookie or a token seen before is worth nothing; nothing else carries over.
    session.clear().await;
    session.cycle_id().await.map_err(PageError::internal)?;
    session
        .insert(USER_KEY, &user.username)
        .await
        .map_err(PageError::internal)?;
    csrf_token(session).await?;
    Ok(())
}

pub async fn log_out(session: &Session) -> Result<(), PageError> {
    session.flush().await.map_err(PageError::internal)
}

/// The session's CSRF token, made on first use.
pub async fn csrf_token(session: &Session) -> Result<String, PageError> {
    if let Some(token) = session
        .get::<String>(CSRF_KEY)
        .await
        .map_err(PageError::internal)?
    {
        return Ok(token);
    }
    let token: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    session
        .insert(CSRF_KEY, &token)
        .await
        .map_err(PageError::internal)?;
    Ok(token)
}

/// Refuse a state-changing form that does not carry the session's token.
pub async fn check_csrf(session: &Session, submitted: Option<&str>) -> Result<(), PageError> {
    let expected: Option<String> = session.get(CSRF_KEY).await.map_err(PageError::internal)?;
    match (expected, submitted) {
        (Some(expected), Some(given)) if !expected.is_empty() && expected == given => Ok(()),
        _ => Err(PageError::Csrf),
    }
}
