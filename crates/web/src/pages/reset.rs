//! Password reset by e-mail: "Lupa kata sandi?" on the log-in page asks for a
//! username and answers the same whether the account exists or not; an
//! account with an e-mail address gets a one-time link, valid for an hour,
//! through the outbox. Request and use are audited.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use pantau_store::{
    Actor, Channel, NewAudit, NewMessage, RESET_VALIDITY, ResetRefused, ThrottleKind, User,
};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::client::ClientAddr;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::visitor::Visitor;

/// Reset links asked for per account, and per address, within the window.
const RESET_ACCOUNT_LIMIT: i64 = 3;
const RESET_ADDRESS_LIMIT: i64 = 10;
const RESET_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// The site's address for links in e-mails: the configured public address,
/// else the host the request names.
fn site(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Make a reset link for `account` and put the e-mail with it in the outbox.
/// The caller has checked that the account has an address.
pub async fn send_link(
    state: &AppState,
    account: &User,
    lang: Lang,
    headers: &HeaderMap,
    actor: &Actor,
) -> Result<(), PageError> {
    let Some(email) = &account.email else {
        return Ok(());
    };
    let now = Utc::now();
    let token = state
        .store
        .create_password_reset(&account.username, now, actor)
        .await?;
    let link = format!("{}/sandi/{token}", site(state, headers));
    let name = account
        .full_name
        .clone()
        .unwrap_or_else(|| account.display_name.clone());
    let body = state.i18n.text_with(
        lang,
        "reset-mail-body",
        &[
            ("name", name),
            ("username", account.username.clone()),
            ("link", link),
        ],
    );
    let message = NewMessage {
        region: account.region.clone(),
        key: format!(
            "password-reset:{}",
            pantau_store::password::token_hash(&token)
        ),
        channel: Channel::Email,
        recipient: email.clone(),
        subject: state.i18n.text(lang, "reset-mail-subject"),
        body,
        expires_at: Some(now + RESET_VALIDITY),
    };
    state.store.enqueue(&message, now).await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    tr: Tr<'a>,
    nav: Option<super::Nav>,
    csrf: String,
    /// The form to show: `request` (username), `new` (password), or none.
    form: &'static str,
    token: String,
    message: Option<String>,
    problem: Option<String>,
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    form: &'static str,
    token: String,
    message: Option<String>,
    problem: Option<String>,
    status: axum::http::StatusCode,
) -> Result<Response, PageError> {
    let mut response = render(&ResetPage {
        tr: Tr {
            catalog: &state.i18n,
            lang: visitor.lang,
        },
        nav: None,
        csrf: visitor.csrf_token(),
        form,
        token,
        message,
        problem,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn request_form(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    page(
        &state,
        &visitor,
        "request",
        String::new(),
        None,
        None,
        axum::http::StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct RequestForm {
    csrf: Option<String>,
    username: String,
}

/// The same answer whether the account exists or not, has an address or not.
pub async fn request(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<RequestForm>,
) -> Result<Response, PageError> {
    visitor.check_csrf(form.csrf.as_deref())?;
    let lang = visitor.lang;
    let username = form.username.trim();
    let account = state
        .store
        .user_by_username(username)
        .await?
        .filter(|u| !u.disabled);
    // At most a few links per account and per address in the window, so
    // that the form cannot flood a mailbox; the answer stays the same. Kept in
    // the database, like the log-in throttle, to hold across app servers.
    let address = crate::throttle::address_key(client);
    let now = Utc::now();
    let since = now - RESET_WINDOW;
    let kind = ThrottleKind::ResetRequest;
    let throttled = state
        .store
        .throttle_account(kind, username, since)
        .await?
        .failures
        >= RESET_ACCOUNT_LIMIT
        || state.store.throttle_address(kind, &address, since).await? >= RESET_ADDRESS_LIMIT;
    state
        .store
        .throttle_failure(kind, username, &address, now, since)
        .await?;
    let account = account.filter(|_| !throttled);
    match account {
        Some(account) if account.email.is_some() => {
            let actor = Actor {
                user_id: None,
                label: client.to_string(),
            };
            send_link(&state, &account, lang, &headers, &actor).await?;
        }
        other => {
            // Audited too, where it can be: without a region when there is no account.
            let record = NewAudit {
                action: "reset_refused".into(),
                entity: "user.password".into(),
                entity_id: Some(username.to_owned()),
                before: None,
                after: Some(serde_json::json!({
                    "address": client.to_string(),
                    "reason": if throttled { "too many requests" } else if other.is_some() { "no e-mail address" } else { "no such active account" },
                })),
            };
            let actor = Actor {
                user_id: None,
                label: client.to_string(),
            };
            state
                .store
                .append_audit(other.as_ref().map(|u| u.region.as_str()), &actor, record)
                .await?;
        }
    }
    let message = state.i18n.text(lang, "reset-request-sent");
    page(
        &state,
        &visitor,
        "",
        String::new(),
        Some(message),
        None,
        axum::http::StatusCode::OK,
    )
    .await
}

fn refusal_key(refused: ResetRefused) -> &'static str {
    match refused {
        ResetRefused::Unknown => "reset-unknown",
        ResetRefused::Used => "reset-used",
        ResetRefused::Expired => "reset-expired",
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let lang = visitor.lang;
    match state.store.check_password_reset(&token, Utc::now()).await? {
        Ok(_) => {
            page(
                &state,
                &visitor,
                "new",
                token,
                None,
                None,
                axum::http::StatusCode::OK,
            )
            .await
        }
        Err(refused) => {
            let problem = state.i18n.text(lang, refusal_key(refused));
            page(
                &state,
                &visitor,
                "",
                String::new(),
                None,
                Some(problem),
                axum::http::StatusCode::GONE,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct NewForm {
    csrf: Option<String>,
    password: String,
    again: String,
}

pub async fn set_new(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<NewForm>,
) -> Result<Response, PageError> {
    visitor.check_csrf(form.csrf.as_deref())?;
    let lang = visitor.lang;
    let retry = |key: &str| {
        let problem = state.i18n.text(lang, key);
        page(
            &state,
            &visitor,
            "new",
            token.clone(),
            None,
            Some(problem),
            axum::http::StatusCode::BAD_REQUEST,
        )
    };
    if form.password.chars().count() < 8 {
        return retry("admin-password-short").await;
    }
    if form.password != form.again {
        return retry("reset-mismatch").await;
    }
    let hash = pantau_store::password::hash(&form.password);
    match state
        .store
        .use_password_reset(&token, &hash, Utc::now())
        .await?
    {
        Ok(_) => {
            let message = state.i18n.text(lang, "reset-done");
            page(
                &state,
                &visitor,
                "",
                String::new(),
                Some(message),
                None,
                axum::http::StatusCode::OK,
            )
            .await
        }
        Err(refused) => {
            let problem = state.i18n.text(lang, refusal_key(refused));
            page(
                &state,
                &visitor,
                "",
                String::new(),
                None,
                Some(problem),
                axum::http::StatusCode::GONE,
            )
            .await
        }
    }
}
