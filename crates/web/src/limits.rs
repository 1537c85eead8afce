//! What one request may cost the server: a body no larger than its kind of
//! route needs, a bounded time, and imports read off the request threads
//! within a time limit.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// A log-in (or password reset) form: a few short fields.
pub const LOGIN_BODY_BYTES: usize = 8 * 1024;
/// Any other form or JSON body.
pub const FORM_BODY_BYTES: usize = 64 * 1024;
/// An import file (plan workbook, budget sheet, bundle).
pub const IMPORT_BODY_BYTES: usize = 20 * 1024 * 1024;
/// Room for a form's other fields beside its file.
const FORM_ROOM: usize = 64 * 1024;

/// The kinds of route, by what their bodies carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyClass {
    LogIn,
    Form,
    Evidence,
    Import,
}

impl BodyClass {
    /// The kind of a route. Unlisted routes take a form's limit, the safe default.
    pub fn of(method: &Method, path: &str) -> BodyClass {
        if method == Method::GET || method == Method::HEAD {
            return BodyClass::Form;
        }
        let path = path.trim_end_matches('/');
        match path {
            "/masuk" | "/lupa-sandi" => BodyClass::LogIn,
            p if p.starts_with("/sandi/") => BodyClass::LogIn,
            "/admin/impor" | "/anggaran/impor" | "/laporan/impor" => BodyClass::Import,
            // A report with its photo, the region's logo, an evidence file over the API.
            "/lapor" | "/admin/identitas" => BodyClass::Evidence,
            p if p.starts_with("/lapor/") && p.ends_with("/ubah") => BodyClass::Evidence,
            // A region's snapshot pushed by the level below.
            p if p.starts_with("/api/v1/sync/regions/") => BodyClass::Import,
            // A citizen's feedback with its photo.
            p if p.starts_with("/publik/") && p.ends_with("/masukan") => BodyClass::Evidence,
            p if p.starts_with("/api/v1/entries/") && p.ends_with("/evidence") => {
                BodyClass::Evidence
            }
            _ => BodyClass::Form,
        }
    }

    /// The largest body of the kind, in bytes.
    pub fn max_body(self, config: &crate::Config) -> usize {
        match self {
            BodyClass::LogIn => LOGIN_BODY_BYTES,
            BodyClass::Form => FORM_BODY_BYTES,
            // The file's own limit is checked with a message of its own; the
            // body may pass it by the form's other fields.
            BodyClass::Evidence => config.max_evidence_bytes + FORM_ROOM,
            BodyClass::Import => IMPORT_BODY_BYTES.max(config.max_evidence_bytes + FORM_ROOM),
        }
    }

    /// How long a request of the kind may take: an import has its reading
    /// time on top of the usual.
    pub fn time_limit(self, config: &crate::Config) -> Duration {
        match self {
            BodyClass::Import => config.request_time_limit + config.import_time_limit,
            _ => config.request_time_limit,
        }
    }
}

/// Bound the request's body by its route's kind and its time: a body over
/// the limit is answered 413 (before it is read when its length is declared),
/// a request past its time 503.
pub async fn bound(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let class = BodyClass::of(request.method(), request.uri().path());
    let max = class.max_body(&state.config);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    }
    // A body without a declared length is cut off at the limit while read;
    // the extractors answer 413 then.
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, max)));
    match tokio::time::timeout(class.time_limit(&state.config), next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the request took longer than the server allows",
        )
            .into_response(),
    }
}

/// An import's reading and checking ran past its time limit; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: reading and checking the file took longer than {seconds} s; nothing was imported")]
pub struct ImportTimedOut {
    /// The file, as the form or the command names it.
    pub file: String,
    pub seconds: u64,
}

/// Run an import's CPU work (parsing, checking) on a blocking thread within
/// `limit`. Past the limit the answer is [`ImportTimedOut`]: the caller writes
/// nothing. A result that comes after the limit counts as late too, so the
/// limit holds whether the work or the clock is seen first.
pub async fn run_import<T: Send + 'static>(
    file: &str,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImportTimedOut> {
    let started = Instant::now();
    let timed_out = || ImportTimedOut {
        file: file.to_owned(),
        seconds: limit.as_secs(),
    };
    // The thread cannot be stopped; its late result is dropped unread.
    let handle = tokio::task::spawn_blocking(work);
    match tokio::time::timeout(limit, handle).await {
        Ok(Ok(value)) if started.elapsed() <= limit => Ok(value),
        Ok(Err(panic)) if panic.is_panic() => std::panic::resume_unwind(panic.into_panic()),
        _ => Err(timed_out()),
    }
}

/// [`ImportTimedOut`] in the page's language.
pub fn timed_out_text(tr: &crate::i18n::Tr, late: &ImportTimedOut) -> String {
    tr.t_with(
        "import-timed-out",
        &[
            ("file", late.file.clone()),
            (
                "seconds",
                pantau_present::count(tr.lang, i64::try_from(late.seconds).unwrap_or(i64::MAX)),
            ),
        ],
    )
}

/// The first of `fields` (label, text, cap) longer than its cap, worded in
/// the page's language; `None` when all fit.
pub fn too_long(tr: &crate::i18n::Tr, fields: &[(String, &str, usize)]) -> Option<String> {
    fields.iter().find_map(|(label, text, max)| {
        let chars = text.chars().count();
        (chars > *max).then(|| {
            tr.t_with(
                "text-too-long",
                &[
                    ("field", label.clone()),
                    ("chars", pantau_present::count(tr.lang, chars as i64)),
                    ("max", pantau_present::count(tr.lang, *max as i64)),
                ],
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_sorted_by_what_their_bodies_carry() {
        let post = Method::POST;
        assert_eq!(BodyClass::of(&post, "/masuk"), BodyClass::LogIn);
        assert_eq!(BodyClass::of(&post, "/sandi/abc"), BodyClass::LogIn);
        assert_eq!(BodyClass::of(&post, "/lapor"), BodyClass::Evidence);
        assert_eq!(BodyClass::of(&post, "/lapor/12/ubah"), BodyClass::Evidence);
        assert_eq!(BodyClass::of(&post, "/lapor/12/hapus"), BodyClass::Form);
        assert_eq!(
            BodyClass::of(&post, "/api/v1/entries/3/evidence"),
            BodyClass::Evidence
        );
        assert_eq!(BodyClass::of(&post, "/anggaran/impor"), BodyClass::Import);
        assert_eq!(BodyClass::of(&post, "/rapat/x/y/z/tutup"), BodyClass::Form);
        assert_eq!(BodyClass::of(&Method::GET, "/lapor"), BodyClass::Form);
    }

    #[tokio::test]
    async fn an_import_past_its_limit_is_refused_naming_the_file() {
        let late = run_import("rencana.xlsx", Duration::from_nanos(1), || {
            std::thread::sleep(Duration::from_millis(5));
            1
        })
        .await;
        let err = late.unwrap_err();
        assert_eq!(err.file, "rencana.xlsx");
        assert!(err.to_string().starts_with("rencana.xlsx: "));
        let in_time = run_import("rencana.xlsx", Duration::from_secs(600), || 1).await;
        assert_eq!(in_time, Ok(1));
    }
}
