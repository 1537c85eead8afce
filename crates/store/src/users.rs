//! Accounts (with their holders' full name and NIP), API tokens, and the web
//! layer's sessions.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `user_store_impl!` in `backend.rs`. Every write to an
//! account is one transaction with its audit record.

#[allow(unused_imports)]
use crate::*;

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

/// Accounts, API tokens and sessions.
#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
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

    /// Set an account's password and end its sessions, all but `keep_session`
    /// (the session of a holder changing their own password), in one transaction.
    async fn set_password_hash(
        &self,
        username: &str,
        hash: &str,
        keep_session: Option<&str>,
        actor: &Actor,
    ) -> Result<()>;

    /// Disable or enable an account; disabling ends its sessions at once.
    async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<()>;

    /// Make an API token for a user; returns the token, shown once (only its hash is kept).
    async fn create_api_token(&self, username: &str, name: &str, actor: &Actor) -> Result<String>;

    /// The user a token belongs to (disabled users included: the caller checks).
    async fn user_by_api_token(&self, token: &str) -> Result<Option<User>>;

    /// The user a token belongs to, noting that it was used at `now`. The note
    /// is written at most once a minute per token, so that busy clients do
    /// not write on every call. Disabled users included: the caller checks.
    async fn use_api_token(&self, token: &str, now: DateTime<Utc>) -> Result<Option<User>>;

    /// A session record for the web layer, when there is one under `id`.
    async fn session_load(&self, id: &str) -> Result<Option<SessionRow>>;

    /// Store a new session record under `id`, begun at `now`; false, and
    /// nothing written, when `id` is taken.
    async fn session_create(
        &self,
        id: &str,
        session: &SessionWrite<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Store a session record, new or not; a record keeps the moment it began.
    async fn session_save(
        &self,
        id: &str,
        session: &SessionWrite<'_>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    async fn session_delete(&self, id: &str) -> Result<()>;

    /// End every session of an account but `except`; returns how many ended.
    async fn end_sessions_of(&self, username: &str, except: Option<&str>) -> Result<u64>;

    /// Remove expired sessions; returns how many.
    async fn session_purge(&self, now: DateTime<Utc>) -> Result<u64>;
}

/// A web session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The session's record, as the web layer wrote it.
    pub data: String,
    /// When it ends unless used again.
    pub expires_at: DateTime<Utc>,
    /// When it began: it ends a fixed time after, used or not.
    pub created_at: DateTime<Utc>,
}

/// What the web layer writes of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionWrite<'a> {
    pub data: &'a str,
    pub expires_at: DateTime<Utc>,
    /// The account logged in with it, if any: its sessions end with a
    /// password change or when it is disabled.
    pub username: Option<&'a str>,
}

