//! Citizen feedback (masukan warga): what the public form and the moderation
//! pages share. The flow itself (who takes which step, by when) is
//! `pantau_domain::feedback`; the store takes the steps. Here: the signed form
//! token, the tracking code, the sender's address key, the photo, deadlines
//! in the region's working days, the published thread under a target, and
//! the upkeep loop (automatic close, erasing personal data).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use pantau_domain::feedback::{Due, State, due, is_overdue};
use pantau_domain::model::Region;
use pantau_domain::workdays::WorkCalendar;
use pantau_store::feedback::{FeedbackCase, FeedbackFilter, NewFeedback};
use pantau_store::{Store, StoreError};
use sha2::Sha256;

use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};

/// The purpose a token of the public form is signed for.
pub const PURPOSE_SEND: &str = "send";

/// The purpose a token of a status page's buttons is signed for: one case.
pub fn purpose_track(code: &str) -> String {
    format!("track:{code}")
}

fn mac(secret: &[u8], region: &str, purpose: &str, issued: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("pantau-feedback\n{region}\n{purpose}\n{issued}").as_bytes());
    mac
}

/// A form token: the moment it was issued and a MAC over the moment, the
/// region and the purpose. It needs no session row and no cookie, so a
/// visitor of the public pages leaves nothing in the database; a token
/// taken from one region's (or one case's) page is worth nothing on another.
pub fn sign(secret: &[u8], region: &str, purpose: &str, issued: DateTime<Utc>) -> String {
    let issued = issued.timestamp();
    let tag = mac(secret, region, purpose, issued).finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("{issued}.{hex}")
}

/// Why a form token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Missing, malformed or not signed by this server for this page.
    Forged,
    /// Sent sooner after the form was opened than a person types.
    TooFast,
    /// Older than the form's lifetime (or issued in the future).
    Expired,
}

/// Check a token signed for `region` and `purpose`, sent at `now`.
pub fn check_token(
    secret: &[u8],
    region: &str,
    purpose: &str,
    token: Option<&str>,
    min_fill: std::time::Duration,
    max_age: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<(), TokenRefusal> {
    let (issued, hex) = token
        .and_then(|t| t.split_once('.'))
        .ok_or(TokenRefusal::Forged)?;
    let issued: i64 = issued.parse().map_err(|_| TokenRefusal::Forged)?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TokenRefusal::Forged);
    }
    let tag: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked as hex"))
        .collect();
    // Compared in constant time by the MAC itself.
    mac(secret, region, purpose, issued)
        .verify_slice(&tag)
        .map_err(|_| TokenRefusal::Forged)?;
    let age = now.timestamp() - issued;
    if age < 0 || age > max_age.as_secs() as i64 {
        return Err(TokenRefusal::Expired);
    }
    // Whole seconds on both sides: a token is refused until the full
    // minimum has passed.
    if (age as u64) < min_fill.as_secs() + u64::from(min_fill.subsec_nanos() > 0) {
        return Err(TokenRefusal::TooFast);
    }
    Ok(())
}

/// Crockford's base32 alphabet: no I, L, O or U to misread when a code is
/// copied from a phone's screen onto paper.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a tracking code: 60 random bits, not to be guessed.
pub const CODE_CHARS: usize = 12;

/// A new random tracking code.
pub fn new_tracking_code() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..CODE_CHARS)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..32)] as char)
        .collect()
}

