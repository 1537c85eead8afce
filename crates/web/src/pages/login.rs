//! Log-in and log-out, throttled per account and address (see `crate::throttle`).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use pantau_store::{Actor, NewAudit, ThrottleKind, password};
use serde::Deserialize;
use tower_sessions::Session;

use super::render;
use crate::AppState;
use crate::access::{check_csrf, log_in, log_out};
use crate::client::ClientAddr;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::throttle;
use crate::visitor::Visitor;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    tr: Tr<'a>,
    nav: Option<super::Nav>,
    csrf: String,
    username: String,
    error: Option<String>,
    identity: Option<super::identity::LoginIdentity>,
}

pub async fn form(
    State(state): State<AppState>,
    session: Session,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let page = LoginPage {
        tr: Tr {
            catalog: &state.i18n,
            lang: visitor.lang,
        },
        nav: None,
        // A visitor not logged in has no session: the token lives in a cookie.
        csrf: visitor.csrf_token(),
        username: String::new(),
        error: None,
        identity: super::identity::login_identity(&state, &session).await,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    username: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    visitor.check_csrf(form.csrf.as_deref())?;
    let lang = visitor.lang;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let username = form.username.trim().to_owned();
    let address = throttle::address_key(client);
    let refuse = |message: String| LoginPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: None,
        csrf: String::new(),
        username: username.clone(),
        error: Some(message),
        identity: None,
    };
    let now = Utc::now();
    let store = &state.store;
    let pair = store
        .throttle_pair(ThrottleKind::LogIn, &username, &address)
        .await?;
    if let Some(until) = throttle::blocked_until(&pair, now) {
        return too_many(
            refuse(tr.t("login-throttled")),
            visitor.csrf_token(),
            Some(until),
        )
        .await;
    }
    // An account failing from many addresses is slowed, never refused.
    let account = store
        .throttle_account(
            ThrottleKind::LogIn,
            &username,
            now - throttle::ACCOUNT_WINDOW,
        )
        .await?;
    let delay = throttle::account_delay(&account, &pair, now);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    // Counted before the password is checked, so that attempts in parallel
    // cannot all slip in under the limit; a success clears the count.
    let counted = store
        .throttle_failure(
            ThrottleKind::LogIn,
            &username,
            &address,
            now,
            now - throttle::FAILURE_MEMORY,
        )
        .await?;
    if !throttle::counted_in_turn(&pair, &counted, now) {
        let until = throttle::blocked_until(&counted, now);
        return too_many(refuse(tr.t("login-throttled")), visitor.csrf_token(), until).await;
    }
    let user = state.store.user_by_username(&username).await?;
    // Unknown and disabled accounts cost one argon2 verification too.
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.as_str());
    let valid = password::verify_login(&form.password, stored);
    let actor = Actor {
        user_id: user.as_ref().map(|u| u.id),
        label: if username.is_empty() {
            client.to_string()
        } else {
            username.clone()
        },
    };
    let region = user.as_ref().map(|u| u.region.clone());
    let attempt = |action: &str| NewAudit {
        action: action.into(),
        entity: "session".into(),
        entity_id: None,
        before: None,
        after: Some(serde_json::json!({"address": client.to_string()})),
    };
    if !valid {
        state
            .store
            .append_audit(region.as_deref(), &actor, attempt("login_failed"))
            .await?;
        let mut page = refuse(tr.t("login-failed"));
        page.csrf = visitor.csrf_token();
        let mut response = render(&page)?;
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    }
    let user = user.expect("a valid log-in has a user");
    store
        .throttle_success(ThrottleKind::LogIn, &username, &address, now)
        .await?;
    log_in(&session, &user).await?;
    visitor.forget_csrf();
    state
        .store
        .append_audit(Some(&user.region), &actor, attempt("login"))
        .await?;
    // Operators land on what to report this week, supervisors on the regions
    // below them; everyone else on the dashboard.
    let landing = if crate::access::operator_of(&user).is_some() {
        "/lapor"
    } else if user.role == pantau_store::Role::Supervisor {
        "/wilayah"
    } else {
        "/dasbor"
    };
    Ok(Redirect::to(landing).into_response())
}

/// The refusal of a throttled attempt, saying when to try again when known.
async fn too_many(
    mut page: LoginPage<'_>,
    csrf: String,
    until: Option<DateTime<Utc>>,
) -> Result<Response, PageError> {
    page.csrf = csrf;
    let mut response = render(&page)?;
    *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
    if let Some(until) = until {
        let seconds = (until - Utc::now()).num_seconds().max(0) + 1;
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, seconds.into());
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(session: Session, Form(form): Form<CsrfForm>) -> Result<Redirect, PageError> {
    check_csrf(&session, form.csrf.as_deref()).await?;
    log_out(&session).await?;
    Ok(Redirect::to("/masuk"))
}
