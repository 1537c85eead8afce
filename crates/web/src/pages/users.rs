//! The admin's accounts: listed with search (`q`) and pages (`halaman`),
//! added with every role, edited, given a new password or a reset link,
//! disabled and enabled, and their API tokens listed and revoked.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use pantau_present as present;
use pantau_store::{NewUser, Role, User, UserEdit, UserProfile, password};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};

/// Accounts on one page of the list.
const PAGE_SIZE: usize = 25;

pub struct UserRow {
    pub username: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub scope: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    users: Vec<UserRow>,
    problem: Option<String>,
    message: Option<String>,
    q: String,
    count: String,
    page: usize,
    pages: usize,
    page_of: String,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    clusters: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    halaman: Option<usize>,
    ok: Option<String>,
}

fn roles(lang: Lang) -> Vec<(&'static str, &'static str)> {
    // An admin's region plans; a supervisor belongs to a province or the
    // nation, whose accounts `pantau user add` makes.
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Supervisor)
        .map(|r| (r.code(), present::role(lang, r)))
        .collect()
}

/// The region's units and clusters as (code, "code · name") choices.
async fn choices(
    state: &AppState,
    region: &str,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), PageError> {
    let bundle = state.store.region_bundle(region).await?;
    let archived = state.store.archived_items(region).await?;
    let units = bundle
        .units
        .iter()
        .filter(|u| !archived.contains(&pantau_store::PlanItem::Unit(u.code.clone())))
        .map(|u| (u.code.clone(), format!("{} · {}", u.code, u.name)))
        .collect();
    let clusters = bundle
        .clusters
        .iter()
        .filter(|c| !archived.contains(&pantau_store::PlanItem::Cluster(c.code.clone())))
        .map(|c| (c.code.clone(), format!("{} · {}", c.code, c.name)))
        .collect();
    Ok((units, clusters))
}

fn matches(user: &User, q: &str) -> bool {
    let q = q.to_lowercase();
    [
        Some(&user.username),
        Some(&user.display_name),
        user.email.as_ref(),
        user.full_name.as_ref(),
        user.nip.as_ref(),
        user.unit.as_ref(),
    ]
    .into_iter()
    .flatten()
    .chain(user.clusters.iter())
    .any(|v| v.to_lowercase().contains(&q))
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    query: &ListQuery,
    problem: Option<String>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let all: Vec<User> = state
        .store
        .users(user.region())
        .await?
        .into_iter()
        .filter(|u| q.is_empty() || matches(u, &q))
        .collect();
    let total = all.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query.halaman.unwrap_or(1).clamp(1, pages);
    let users: Vec<UserRow> = all
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|u| UserRow {
            scope: u.unit.clone().unwrap_or_else(|| u.clusters.join(", ")),
            email: u.email.clone().unwrap_or_default(),
            username: u.username,
            name: u.display_name,
            role: present::role(lang, u.role),
            disabled: u.disabled,
        })
        .collect();
    let count = tr.t_with(
        "admin-users-count",
        &[
            ("shown", present::count(lang, users.len() as i64)),
            ("total", present::count(lang, total as i64)),
        ],
    );
    let page_of = tr.t_with(
        "admin-page-of",
        &[
            ("page", present::count(lang, page as i64)),
            ("pages", present::count(lang, pages as i64)),
        ],
    );
    let (units, clusters) = choices(state, user.region()).await?;
    let nav = Nav::of(user).await?;
    let status = if problem.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = render(&UsersPage {
        tr,
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        users,
        problem,
        message,
        q,
        count,
        page,
        pages,
        page_of,
        roles: roles(lang),
        units,
        clusters,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.read").await);
    }
    let message = match query.ok.as_deref() {
        Some(_) => Some(
            state
                .i18n
                .text(lang_of(&user.session).await, "admin-user-saved"),
        ),
        None => None,
    };
    users_page(&state, &user, &query, None, message).await
}

/// The account fields a form sends (add and edit share them); clusters come
/// as repeated `clusters` fields (checkboxes), read from the raw pairs.
struct AccountForm {
    csrf: Option<String>,
    username: String,
    name: String,
    email: String,
    role: String,
    unit: String,
    clusters: Vec<String>,
    full_name: String,
    nip: String,
    password: String,
}