/// Whether `code` looks like a tracking code at all (checked before the
/// database is asked).
pub fn is_tracking_code(code: &str) -> bool {
    code.len() == CODE_CHARS && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// The key of a sender's address for the rate limits: the address as the
/// log-in throttle keys it (an IPv6 /64 as one), hashed with the server's
/// key so that the database holds no address that could be read back.
pub fn address_hash(secret: &[u8], address: std::net::IpAddr) -> String {
    let key = crate::throttle::address_key(address);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("pantau-feedback-address\n{key}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether citizens may see a program of the region and send feedback on
/// it: only a published one (the admin's publication, `pantau publish`).
pub async fn program_is_public(
    state: &AppState,
    region: &Region,
    program: &str,
) -> Result<bool, PageError> {
    if !region.programs.iter().any(|p| p.code == program) {
        return Ok(false);
    }
    let published = state.store.publications(&region.code).await?;
    Ok(published.iter().any(|p| p.program == program))
}

/// What a case is about, as the form names it.
#[derive(Debug, Clone)]
pub struct Subject {
    pub program: String,
    pub program_name: String,
    /// The target's code and name, when the case is about a target.
    pub target: Option<(String, String)>,
    pub unit: String,
    pub unit_name: String,
}

/// The subject a form's query names: a target of the program, or a unit
/// that has a target in it; None when the program, target or unit is not
/// the region's or not public.
pub async fn subject_of(
    state: &AppState,
    region: &Region,
    program: Option<&str>,
    target: Option<&str>,
    unit: Option<&str>,
) -> Result<Option<Subject>, PageError> {
    let Some(program_code) = program.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    if !program_is_public(state, region, program_code).await? {
        return Ok(None);
    }
    let Some(program) = region.programs.iter().find(|p| p.code == program_code) else {
        return Ok(None);
    };
    let unit_of = |ix: u32| &region.units[ix as usize];
    let subject = match (target.map(str::trim).filter(|t| !t.is_empty()), unit) {
        (Some(target), _) => program.targets.iter().find(|t| t.code == target).map(|t| {
            let unit = unit_of(t.unit);
            Subject {
                program: program.code.clone(),
                program_name: program.name.clone(),
                target: Some((t.code.clone(), t.name.clone())),
                unit: unit.code.clone(),
                unit_name: unit.name.clone(),
            }
        }),
        (None, Some(unit)) => program
            .targets
            .iter()
            .map(|t| unit_of(t.unit))
            .find(|u| u.code == unit.trim())
            .map(|u| Subject {
                program: program.code.clone(),
                program_name: program.name.clone(),
                target: None,
                unit: u.code.clone(),
                unit_name: u.name.clone(),
            }),
        (None, None) => None,
    };
    Ok(subject)
}

/// A photo sent with a case: JPEG or PNG, its kind read from its first
/// bytes and its size within the evidence limit, as evidence is checked.
#[derive(Debug, Clone)]
pub struct Photo {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Why a photo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRefusal {
    TooLarge { max_mb: usize },
    NotAPhoto,
}

impl Photo {
    pub fn read(bytes: Vec<u8>, max_bytes: usize) -> Result<Photo, PhotoRefusal> {
        use super::entries::{EntryRefusal, EvidenceFile};
        match EvidenceFile::read("photo", bytes, max_bytes) {
            Ok(file) if file.content_type().starts_with("image/") => Ok(Photo {
                content_type: file.content_type(),
                bytes: file.bytes().to_vec(),
            }),
            Ok(_) | Err(EntryRefusal::EvidenceKind) => Err(PhotoRefusal::NotAPhoto),
            Err(EntryRefusal::EvidenceTooLarge { max_mb }) => {
                Err(PhotoRefusal::TooLarge { max_mb })
            }
            Err(_) => Err(PhotoRefusal::NotAPhoto),
        }
    }

    fn extension(&self) -> &'static str {
        if self.content_type == "image/png" {
            "png"
        } else {
            "jpg"
        }
    }
}

/// Write a photo where evidence is kept (outside any web root), under a
/// name of its own; the key is its path below the evidence folder.
async fn store_photo(state: &AppState, region: &str, photo: &Photo) -> Result<String, PageError> {
    let dir = state.config.evidence_dir.join(region);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(PageError::internal)?;
    let random: u64 = rand::random();
    let name = format!(
        "feedback-{}-{random:016x}.{}",
        Utc::now().timestamp_micros(),
        photo.extension()
    );
    tokio::fs::write(dir.join(&name), &photo.bytes)
        .await
        .map_err(PageError::internal)?;
    Ok(format!("{region}/{name}"))
}

/// Where a case's photo is on disk; None for a key not made by [`store_photo`].
pub fn photo_path(state: &AppState, key: &str) -> Option<std::path::PathBuf> {
    let (region, name) = key.split_once('/')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !s.contains("..")
    };
    (plain(region) && plain(name)).then(|| state.config.evidence_dir.join(region).join(name))
}

/// A case as the citizen sent it, before it is stored.
pub struct Sending<'a> {
    pub subject: &'a Subject,
    pub category: pantau_domain::feedback::Category,
    pub body: &'a str,
    pub name: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub anonymous: bool,
    pub confidential: bool,
    pub photo: Option<&'a Photo>,
    pub address_key: &'a str,
}

/// Store a case under a fresh tracking code (drawn again on the rare clash),
/// its photo first; a photo whose case is refused is removed again.
pub async fn send(
    state: &AppState,
    region: &str,
    sending: &Sending<'_>,
) -> Result<FeedbackCase, PageError> {
    let photo = match sending.photo {
        Some(photo) => Some((store_photo(state, region, photo).await?, photo.content_type)),
        None => None,
    };
    let new = NewFeedback {
        program: &sending.subject.program,
        target: sending.subject.target.as_ref().map(|t| t.0.as_str()),
        unit: &sending.subject.unit,
        category: sending.category,
        body: sending.body,
        sender_name: sending.name,
        sender_contact: sending.contact,
        anonymous: sending.anonymous,
        confidential: sending.confidential,
        photo: photo.as_ref().map(|(key, kind)| (key.as_str(), *kind)),
        address_key: sending.address_key,
    };
    let mut result = Err(StoreError::invalid("tracking_code", "is taken"));
    for _ in 0..5 {
        result = state
            .store
            .feedback_create(region, &new, &new_tracking_code(), Utc::now())
            .await;
        match &result {
            Err(StoreError::Invalid { field, .. }) if field == "tracking_code" => continue,
            _ => break,
        }
    }
    if result.is_err()
        && let Some(path) = photo.as_ref().and_then(|(key, _)| photo_path(state, key))
    {
        let _ = tokio::fs::remove_file(path).await;
    }
    Ok(result?)
}

/// A case's deadline and whether it has passed, in the region's working days.
pub fn deadline_of(
    cal: &WorkCalendar,
    tz: chrono_tz::Tz,
    case: &FeedbackCase,
    now: DateTime<Utc>,
) -> (Option<Due>, bool) {
    let when = due(
        cal,
        case.state,
        case.received_at.with_timezone(&tz).date_naive(),
        case.state_since.with_timezone(&tz).date_naive(),
    );
    (when, is_overdue(when, now.with_timezone(&tz).date_naive()))
}

/// States a case is still open in, waiting for the region.
pub const OPEN_STATES: [State; 5] = [
    State::Diterima,
    State::Diverifikasi,
    State::Ditunda,
    State::Didisposisikan,
    State::DibukaKembali,
];

/// New and overdue cases of a region, or of some of its units (a case
/// counts for the unit it is about or was dispatched to).
#[derive(Debug, Clone, Default)]
pub struct OpenCases {
    /// Received and not yet looked at (`diterima`).
    pub new: usize,
    /// Past the admin's or the unit's deadline.
    pub overdue: usize,
    /// Open cases, overdue first, then oldest first.
    pub cases: Vec<(FeedbackCase, bool)>,
}

pub async fn open_cases(
    state: &AppState,
    region: &str,
    units: Option<&[String]>,
) -> Result<OpenCases, PageError> {
    let store = &state.store;
    let model = state.evaluations.plan(store.as_ref(), region).await?;
    let cal = store.work_calendar(region).await?;
    let filter = FeedbackFilter {
        states: OPEN_STATES.to_vec(),
        ..Default::default()
    };
    let now = Utc::now();
    let mut cases: Vec<(FeedbackCase, bool)> = store
        .feedback_list(region, &filter)
        .await?
        .into_iter()
        .filter(|c| {
            units.is_none_or(|units| {
                units.contains(&c.unit)
                    || c.dispatched_unit
                        .as_ref()
                        .is_some_and(|d| units.contains(d))
            })
        })
        .map(|c| {
            let overdue = deadline_of(&cal, model.timezone, &c, now).1;
            (c, overdue)
        })
        .collect();
    cases.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.received_at.cmp(&b.0.received_at)));
    Ok(OpenCases {
        new: cases
            .iter()
            .filter(|(c, _)| c.state == State::Diterima)
            .count(),
        overdue: cases.iter().filter(|(_, overdue)| *overdue).count(),
        cases,
    })
}

