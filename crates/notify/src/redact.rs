//! Secrets never reach a log line or the outbox's error column.
//!
//! An SMTP URL carries its password (`smtp://user:password@host`), a webhook
//! URL often carries a token in its query (`?token=...`), and the errors of
//! the HTTP and SMTP libraries quote the URL they failed on. Every message
//! this crate records or logs goes through [`redact`] first.

/// Query parameters whose values are secrets.
const SECRET_PARAMETERS: [&str; 12] = [
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
    "pass",
    "pwd",
    "sig",
    "signature",
    "auth",
];

const HIDDEN: &str = "***";

/// `text` with the credentials of every URL in it, and the values of secret
/// query parameters, replaced by `***`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | '`'))
            .unwrap_or(after.len());
        let (url, tail) = after.split_at(end);
        out.push_str(&redact_url(url));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// One URL without its scheme: `user:password@host/path?query#fragment`.
fn redact_url(url: &str) -> String {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (authority, path) = url.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:{HIDDEN}{host}"),
                None => format!("{HIDDEN}{host}"),
            }
        }
        None => authority.to_owned(),
    };
    let Some((before_query, query)) = path.split_once('?') else {
        return authority + path;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}={HIDDEN}"),
            _ => pair.to_owned(),
        })
        .collect();
    let mut redacted = format!("{authority}{before_query}?{}", query.join("&"));
    if let Some(fragment) = fragment {
        redacted.push('#');
        redacted.push_str(fragment);
    }
    redacted
}

fn is_secret(name: &str) -> bool {
    SECRET_PARAMETERS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_and_tokens_are_hidden() {
        for (text, expected) in [
            (
                "smtp://pantau:Rahasia!123@mail.bekasikota.go.id:587?tls=required",
                "smtp://pantau:***@mail.bekasikota.go.id:587?tls=required",
            ),
            (
                "webhook: error sending request for url (https://wa.example/api/send?token=abc123&to=62812)",
                "webhook: error sending request for url (https://wa.example/api/send?token=***&to=62812)",
            ),
            (
                "\"https://hooks.example/x?API_KEY=k&sig=s#top\" failed",
                "\"https://hooks.example/x?API_KEY=***&sig=***#top\" failed",
            ),
            (
                "postgres://pantau:pw@db:5432/pantau and smtps://u:p@h:465",
                "postgres://pantau:***@db:5432/pantau and smtps://u:***@h:465",
            ),
            ("https://tokenonly@host/", "https://***@host/"),
        ] {
            assert_eq!(redact(text), expected);
        }
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        for text in [
            "webhook answered 503 Service Unavailable",
            "https://wa.example/api/send?to=62812&keyword=rapat",
            "smtp://mail.example:25",
            "no url here: a@b",
            "",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    proptest::proptest! {
        #[test]
        fn a_password_never_survives(password in "[A-Za-z0-9!$%^*]{6,20}", user in "[a-z]{1,8}") {
            let text = format!("failed: smtp://{user}:{password}@mail.example:587 (timeout)");
            let redacted = redact(&text);
            let leaked = format!(":{}@", password);
            proptest::prop_assert!(!redacted.contains(&leaked));
            proptest::prop_assert!(redacted.contains("mail.example:587"));
        }
    }
}
