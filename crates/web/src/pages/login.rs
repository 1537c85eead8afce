//! Log-in and log-out, with throttling per account and per address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Redirect, Response};
use pantau_store::{Actor, NewAudit, password};
use serde::Deserialize;
use tower_sessions::Session;

use super::render;
use crate::AppState;
use crate::access::{check_csrf, log_in, log_out};
use crate::error::PageError;
use crate::i18n::Tr;
use crate::visitor::Visitor;

/// Failed log-ins allowed per account, and per address, within the window.
const ACCOUNT_LIMIT: u32 = 5;
const ADDRESS_LIMIT: u32 = 20;
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed attempts in the current window, per key. In memory: each app server
/// throttles what reaches it.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub(crate) fn blocked(&self, key: &str, limit: u32) -> bool {
        let failures = self.failures.lock().expect("throttle lock");
        failures
            .get(key)
            .is_some_and(|(n, since)| *n >= limit && since.elapsed() < WINDOW)
    }

    pub(crate) fn fail(&self, key: &str) {
        let mut failures = self.failures.lock().expect("throttle lock");
        let slot = failures
            .entry(key.to_owned())
            .or_insert((0, Instant::now()));
        if slot.1.elapsed() >= WINDOW {
            *slot = (0, Instant::now());
        }
        slot.0 += 1;
    }

    fn clear(&self, key: &str) {
        self.failures.lock().expect("throttle lock").remove(key);
    }
}

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

fn address_key(addr: IpAddr) -> String {
    format!("ip:{addr}")
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
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
    let account_key = format!("user:{username}");
    let address = address_key(peer.ip());
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
    if state.throttle.blocked(&account_key, ACCOUNT_LIMIT)
        || state.throttle.blocked(&address, ADDRESS_LIMIT)
    {
        let mut page = refuse(tr.t("login-throttled"));
        page.csrf = visitor.csrf_token();
        let mut response = render(&page)?;
        *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    let user = state.store.user_by_username(&username).await?;
    let valid = user
        .as_ref()
        .is_some_and(|u| !u.disabled && password::verify(&form.password, &u.password_hash));
    let actor = Actor {
        user_id: user.as_ref().map(|u| u.id),
        label: if username.is_empty() {
            peer.ip().to_string()
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
        after: Some(serde_json::json!({"address": peer.ip().to_string()})),
    };
    if !valid {
        state.throttle.fail(&account_key);
        state.throttle.fail(&address);
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
    state.throttle.clear(&account_key);
    log_in(&session, &user).await?;
    visitor.forget_csrf();
    state
        .store
        .append_audit(Some(&user.region), &actor, attempt("login"))
        .await?;
    // Operators land on what to report this week; everyone else on the dashboard.
    let landing = if crate::access::operator_of(&user).is_some() {
        "/lapor"
    } else {
        "/dasbor"
    };
    Ok(Redirect::to(landing).into_response())
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