fn account_form(pairs: Vec<(String, String)>) -> AccountForm {
    let mut form = AccountForm {
        csrf: None,
        username: String::new(),
        name: String::new(),
        email: String::new(),
        role: String::new(),
        unit: String::new(),
        clusters: Vec::new(),
        full_name: String::new(),
        nip: String::new(),
        password: String::new(),
    };
    for (key, value) in pairs {
        let value = value.trim().to_owned();
        match key.as_str() {
            "csrf" => form.csrf = Some(value),
            "username" => form.username = value,
            "name" => form.name = value,
            "email" => form.email = value,
            "role" => form.role = value,
            "unit" => form.unit = value,
            "clusters" => form
                .clusters
                .extend(value.split(',').map(|c| c.trim().to_owned())),
            "full_name" => form.full_name = value,
            "nip" => form.nip = value,
            "password" => form.password = value,
            _ => {}
        }
    }
    form.clusters.retain(|c| !c.is_empty());
    form
}

fn some(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// A refusal of the store in the page's words where it has them.
fn refused(tr: &Tr, err: &pantau_store::StoreError) -> String {
    match err {
        pantau_store::StoreError::Invalid { field, message } => {
            let label = match field.as_str() {
                "unit" => tr.t("admin-field-unit"),
                "clusters" => tr.t("clusters"),
                "email" => tr.t("admin-email"),
                "nip" => tr.t("admin-nip"),
                "full_name" => tr.t("admin-full-name"),
                "display_name" => tr.t("admin-name"),
                "username" => tr.t("login-username"),
                other => other.to_owned(),
            };
            format!("{label}: {message}")
        }
        other => other.to_string(),
    }
}

pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = account_form(pairs);
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.users.create").await);
    };
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let query = ListQuery::default();
    let Some(role) = Role::parse(&form.role) else {
        let problem = tr.t("admin-unknown-role");
        return users_page(&state, &user, &query, Some(problem), None).await;
    };
    if form.password.chars().count() < 8 {
        let problem = tr.t("admin-password-short");
        return users_page(&state, &user, &query, Some(problem), None).await;
    }
    let limits = state.store.limits();
    if let Some(problem) = crate::limits::too_long(
        &tr,
        &[
            (
                tr.t("login-username"),
                &form.username,
                limits.max_username_chars,
            ),
            (tr.t("admin-name"), &form.name, limits.max_name_chars),
            (tr.t("admin-email"), &form.email, limits.max_name_chars),
        ],
    ) {
        return users_page(&state, &user, &query, Some(problem), None).await;
    }
    let new = NewUser {
        region: admin.user.region.clone(),
        username: form.username.clone(),
        display_name: if form.name.is_empty() {
            form.username.clone()
        } else {
            form.name.clone()
        },
        email: some(&form.email),
        password_hash: password::hash(&form.password),
        role,
        unit: (role == Role::Operator).then(|| some(&form.unit)).flatten(),
        clusters: if role == Role::Evaluator {
            form.clusters.clone()
        } else {
            Vec::new()
        },
    };
    let profile = UserProfile {
        full_name: some(&form.full_name),
        nip: some(&form.nip),
    };
    match state
        .store
        .create_user_with_profile(&new, &profile, &user.actor())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/pengguna?ok=1").into_response()),
        Err(
            err @ (pantau_store::StoreError::Invalid { .. }
            | pantau_store::StoreError::UsernameTaken(_)),
        ) => users_page(&state, &user, &query, Some(refused(&tr, &err)), None).await,
        Err(other) => Err(other.into()),
    }
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    /// When it was last used, to the minute, or "never".
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct EditPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    title: String,
    account: User,
    email: String,
    full_name: String,
    nip: String,
    problem: Option<String>,
    message: Option<String>,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    clusters: Vec<(String, String)>,
    tokens: Vec<TokenRow>,
}

