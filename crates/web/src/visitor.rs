//! What the server keeps of a visitor without a session row: the language
//! chosen, in a cookie, and for the forms of visitors not logged in (log-in,
//! password reset) a CSRF token in a cookie that the form repeats. A visitor
//! who never logs in leaves nothing in the database.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use rand::Rng;
use tower_cookies::Cookies;
use tower_sessions::cookie::{Cookie, SameSite};

use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "pantau_session";
const LANG_COOKIE: &str = "pantau_lang";
const CSRF_COOKIE: &str = "pantau_csrf";

/// A cookie's name. With secure cookies the `__Host-` prefix: browsers then
/// take the cookie only over https, for the whole site and this host alone.
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

tokio::task_local! {
    /// The language of the request being served.
    static LANG: Lang;
}

/// The language of the request being served: the `pantau_lang` cookie, read
/// once per request by [`language`]; Indonesian when there is none.
pub fn current_lang() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or(Lang::Id)
}

/// Serve the request in the language its cookie names.
pub async fn language(
    State(state): State<AppState>,
    cookies: Cookies,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let name = cookie_name(LANG_COOKIE, state.config.secure_cookies);
    let lang = cookies
        .get(&name)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or(Lang::Id);
    LANG.scope(lang, next.run(request)).await
}

/// A visitor's cookies, logged in or not.
pub struct Visitor {
    cookies: Cookies,
    secure: bool,
    /// The language the visitor chose.
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let cookies = Cookies::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::Internal("cookie layer missing".into()))?;
        Ok(Visitor {
            cookies,
            secure: state.config.secure_cookies,
            lang: current_lang(),
        })
    }
}

impl Visitor {
    fn cookie(&self, base: &str, value: String) -> Cookie<'static> {
        Cookie::build((cookie_name(base, self.secure), value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .build()
    }

    /// Keep the language choice for a year.
    pub fn choose_lang(&self, lang: Lang) {
        let mut cookie = self.cookie(LANG_COOKIE, lang.code().to_owned());
        cookie.set_max_age(time::Duration::days(365));
        self.cookies.add(cookie);
    }

    /// The token the forms of a visitor not logged in carry: the one in the
    /// visitor's cookie, or a new one set in it.
    pub fn csrf_token(&self) -> String {
        if let Some(token) = self
            .cookies
            .get(&cookie_name(CSRF_COOKIE, self.secure))
            .map(|c| c.value().to_owned())
            .filter(|t| !t.is_empty())
        {
            return token;
        }
        let token: String = rand::thread_rng()
            .sample_iter(&rand::distributions::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        self.cookies.add(self.cookie(CSRF_COOKIE, token.clone()));
        token
    }

    /// Refuse a form of a visitor not logged in that does not carry the
    /// token of the visitor's cookie.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), PageError> {
        let expected = self
            .cookies
            .get(&cookie_name(CSRF_COOKIE, self.secure))
            .map(|c| c.value().to_owned());
        match (expected, submitted) {
            (Some(expected), Some(given)) if !expected.is_empty() && expected == given => Ok(()),
            _ => Err(PageError::Csrf),
        }
    }

    /// Drop the visitor's token, at log-in: the session has its own from then.
    pub fn forget_csrf(&self) {
        self.cookies.remove(self.cookie(CSRF_COOKIE, String::new()));
    }
}