/// A state in words.
pub fn state_label(tr: &Tr, state: State) -> String {
    tr.t(&format!("fb-state-{}", state.code().replace('_', "-")))
}

/// A category in words.
pub fn category_label(tr: &Tr, category: pantau_domain::feedback::Category) -> String {
    tr.t(&format!("fb-cat-{}", category.code().replace('_', "-")))
}

/// One case of a published thread: no name, no contact, no tracking code.
pub struct ThreadItem {
    pub category: String,
    pub received: String,
    pub body: String,
    pub state: String,
    pub answer: Option<String>,
    pub answered: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "feedback_thread.html")]
struct ThreadView<'a> {
    tr: Tr<'a>,
    items: Vec<ThreadItem>,
    /// The form's address for this target.
    form_link: String,
}

/// The published feedback thread under a target, as an HTML fragment for
/// the public indicator page (`{{ thread|safe }}`): the cases about it that
/// the admin verified and that are not confidential, with the unit's
/// answers, oldest first; never a name, contact or tracking code. Empty
/// of cases (but with the link to the form) when the program is not public.
pub async fn published_thread(
    state: &AppState,
    region: &str,
    program: &str,
    target: &str,
    lang: Lang,
) -> Result<String, PageError> {
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let model = state.evaluations.plan(state.store.as_ref(), region).await?;
    let public = program_is_public(state, &model, program).await?;
    let filter = FeedbackFilter {
        states: vec![
            State::Diverifikasi,
            State::Didisposisikan,
            State::Ditindaklanjuti,
            State::Selesai,
            State::DibukaKembali,
        ],
        target: Some((program.to_owned(), target.to_owned())),
        ..Default::default()
    };
    let mut items = Vec::new();
    if public {
        let mut cases = state.store.feedback_list(region, &filter).await?;
        cases.reverse();
        let tz = model.timezone;
        for case in cases.into_iter().filter(|c| !c.confidential) {
            items.push(ThreadItem {
                category: category_label(&tr, case.category),
                received: pantau_present::date(
                    lang,
                    case.received_at.with_timezone(&tz).date_naive(),
                ),
                body: case.body,
                state: state_label(&tr, case.state),
                answer: case.answer,
                answered: case
                    .answered_at
                    .map(|at| pantau_present::date(lang, at.with_timezone(&tz).date_naive())),
            });
        }
    }
    let view = ThreadView {
        tr,
        items,
        form_link: format!(
            "/publik/{}/masukan?program={}&target={}",
            super::figures::encode(region),
            super::figures::encode(program),
            super::figures::encode(target)
        ),
    };
    askama::Template::render(&view).map_err(PageError::internal)
}

