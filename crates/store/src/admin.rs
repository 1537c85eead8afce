//! What the admin manages beyond the plan: the region's identity (name, place,
//! logo) as the letterhead of its documents, accounts edited in full, API
//! tokens listed and revoked, and one-time password reset links.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `admin_store_impl!` in `backend.rs`. Every write is one
//! transaction with its audit record.

#[allow(unused_imports)]
use crate::*;

use chrono::Duration;

/// The region as its documents and log-in page show it. The documents helper
/// reads it with [`AdminStore::letterhead`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letterhead {
    /// "Pemerintah Kota Bekasi".
    pub name: String,
    /// Where its documents are signed: "Bekasi".
    pub place: Option<String>,
    /// A PNG checked by [`check_logo_png`].
    pub logo_png: Option<Vec<u8>>,
}

/// What to do with the stored logo when the identity is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoChange {
    Keep,
    Remove,
    Set(Vec<u8>),
}

/// Largest logo accepted, in bytes.
pub const LOGO_MAX_BYTES: usize = 512 * 1024;
/// Largest logo width and height accepted, in pixels.
pub const LOGO_MAX_SIDE: u32 = 1024;

/// Why a logo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoProblem {
    #[error("the file is not a PNG image")]
    NotPng,
    #[error("the file is larger than 512 KB")]
    TooLarge,
    #[error("the image is larger than 1024 × 1024 pixels")]
    TooWide,
}

/// Check that `bytes` are a PNG (its signature, then an IHDR chunk) of at
/// most [`LOGO_MAX_BYTES`] and [`LOGO_MAX_SIDE`] pixels each way; returns its
/// width and height.
pub fn check_logo_png(bytes: &[u8]) -> std::result::Result<(u32, u32), LogoProblem> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() > LOGO_MAX_BYTES {
        return Err(LogoProblem::TooLarge);
    }
    if bytes.len() < 24 || &bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return Err(LogoProblem::NotPng);
    }
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (width, height) = (word(16), word(20));
    if width == 0 || height == 0 {
        return Err(LogoProblem::NotPng);
    }
    if width > LOGO_MAX_SIDE || height > LOGO_MAX_SIDE {
        return Err(LogoProblem::TooWide);
    }
    Ok((width, height))
}

/// Everything the admin may change of an account (its username stays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEdit {
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub unit: Option<String>,
    pub clusters: Vec<String>,
    pub profile: UserProfile,
}

/// An API token as the admin sees it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    pub id: Id,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// When it was last used, to the minute; none when never.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Why a password reset link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRefused {
    /// No such link (or a mistyped one).
    Unknown,
    /// It has been used already.
    Used,
    /// It is older than its validity.
    Expired,
}

/// How long a password reset link is valid.
pub const RESET_VALIDITY: Duration = Duration::hours(1);

/// A coded item of a region's plan, to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanItem {
    Cluster(String),
    Unit(String),
    Priority(String),
    Program(String),
    /// A target: its program's code and its own.
    Target {
        program: String,
        code: String,
    },
}

impl PlanItem {
    /// `cluster`, `unit`, `priority`, `program`, `target`: the audit's entity.
    pub fn entity(&self) -> &'static str {
        match self {
            PlanItem::Cluster(_) => "cluster",
            PlanItem::Unit(_) => "unit",
            PlanItem::Priority(_) => "priority",
            PlanItem::Program(_) => "program",
            PlanItem::Target { .. } => "target",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            PlanItem::Cluster(c)
            | PlanItem::Unit(c)
            | PlanItem::Priority(c)
            | PlanItem::Program(c) => c,
            PlanItem::Target { code, .. } => code,
        }
    }
}

/// What still refers to a plan item, and so keeps it from being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Use {
    Units,
    Users,
    Targets,
    Entries,
    NilReports,
    Budgets,
    Meetings,
    FollowUps,
    /// Something else the database protects.
    Other,
}

#[async_trait::async_trait]
pub trait AdminStore: Send + Sync {
    /// The region's name, place and logo.
    async fn letterhead(&self, region: &str) -> Result<Letterhead>;