macro_rules! user_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Users with their clusters in one query (one row per cluster), since
            /// every request of a logged-in user reads its account.
            async fn user_rows(&self, filter: &str, arg: &str) -> Result<Vec<User>> {
                Ok(self.user_rows_with_plan(filter, arg).await?.into_iter().map(|(user, _)| user).collect())
            }

            /// [`Self::user_rows`], each with the plan version of its region
            /// as the same query read it.
            async fn user_rows_with_plan(&self, filter: &str, arg: &str) -> Result<Vec<(User, i64)>> {
                let sql = format!(
                    "SELECT r.plan_version, u.id, r.code AS region, u.username, u.display_name, u.email, u.password_hash, u.role, \
                            un.code AS unit, u.disabled, u.created_at, u.full_name, u.nip, c.code AS cluster \
                     FROM users u JOIN regions r ON r.id = u.region_id LEFT JOIN units un ON un.id = u.unit_id \
                     LEFT JOIN user_clusters uc ON uc.user_id = u.id LEFT JOIN clusters c ON c.id = uc.cluster_id \
                     WHERE {filter} ORDER BY u.username, c.position"
                );
                let rows = sqlx::query(&sql).bind(arg).fetch_all(&self.pool).await?;
                let mut users: Vec<(User, i64)> = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: i64 = row.try_get("id")?;
                    let cluster: Option<String> = row.try_get("cluster")?;
                    if let Some((user, _)) = users.last_mut().filter(|(u, _)| u.id == id) {
                        user.clusters.extend(cluster);
                        continue;
                    }
                    let role: String = row.try_get("role")?;
                    users.push((User {
                        id,
                        region: row.try_get("region")?,
                        username: row.try_get("username")?,
                        display_name: row.try_get("display_name")?,
                        email: row.try_get("email")?,
                        password_hash: row.try_get("password_hash")?,
                        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                            what: "users.role".into(),
                            detail: role.clone(),
                        })?,
                        unit: row.try_get("unit")?,
                        clusters: cluster.into_iter().collect(),
                        disabled: row.try_get("disabled")?,
                        created_at: row.try_get("created_at")?,
                        full_name: row.try_get("full_name")?,
                        nip: row.try_get("nip")?,
                    }, row.try_get("plan_version")?));
                }
                Ok(users)
            }

            async fn update_user(
                &self,
                username: &str,
                set: &str,
                bind: impl for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send,
                end_sessions: Option<Option<&str>>,
                actor: &Actor,
                record: NewAudit,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let region_id: Option<i64> =
                    sqlx::query_scalar("SELECT region_id FROM users WHERE username = $1")
                        .bind(username)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(region_id) = region_id else {
                    return Err(StoreError::UnknownUser(username.to_owned()));
                };
                sqlx::query(&format!("UPDATE users SET {set} = $1 WHERE username = $2"))
                    .bind(bind)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                if let Some(except) = end_sessions {
                    Self::end_sessions_in(&mut tx, username, except).await?;
                }
                let change = crate::sessions::Change::Account { username: username.to_owned() };
                Self::notify_sessions(&mut tx, &change).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                self.sessions.apply(&change);
                Ok(())
            }

            /// End the sessions of an account but `except`, inside a transaction.
            pub(crate) async fn end_sessions_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                username: &str,
                except: Option<&str>,
            ) -> Result<u64> {
                let done = sqlx::query(
                    "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1) \
                     AND ($2 IS NULL OR id <> $2)",
                )
                .bind(username)
                .bind(except)
                .execute(&mut **tx)
                .await?;
                let change = crate::sessions::Change::Account { username: username.to_owned() };
                Self::notify_sessions(&mut **tx, &change).await?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl $crate::users::UserStore for $store {
            async fn create_user_with_profile(&self, user: &NewUser, profile: &UserProfile, actor: &Actor) -> Result<Id> {
                if user.username.trim().is_empty() {
                    return Err(StoreError::invalid("username", "must not be empty"));
                }
                $crate::check_chars("username", &user.username, self.limits.max_username_chars)?;
                $crate::check_chars("display_name", &user.display_name, self.limits.max_name_chars)?;
                $crate::check_chars("email", user.email.as_deref().unwrap_or_default(), self.limits.max_name_chars)?;
                let profile = profile.checked()?;
                pantau_domain::role::fits_region(user.role, &user.region)
                    .map_err(|why| StoreError::invalid("role", why))?;
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, &user.region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(user.region.clone()))?;
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                    .bind(&user.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(StoreError::UsernameTaken(user.username.clone()));
                }
                let unit_id: Option<i64> = match (&user.unit, user.role) {
                    (Some(unit), _) => Some(
                        sqlx::query_scalar("SELECT id FROM units WHERE region_id = $1 AND code = $2")
                            .bind(region_id)
                            .bind(unit)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::invalid("unit", format!("no unit \"{unit}\" in region {}", user.region)))?,
                    ),
                    (None, Role::Operator) => {
                        return Err(StoreError::invalid("unit", "an operator reports for one unit: name it"));
                    }
                    (None, _) => None,
                };
                if user.role == Role::Evaluator && user.clusters.is_empty() {
                    return Err(StoreError::invalid("clusters", "an evaluator evaluates at least one cluster"));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (region_id, username, display_name, email, password_hash, role, unit_id, disabled, \
                     created_at, full_name, nip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(region_id)
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(user.role.code())
                .bind(unit_id)
                .bind(false)
                .bind(Utc::now())
                .bind(&profile.full_name)
                .bind(&profile.nip)
                .fetch_one(&mut *tx)
                .await?;
                let mut clusters = user.clusters.clone();
                clusters.sort();
                clusters.dedup();
                for cluster in &clusters {
                    let cluster_id: i64 = sqlx::query_scalar("SELECT id FROM clusters WHERE region_id = $1 AND code = $2")
                        .bind(region_id)
                        .bind(cluster)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| {
                            StoreError::invalid("clusters", format!("no cluster \"{cluster}\" in region {}", user.region))
                        })?;
                    sqlx::query("INSERT INTO user_clusters (user_id, cluster_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(cluster_id)
                        .execute(&mut *tx)
                        .await?;
                }
                let mut after = serde_json::json!({
                    "username": user.username, "display_name": user.display_name, "email": user.email,
                    "role": user.role, "unit": user.unit, "clusters": user.clusters,
                });
                if profile != UserProfile::default() {
                    after["full_name"] = serde_json::json!(profile.full_name);
                    after["nip"] = serde_json::json!(profile.nip);
                }
                let record = NewAudit {
                    action: "create".into(),
                    entity: "user".into(),
                    entity_id: Some(user.username.clone()),
                    before: None,
                    after: Some(after),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn set_user_profile(
                &self,
                region: &str,
                username: &str,
                profile: &UserProfile,
                actor: &Actor,
            ) -> Result<()> {
                let profile = profile.checked()?;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT u.id, u.region_id, u.full_name, u.nip FROM users u JOIN regions r ON r.id = u.region_id \
                     WHERE r.code = $1 AND u.username = $2",
                )
                .bind(region)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?;
                let before = UserProfile {
                    full_name: row.try_get("full_name")?,
                    nip: row.try_get("nip")?,
                };
                sqlx::query("UPDATE users SET full_name = $1, nip = $2 WHERE id = $3")
                    .bind(&profile.full_name)
                    .bind(&profile.nip)
                    .bind(row.try_get::<i64, _>("id")?)
                    .execute(&mut *tx)
                    .await?;
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user.profile".into(),
                    entity_id: Some(username.to_owned()),
                    before: Some(serde_json::to_value(&before).expect("a profile serializes")),
                    after: Some(serde_json::to_value(&profile).expect("a profile serializes")),
                };
                let change = crate::sessions::Change::Account { username: username.to_owned() };
                Self::notify_sessions(&mut tx, &change).await?;
                Self::append_audit_in(&mut tx, Some(row.try_get("region_id")?), actor, &record).await?;
                tx.commit().await?;
                self.sessions.apply(&change);
                Ok(())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                // Every logged-in request asks: kept while the listener keeps
                // it true (an account's changes notify; a plan change, which
                // may rename what it reads, moves its region's plan version).
                if let Some((user, plan)) = self.sessions.user(username)
                    && self.versions.known(&user.region).map(|v| v.plan) == Some(plan)
                {
                    return Ok(Some(user));
                }
                let ticket = self.sessions.ticket();
                let Some((user, plan)) = self.user_rows_with_plan("u.username = $1", username).await?.pop() else {
                    return Ok(None);
                };
                self.sessions.keep_user(ticket, user.clone(), plan);
                if self.sessions.user(username).is_some() && self.versions.known(&user.region).is_none() {
                    // Learned once: the kept account is checked against it.
                    self.region_version(&user.region).await?;
                }
                Ok(Some(user))
            }

            async fn users(&self, region: &str) -> Result<Vec<User>> {
                self.user_rows("r.code = $1", region).await
            }

            async fn set_password_hash(
                &self,
                username: &str,
                hash: &str,
                keep_session: Option<&str>,
                actor: &Actor,
            ) -> Result<()> {
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user.password".into(),
                    entity_id: Some(username.to_owned()),
                    before: None,
                    after: None,
                };
                self.update_user(username, "password_hash", hash.to_owned(), Some(keep_session), actor, record).await
            }

            async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
                let before = self
                    .user_by_username(username)
                    .await?
                    .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?
                    .disabled;
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user.disabled".into(),
                    entity_id: Some(username.to_owned()),
                    before: Some(serde_json::Value::Bool(before)),
                    after: Some(serde_json::Value::Bool(disabled)),
                };
                let end_sessions = disabled.then_some(None);
                self.update_user(username, "disabled", disabled, end_sessions, actor, record).await
            }

            async fn create_api_token(&self, username: &str, name: &str, actor: &Actor) -> Result<String> {
                $crate::check_chars("name", name, self.limits.max_name_chars)?;
                let user = self
                    .user_by_username(username)
                    .await?
                    .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?;
                let token = crate::password::generate_token();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(user.id)
                    .bind(name)
                    .bind(crate::password::token_hash(&token))
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?;
                let region_id = Self::region_id(&mut tx, &user.region).await?;
                let record = NewAudit {
                    action: "create".into(),
                    entity: "api_token".into(),
                    entity_id: Some(username.to_owned()),
                    before: None,
                    after: Some(serde_json::json!({"name": name})),
                };
                Self::append_audit_in(&mut tx, region_id, actor, &record).await?;
                tx.commit().await?;
                Ok(token)
            }

            async fn user_by_api_token(&self, token: &str) -> Result<Option<User>> {
                let username: Option<String> = sqlx::query_scalar(
                    "SELECT u.username FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
                )
                .bind(crate::password::token_hash(token))
                .fetch_optional(&self.pool)
                .await?;
                match username {
                    Some(username) => self.user_by_username(&username).await,
                    None => Ok(None),
                }
            }

            async fn use_api_token(&self, token: &str, now: DateTime<Utc>) -> Result<Option<User>> {
                let now = crate::backend::stored_moment(now);
                let hash = crate::password::token_hash(token);
                sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
                     AND (last_used_at IS NULL OR last_used_at <= $3)",
                )
                .bind(now)
                .bind(&hash)
                .bind(now - chrono::Duration::minutes(1))
                .execute(&self.pool)
                .await?;
                self.user_by_api_token(token).await
            }

            async fn session_load(&self, id: &str) -> Result<Option<$crate::users::SessionRow>> {
                if let Some(row) = self.sessions.session(id) {
                    return Ok(Some(row));
                }
                let ticket = self.sessions.ticket();
                let row = sqlx::query(
                    "SELECT s.data, s.expires_at, s.created_at, u.username FROM sessions s \
                     LEFT JOIN users u ON u.id = s.user_id WHERE s.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let session = $crate::users::SessionRow {
                    data: row.try_get("data")?,
                    expires_at: row.try_get("expires_at")?,
                    created_at: row.try_get("created_at")?,
                };
                let username: Option<String> = row.try_get("username")?;
                self.sessions.keep_session(ticket, id, session.clone(), username.as_deref());
                Ok(Some(session))
            }

            async fn session_create(
                &self,
                id: &str,
                session: &$crate::users::SessionWrite<'_>,
                now: DateTime<Utc>,
            ) -> Result<bool> {
                let done = sqlx::query(
                    "INSERT INTO sessions (id, data, expires_at, user_id, created_at) \
                     VALUES ($1, $2, $3, (SELECT id FROM users WHERE username = $4), $5) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(session.data)
                .bind(session.expires_at)
                .bind(session.username)
                .bind(crate::backend::stored_moment(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn session_save(
                &self,
                id: &str,
                session: &$crate::users::SessionWrite<'_>,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let ticket = self.sessions.ticket();
                let mut tx = self.begin_write().await?;
                let created_at: DateTime<Utc> = sqlx::query_scalar(
                    "INSERT INTO sessions (id, data, expires_at, user_id, created_at) \
                     VALUES ($1, $2, $3, (SELECT id FROM users WHERE username = $4), $5) \
                     ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, \
                     user_id = excluded.user_id RETURNING created_at",
                )
                .bind(id)
                .bind(session.data)
                .bind(session.expires_at)
                .bind(session.username)
                .bind(crate::backend::stored_moment(now))
                .fetch_one(&mut *tx)
                .await?;
                let change = crate::sessions::Change::Saved {
                    origin: self.sessions.origin().to_owned(),
                    id: id.to_owned(),
                };
                Self::notify_sessions(&mut tx, &change).await?;
                tx.commit().await?;
                // What this server wrote is what it reads next.
                let row = $crate::users::SessionRow {
                    data: session.data.to_owned(),
                    expires_at: session.expires_at,
                    created_at,
                };
                self.sessions.wrote_session(ticket, id, row, session.username);
                Ok(())
            }

            async fn session_delete(&self, id: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let change = crate::sessions::Change::Ended { id: id.to_owned() };
                Self::notify_sessions(&mut tx, &change).await?;
                tx.commit().await?;
                self.sessions.apply(&change);
                Ok(())
            }

            async fn end_sessions_of(&self, username: &str, except: Option<&str>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let ended = Self::end_sessions_in(&mut tx, username, except).await?;
                tx.commit().await?;
                self.sessions.apply(&crate::sessions::Change::Account { username: username.to_owned() });
                Ok(ended)
            }

            async fn session_purge(&self, now: DateTime<Utc>) -> Result<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }
        }
    };
}