/// The account being administered, of the admin's own region.
async fn account_of(
    state: &AppState,
    user: &CurrentUser,
    username: &str,
) -> Result<User, PageError> {
    state
        .store
        .user_by_username(username)
        .await?
        .filter(|u| u.region == user.region())
        .ok_or(PageError::NotFound)
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    username: &str,
    problem: Option<String>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let account = account_of(state, user, username).await?;
    let tokens = state
        .store
        .api_tokens(user.region(), username)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: present::moment(lang, chrono_tz::Asia::Jakarta, t.created_at),
            last_used: match t.last_used_at {
                Some(at) => present::moment(lang, chrono_tz::Asia::Jakarta, at),
                None => tr.t("admin-token-never-used"),
            },
        })
        .collect();
    let (mut units, mut clusters) = choices(state, user.region()).await?;
    // An account keeps its own unit and clusters as choices, archived or not.
    if let Some(unit) = &account.unit {
        if !units.iter().any(|(code, _)| code == unit) {
            units.push((unit.clone(), unit.clone()));
        }
    }
    for cluster in &account.clusters {
        if !clusters.iter().any(|(code, _)| code == cluster) {
            clusters.push((cluster.clone(), cluster.clone()));
        }
    }
    let nav = Nav::of(user).await?;
    let status = if problem.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = render(&EditPage {
        title: tr.t_with("admin-edit-user", &[("username", account.username.clone())]),
        tr,
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        email: account.email.clone().unwrap_or_default(),
        full_name: account.full_name.clone().unwrap_or_default(),
        nip: account.nip.clone().unwrap_or_default(),
        account,
        problem,
        message,
        roles: roles(lang),
        units,
        clusters,
        tokens,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.read").await);
    }
    let message = match query.ok.as_deref() {
        Some(key @ ("admin-user-saved" | "admin-token-revoked")) => {
            Some(state.i18n.text(lang_of(&user.session).await, key))
        }
        _ => None,
    };
    edit_page(&state, &user, &username, None, message).await
}

pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = account_form(pairs);
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.edit").await);
    }
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let Some(role) = Role::parse(&form.role) else {
        let problem = tr.t("admin-unknown-role");
        return edit_page(&state, &user, &username, Some(problem), None).await;
    };
    let edit = UserEdit {
        display_name: form.name.clone(),
        email: some(&form.email),
        role,
        unit: some(&form.unit),
        clusters: form.clusters.clone(),
        profile: UserProfile {
            full_name: some(&form.full_name),
            nip: some(&form.nip),
        },
    };
    match state
        .store
        .edit_user(user.region(), &username, &edit, &user.actor())
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/pengguna/{username}?ok=admin-user-saved"))
                .into_response(),
        ),
        Err(err @ pantau_store::StoreError::Invalid { .. }) => {
            edit_page(&state, &user, &username, Some(refused(&tr, &err)), None).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    password: String,
}

/// The admin sets a new password, to hand over in person.
pub async fn set_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.password").await);
    }
    let lang = lang_of(&user.session).await;
    let account = account_of(&state, &user, &username).await?;
    if form.password.trim().chars().count() < 8 {
        let problem = state.i18n.text(lang, "admin-password-short");
        return edit_page(&state, &user, &username, Some(problem), None).await;
    }
    // The account's other sessions end; an admin setting their own password
    // stays logged in here.
    let keep = (account.id == user.user.id)
        .then(|| user.session.id())
        .flatten()
        .map(|id| id.to_string());
    state
        .store
        .set_password_hash(
            &account.username,
            &password::hash(form.password.trim()),
            keep.as_deref(),
            &user.actor(),
        )
        .await?;
    let message = state.i18n.text(lang, "admin-password-done");
    edit_page(&state, &user, &username, None, Some(message)).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// The admin sends the account's holder a reset link by e-mail.
pub async fn send_reset_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.reset_link").await);
    }
    let lang = lang_of(&user.session).await;
    let account = account_of(&state, &user, &username).await?;
    let Some(email) = account.email.clone() else {
        let problem = state.i18n.text(lang, "admin-reset-no-email");
        return edit_page(&state, &user, &username, Some(problem), None).await;
    };
    super::reset::send_link(&state, &account, lang, &headers, &user.actor()).await?;
    let message = state
        .i18n
        .text_with(lang, "admin-reset-sent", &[("email", email)]);
    edit_page(&state, &user, &username, None, Some(message)).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((username, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.revoke_token").await);
    }
    state
        .store
        .revoke_api_token(user.region(), &username, id, &user.actor())
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/pengguna/{username}?ok=admin-token-revoked"
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct ToggleForm {
    csrf: Option<String>,
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    Form(form): Form<ToggleForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.disable").await);
    }
    let target = account_of(&state, &user, &username).await?;
    state
        .store
        .set_disabled(&target.username, form.disabled == "1", &user.actor())
        .await?;
    Ok(Redirect::to("/admin/pengguna?ok=1").into_response())
}