/// One round of upkeep: close answered cases left without reply in every
/// region, and erase the personal data of cases closed longer ago than the
/// retention period.
pub async fn upkeep_once(
    store: &dyn Store,
    retention_days: u32,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    let mut closed = 0;
    for region in store.regions().await? {
        closed += store.feedback_close_unanswered(&region.code, now).await?;
    }
    let before = now - chrono::Duration::days(i64::from(retention_days));
    let erased = store.feedback_erase_personal(before, now).await?;
    Ok((closed, erased))
}

/// Run [`upkeep_once`] hourly beside the server, on every app server alike:
/// each close and erasure is one transaction that finds nothing left to do
/// when another server did it first.
pub async fn feedback_upkeep(state: AppState) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match upkeep_once(
            state.store.as_ref(),
            state.config.feedback_retention_days,
            Utc::now(),
        )
        .await
        {
            Ok((closed, erased)) if closed + erased > 0 => {
                tracing::info!("feedback upkeep: {closed} closed, {erased} erased");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("feedback upkeep failed: {err}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const KEY: &[u8] = b"a key of the tests";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + seconds, 0).unwrap()
    }

    fn check(token: &str, region: &str, purpose: &str, now: i64) -> Result<(), TokenRefusal> {
        check_token(
            KEY,
            region,
            purpose,
            Some(token),
            Duration::from_secs(3),
            Duration::from_secs(3600),
            at(now),
        )
    }

    #[test]
    fn tokens_hold_only_for_their_region_purpose_and_time() {
        let token = sign(KEY, "3275", PURPOSE_SEND, at(0));
        assert_eq!(check(&token, "3275", PURPOSE_SEND, 3), Ok(()));
        assert_eq!(
            check(&token, "3275", PURPOSE_SEND, 2),
            Err(TokenRefusal::TooFast)
        );
        assert_eq!(
            check(&token, "3275", PURPOSE_SEND, 3601),
            Err(TokenRefusal::Expired)
        );
        assert_eq!(
            check(&token, "3276", PURPOSE_SEND, 5),
            Err(TokenRefusal::Forged)
        );
        assert_eq!(
            check(&token, "3275", &purpose_track("ABC"), 5),
            Err(TokenRefusal::Forged)
        );
        // A moment moved back to pass the minimum breaks the MAC.
        let (_, tag) = token.split_once('.').unwrap();
        let moved = format!("{}.{tag}", at(-10).timestamp());
        assert_eq!(
            check(&moved, "3275", PURPOSE_SEND, 3),
            Err(TokenRefusal::Forged)
        );
        let other_key = sign(b"another key", "3275", PURPOSE_SEND, at(0));
        assert_eq!(
            check(&other_key, "3275", PURPOSE_SEND, 5),
            Err(TokenRefusal::Forged)
        );
        for junk in ["", "x", "1.zz", "abc.def"] {
            assert_eq!(
                check(junk, "3275", PURPOSE_SEND, 5),
                Err(TokenRefusal::Forged)
            );
        }
    }

    #[test]
    fn tracking_codes_are_random_and_recognised() {
        let a = new_tracking_code();
        let b = new_tracking_code();
        assert_ne!(a, b);
        assert!(is_tracking_code(&a) && is_tracking_code(&b));
        assert!(
            !is_tracking_code("ABCDEFGHIJKL"),
            "I and L are not in the alphabet"
        );
        assert!(!is_tracking_code("../../etc/pa"));
    }

    #[test]
    fn address_keys_hide_the_address_and_join_an_ipv6_block() {
        let a = address_hash(KEY, "2001:db8::1".parse().unwrap());
        let b = address_hash(KEY, "2001:db8::2".parse().unwrap());
        let c = address_hash(KEY, "192.0.2.7".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(!c.contains("192"));
    }

    #[test]
    fn photos_are_pictures_within_the_limit() {
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        assert_eq!(
            Photo::read(png.clone(), 100).unwrap().content_type,
            "image/png"
        );
        assert_eq!(
            Photo::read(png, 5).unwrap_err(),
            PhotoRefusal::TooLarge { max_mb: 0 }
        );
        assert_eq!(
            Photo::read(b"%PDF-1.4".to_vec(), 100).unwrap_err(),
            PhotoRefusal::NotAPhoto
        );
    }
}