    /// Set the region's name and place, and keep, remove or replace its logo
    /// (checked with [`check_logo_png`]), with an audit record.
    async fn set_identity(
        &self,
        region: &str,
        name: &str,
        place: Option<&str>,
        logo: LogoChange,
        actor: &Actor,
    ) -> Result<()>;

    /// Change an account of `region`: the same rules as creating one.
    async fn edit_user(
        &self,
        region: &str,
        username: &str,
        edit: &UserEdit,
        actor: &Actor,
    ) -> Result<()>;

    /// The API tokens of an account of `region`, oldest first.
    async fn api_tokens(&self, region: &str, username: &str) -> Result<Vec<ApiTokenRow>>;

    /// Revoke one API token of an account of `region`.
    async fn revoke_api_token(
        &self,
        region: &str,
        username: &str,
        id: Id,
        actor: &Actor,
    ) -> Result<()>;

    /// Make a one-time password reset link for an account, valid from `now`
    /// for [`RESET_VALIDITY`]; returns the token (only its hash is kept). The
    /// request is audited.
    async fn create_password_reset(
        &self,
        username: &str,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<String>;

    /// Use a reset link: set the password hash, end the account's sessions and
    /// mark the link used, once; the use is audited. Returns the account's
    /// username, or why it is refused.
    async fn use_password_reset(
        &self,
        token: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<String, ResetRefused>>;

    /// Delete a plan item nothing refers to, with an audit record; when
    /// something does, nothing is deleted and the answer says what, counted.
    async fn delete_plan_item(
        &self,
        region: &str,
        item: &PlanItem,
        actor: &Actor,
    ) -> Result<std::result::Result<(), Vec<(Use, i64)>>>;

    /// Archive a plan item (or bring it back): archived items leave the
    /// forms' choices but keep their history. Audited.
    async fn set_archived(
        &self,
        region: &str,
        item: &PlanItem,
        archived: bool,
        actor: &Actor,
    ) -> Result<()>;

    /// The region's archived plan items.
    async fn archived_items(&self, region: &str) -> Result<Vec<PlanItem>>;

    /// Whether a reset link would be accepted at `now` (to show the form).
    async fn check_password_reset(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<String, ResetRefused>>;
}

macro_rules! admin_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            async fn plan_item_id(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                item: &$crate::admin::PlanItem,
            ) -> Result<(&'static str, i64)> {
                use $crate::admin::PlanItem;
                let (table, id): (&'static str, Option<i64>) = match item {
                    PlanItem::Target { program, code } => (
                        "targets",
                        sqlx::query_scalar(
                            "SELECT t.id FROM targets t JOIN programs p ON p.id = t.program_id \
                             WHERE p.region_id = $1 AND p.code = $2 AND t.code = $3",
                        )
                        .bind(region_id)
                        .bind(program)
                        .bind(code)
                        .fetch_optional(&mut *conn)
                        .await?,
                    ),
                    other => {
                        let table = match other {
                            PlanItem::Cluster(_) => "clusters",
                            PlanItem::Unit(_) => "units",
                            PlanItem::Priority(_) => "priorities",
                            _ => "programs",
                        };
                        let sql = format!("SELECT id FROM {table} WHERE region_id = $1 AND code = $2");
                        (
                            table,
                            sqlx::query_scalar(&sql)
                                .bind(region_id)
                                .bind(other.code())
                                .fetch_optional(&mut *conn)
                                .await?,
                        )
                    }
                };
                id.map(|id| (table, id))
                    .ok_or_else(|| StoreError::NotFound { what: item.entity(), key: item.code().to_owned() })
            }

            async fn reset_row(
                conn: &mut <$db as sqlx::Database>::Connection,
                token: &str,
                now: DateTime<Utc>,
            ) -> Result<std::result::Result<(i64, i64, String, i64), $crate::admin::ResetRefused>> {
                use $crate::admin::ResetRefused;
                let row = sqlx::query(
                    "SELECT p.id, p.expires_at, p.used_at, u.id AS user_id, u.username, u.region_id \
                     FROM password_resets p JOIN users u ON u.id = p.user_id WHERE p.token_hash = $1",
                )
                .bind(crate::password::token_hash(token))
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else {
                    return Ok(Err(ResetRefused::Unknown));
                };
                let used: Option<DateTime<Utc>> = row.try_get("used_at")?;
                let expires: DateTime<Utc> = row.try_get("expires_at")?;
                if used.is_some() {
                    return Ok(Err(ResetRefused::Used));
                }
                if now >= expires {
                    return Ok(Err(ResetRefused::Expired));
                }
                Ok(Ok((
                    row.try_get("id")?,
                    row.try_get("user_id")?,
                    row.try_get("username")?,
                    row.try_get("region_id")?,
                )))
            }
        }

        #[async_trait::async_trait]
        impl $crate::admin::AdminStore for $store {
            async fn delete_plan_item(
                &self,
                region: &str,
                item: &$crate::admin::PlanItem,
                actor: &Actor,
            ) -> Result<std::result::Result<(), Vec<($crate::admin::Use, i64)>>> {
                use $crate::admin::{PlanItem, Use};
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let (table, id) = Self::plan_item_id(&mut tx, region_id, item).await?;
                let checks: &[(Use, &str)] = match item {
                    PlanItem::Cluster(_) => &[
                        (Use::Units, "SELECT COUNT(*) FROM units WHERE cluster_id = $1"),
                        (Use::Users, "SELECT COUNT(*) FROM user_clusters WHERE cluster_id = $1"),
                        (Use::Meetings, "SELECT COUNT(*) FROM meetings WHERE cluster_id = $1"),
                    ],
                    PlanItem::Unit(_) => &[
                        (Use::Targets, "SELECT COUNT(*) FROM targets WHERE unit_id = $1"),
                        (Use::Users, "SELECT COUNT(*) FROM users WHERE unit_id = $1"),
                        (Use::NilReports, "SELECT COUNT(*) FROM nil_reports WHERE unit_id = $1"),
                        (Use::Budgets, "SELECT COUNT(*) FROM budgets WHERE unit_id = $1"),
                        (Use::FollowUps, "SELECT COUNT(*) FROM follow_ups WHERE unit_id = $1"),
                        (Use::Meetings, "SELECT COUNT(DISTINCT meeting_id) FROM meeting_notes WHERE unit_id = $1"),
                    ],
                    PlanItem::Priority(_) => &[(Use::Targets, "SELECT COUNT(*) FROM targets WHERE priority_id = $1")],
                    PlanItem::Program(_) => &[
                        (Use::Targets, "SELECT COUNT(*) FROM targets WHERE program_id = $1"),
                        (Use::NilReports, "SELECT COUNT(*) FROM nil_reports WHERE program_id = $1"),
                        (Use::Meetings, "SELECT COUNT(*) FROM meetings WHERE program_id = $1"),
                    ],
                    PlanItem::Target { .. } => &[
                        (Use::Entries, "SELECT COUNT(*) FROM entries WHERE target_id = $1"),
                        (Use::Meetings, "SELECT COUNT(DISTINCT meeting_id) FROM meeting_overrides WHERE target_id = $1"),
                    ],
                };
                let mut uses = Vec::new();
                for (what, sql) in checks {
                    let n: i64 = sqlx::query_scalar(sql).bind(id).fetch_one(&mut *tx).await?;
                    if n > 0 {
                        uses.push((*what, n));
                    }
                }
                if !uses.is_empty() {
                    return Ok(Err(uses));
                }
                let sql = format!("DELETE FROM {table} WHERE id = $1");
                if let Err(err) = sqlx::query(&sql).bind(id).execute(&mut *tx).await {
                    return match err {
                        sqlx::Error::Database(_) => Ok(Err(vec![(Use::Other, 1)])),
                        other => Err(other.into()),
                    };
                }
                let record = NewAudit {
                    action: "delete".into(),
                    entity: item.entity().into(),
                    entity_id: Some(match item {
                        PlanItem::Target { program, code } => format!("{program}/{code}"),
                        other => other.code().to_owned(),
                    }),
                    before: None,
                    after: None,
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(Ok(()))
            }

            async fn letterhead(&self, region: &str) -> Result<$crate::admin::Letterhead> {
                let row = sqlx::query("SELECT name, place, logo_png FROM regions WHERE code = $1")
                    .bind(region)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                Ok($crate::admin::Letterhead {
                    name: row.try_get("name")?,
                    place: row.try_get("place")?,
                    logo_png: row.try_get("logo_png")?,
                })
            }

            async fn set_identity(
                &self,
                region: &str,
                name: &str,
                place: Option<&str>,
                logo: $crate::admin::LogoChange,
                actor: &Actor,
            ) -> Result<()> {
                use $crate::admin::LogoChange;
                let name = name.trim();
                if name.is_empty() {
                    return Err(StoreError::invalid("name", "must not be empty"));
                }
                $crate::check_chars("name", name, self.limits.max_name_chars)?;
                let place = place.map(str::trim).filter(|p| !p.is_empty());
                $crate::check_chars("place", place.unwrap_or_default(), self.limits.max_name_chars)?;
                if let LogoChange::Set(bytes) = &logo {
                    $crate::admin::check_logo_png(bytes)
                        .map_err(|problem| StoreError::invalid("logo", problem.to_string()))?;
                }
                let before = self.letterhead(region).await?;
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                sqlx::query("UPDATE regions SET name = $1, place = $2 WHERE id = $3")
                    .bind(name)
                    .bind(place)
                    .bind(region_id)
                    .execute(&mut *tx)
                    .await?;
                let logo_after = match &logo {
                    LogoChange::Keep => before.logo_png.as_ref().map(Vec::len),
                    LogoChange::Remove => None,
                    LogoChange::Set(bytes) => Some(bytes.len()),
                };
                match logo {
                    LogoChange::Keep => {}
                    LogoChange::Remove => {
                        sqlx::query("UPDATE regions SET logo_png = NULL WHERE id = $1")
                            .bind(region_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    LogoChange::Set(bytes) => {
                        sqlx::query("UPDATE regions SET logo_png = $1 WHERE id = $2")
                            .bind(bytes)
                            .bind(region_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "region.identity".into(),
                    entity_id: Some(region.to_owned()),
                    before: Some(serde_json::json!({"name": before.name, "place": before.place,
                        "logo_bytes": before.logo_png.as_ref().map(Vec::len)})),
                    after: Some(serde_json::json!({"name": name, "place": place, "logo_bytes": logo_after})),
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn edit_user(
                &self,
                region: &str,
                username: &str,
                edit: &$crate::admin::UserEdit,
                actor: &Actor,
            ) -> Result<()> {
                let profile = edit.profile.checked()?;
                pantau_domain::role::fits_region(edit.role, region)
                    .map_err(|why| StoreError::invalid("role", why))?;
                let display_name = edit.display_name.trim();
                if display_name.is_empty() {
                    return Err(StoreError::invalid("display_name", "must not be empty"));
                }
                $crate::check_chars("display_name", display_name, self.limits.max_name_chars)?;
                let email = edit.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
                $crate::check_chars("email", email.unwrap_or_default(), self.limits.max_name_chars)?;
                if let Some(email) = email {
                    if !email.contains('@') || email.contains(char::is_whitespace) {
                        return Err(StoreError::invalid("email", format!("\"{email}\" is not an e-mail address")));
                    }
                }
                let before = self
                    .user_by_username(username)
                    .await?
                    .filter(|u| u.region == region)
                    .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?;
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let unit_id: Option<i64> = match (&edit.unit, edit.role) {
                    (Some(unit), Role::Operator) => Some(
                        sqlx::query_scalar("SELECT id FROM units WHERE region_id = $1 AND code = $2")
                            .bind(region_id)
                            .bind(unit)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::invalid("unit", format!("no unit \"{unit}\" in region {region}")))?,
                    ),
                    (None, Role::Operator) => {
                        return Err(StoreError::invalid("unit", "an operator reports for one unit: name it"));
                    }
                    (_, _) => None,
                };
                let mut clusters = if edit.role == Role::Evaluator { edit.clusters.clone() } else { Vec::new() };
                clusters.sort();
                clusters.dedup();
                if edit.role == Role::Evaluator && clusters.is_empty() {
                    return Err(StoreError::invalid("clusters", "an evaluator evaluates at least one cluster"));
                }
                sqlx::query(
                    "UPDATE users SET display_name = $1, email = $2, role = $3, unit_id = $4, full_name = $5, nip = $6 \
                     WHERE id = $7",
                )
                .bind(display_name)
                .bind(email)
                .bind(edit.role.code())
                .bind(unit_id)
                .bind(&profile.full_name)
                .bind(&profile.nip)
                .bind(before.id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM user_clusters WHERE user_id = $1")
                    .bind(before.id)
                    .execute(&mut *tx)
                    .await?;
                for cluster in &clusters {
                    let cluster_id: i64 = sqlx::query_scalar("SELECT id FROM clusters WHERE region_id = $1 AND code = $2")
                        .bind(region_id)
                        .bind(cluster)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::invalid("clusters", format!("no cluster \"{cluster}\" in region {region}")))?;
                    sqlx::query("INSERT INTO user_clusters (user_id, cluster_id) VALUES ($1, $2)")
                        .bind(before.id)
                        .bind(cluster_id)
                        .execute(&mut *tx)
                        .await?;
                }
                let unit = if edit.role == Role::Operator { edit.unit.clone() } else { None };
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user".into(),
                    entity_id: Some(username.to_owned()),
                    before: Some(serde_json::json!({
                        "display_name": before.display_name, "email": before.email, "role": before.role,
                        "unit": before.unit, "clusters": before.clusters, "full_name": before.full_name, "nip": before.nip,
                    })),
                    after: Some(serde_json::json!({
                        "display_name": display_name, "email": email, "role": edit.role,
                        "unit": unit, "clusters": clusters, "full_name": profile.full_name, "nip": profile.nip,
                    })),
                };
                let change = crate::sessions::Change::Account { username: username.to_owned() };
                Self::notify_sessions(&mut tx, &change).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                self.sessions.apply(&change);
                Ok(())
            }

            async fn api_tokens(&self, region: &str, username: &str) -> Result<Vec<$crate::admin::ApiTokenRow>> {
                let rows = sqlx::query(
                    "SELECT t.id, t.name, t.created_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     JOIN regions r ON r.id = u.region_id WHERE r.code = $1 AND u.username = $2 ORDER BY t.id",
                )
                .bind(region)
                .bind(username)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok($crate::admin::ApiTokenRow {
                            id: row.try_get("id")?,
                            name: row.try_get("name")?,
                            created_at: row.try_get("created_at")?,
                            last_used_at: row.try_get("last_used_at")?,
                        })
                    })
                    .collect()
            }

            async fn revoke_api_token(&self, region: &str, username: &str, id: Id, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT t.name, u.region_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     JOIN regions r ON r.id = u.region_id WHERE r.code = $1 AND u.username = $2 AND t.id = $3",
                )
                .bind(region)
                .bind(username)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound { what: "api token", key: id.to_string() })?;
                sqlx::query("DELETE FROM api_tokens WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let name: String = row.try_get("name")?;
                let record = NewAudit {
                    action: "revoke".into(),
                    entity: "api_token".into(),
                    entity_id: Some(username.to_owned()),
                    before: Some(serde_json::json!({"id": id, "name": name})),
                    after: None,
                };
                Self::append_audit_in(&mut tx, Some(row.try_get("region_id")?), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_password_reset(&self, username: &str, now: DateTime<Utc>, actor: &Actor) -> Result<String> {
                let now = stored_moment(now);
                let token = crate::password::generate_token();
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT id, region_id FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?;
                let user_id: i64 = row.try_get("id")?;
                sqlx::query(
                    "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(user_id)
                .bind(crate::password::token_hash(&token))
                .bind(now)
                .bind(now + $crate::admin::RESET_VALIDITY)
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "reset_requested".into(),
                    entity: "user.password".into(),
                    entity_id: Some(username.to_owned()),
                    before: None,
                    after: Some(serde_json::json!({"expires_at": now + $crate::admin::RESET_VALIDITY})),
                };
                Self::append_audit_in(&mut tx, Some(row.try_get("region_id")?), actor, &record).await?;
                tx.commit().await?;
                Ok(token)
            }

            async fn use_password_reset(
                &self,
                token: &str,
                password_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<std::result::Result<String, $crate::admin::ResetRefused>> {
                let mut tx = self.begin_write().await?;
                let (reset_id, user_id, username, region_id) = match Self::reset_row(&mut tx, token, now).await? {
                    Ok(found) => found,
                    Err(refused) => return Ok(Err(refused)),
                };
                // Used once: the update only takes a link not used yet.
                let done = sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                    .bind(stored_moment(now))
                    .bind(reset_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Ok(Err($crate::admin::ResetRefused::Used));
                }
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                // Whoever held the old password is logged out everywhere.
                Self::end_sessions_in(&mut tx, &username, None).await?;
                let record = NewAudit {
                    action: "reset_used".into(),
                    entity: "user.password".into(),
                    entity_id: Some(username.clone()),
                    before: None,
                    after: None,
                };
                let actor = Actor { user_id: Some(user_id), label: username.clone() };
                Self::append_audit_in(&mut tx, Some(region_id), &actor, &record).await?;
                tx.commit().await?;
                self.sessions.apply(&crate::sessions::Change::Account { username: username.clone() });
                Ok(Ok(username))
            }

            async fn set_archived(
                &self,
                region: &str,
                item: &$crate::admin::PlanItem,
                archived: bool,
                actor: &Actor,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let (table, id) = Self::plan_item_id(&mut tx, region_id, item).await?;
                sqlx::query(&format!("UPDATE {table} SET archived = $1 WHERE id = $2"))
                    .bind(archived)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let record = NewAudit {
                    action: if archived { "archive" } else { "unarchive" }.into(),
                    entity: item.entity().into(),
                    entity_id: Some(match item {
                        $crate::admin::PlanItem::Target { program, code } => format!("{program}/{code}"),
                        other => other.code().to_owned(),
                    }),
                    before: None,
                    after: None,
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn archived_items(&self, region: &str) -> Result<Vec<$crate::admin::PlanItem>> {
                use $crate::admin::PlanItem;
                let mut items = Vec::new();
                for table in ["clusters", "units", "priorities", "programs"] {
                    let sql = format!(
                        "SELECT x.code FROM {table} x JOIN regions r ON r.id = x.region_id \
                         WHERE r.code = $1 AND x.archived ORDER BY x.position, x.id"
                    );
                    let codes: Vec<String> = sqlx::query_scalar(&sql).bind(region).fetch_all(&self.pool).await?;
                    items.extend(codes.into_iter().map(|code| match table {
                        "clusters" => PlanItem::Cluster(code),
                        "units" => PlanItem::Unit(code),
                        "priorities" => PlanItem::Priority(code),
                        _ => PlanItem::Program(code),
                    }));
                }
                let rows = sqlx::query(
                    "SELECT p.code AS program, t.code FROM targets t JOIN programs p ON p.id = t.program_id \
                     JOIN regions r ON r.id = p.region_id WHERE r.code = $1 AND t.archived ORDER BY p.position, t.position",
                )
                .bind(region)
                .fetch_all(&self.pool)
                .await?;
                for row in rows {
                    items.push(PlanItem::Target { program: row.try_get("program")?, code: row.try_get("code")? });
                }
                Ok(items)
            }

            async fn check_password_reset(
                &self,
                token: &str,
                now: DateTime<Utc>,
            ) -> Result<std::result::Result<String, $crate::admin::ResetRefused>> {
                let mut conn = self.pool.acquire().await?;
                Ok(Self::reset_row(&mut conn, token, now).await?.map(|(_, _, username, _)| username))
            }
        }
    };
}
