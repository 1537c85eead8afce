//! Citizen feedback pages. Public, without log-in or session row: the form
//! under `/publik/{region}/masukan` and a case's status page under its
//! tracking code. Logged in: the moderation list and a case's page for the
//! region's admin (verify, hold, decline, archive, dispatch) and for the
//! operator of the unit a case went to (answer), and the admin's holiday
//! calendar. The steps and their rules are the domain's; the store audits them.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use pantau_domain::feedback::{Action, Category, Party, State as CaseState, StepRefused, step};
use pantau_domain::model::Region;
use pantau_domain::workdays::{Holiday, HolidayKind};
use pantau_store::StoreError;
use pantau_store::feedback::{FeedbackCase, FeedbackFilter, StepBy};
use serde::Deserialize;

use super::{Nav, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::client::ClientAddr;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::feedback::{
    self as service, Photo, PhotoRefusal, Sending, Subject, TokenRefusal, category_label,
    state_label,
};
use crate::visitor::Visitor;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/publik/{region}/masukan", get(form).post(send))
        .route(
            "/publik/{region}/masukan/{code}",
            get(status).post(citizen_reply),
        )
        .route("/masukan", get(list))
        .route("/masukan/hari-libur", get(holidays).post(change_holidays))
        .route("/masukan/kasus/{code}", get(case_page).post(take_step))
        .route("/masukan/kasus/{code}/foto", get(photo))
}

fn tr(state: &AppState, lang: Lang) -> Tr<'_> {
    Tr {
        catalog: &state.i18n,
        lang,
    }
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

// ---------------------------------------------------------------- the form

#[derive(Deserialize, Default)]
pub struct SubjectQuery {
    program: Option<String>,
    target: Option<String>,
    unit: Option<String>,
}

#[derive(Default, Clone)]
struct Values {
    category: String,
    body: String,
    name: String,
    contact: String,
    anonymous: bool,
    confidential: bool,
}

#[derive(Template)]
#[template(path = "feedback_form.html")]
struct FormPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    region: String,
    subject: Subject,
    token: String,
    error: Option<String>,
    values: Values,
    categories: Vec<(&'static str, String)>,
    max_mb: String,
}

async fn public_region(
    state: &AppState,
    region: &str,
) -> Result<std::sync::Arc<Region>, PageError> {
    state.evaluations.plan(state.store.as_ref(), region).await
}

fn form_page<'a>(
    state: &'a AppState,
    lang: Lang,
    region: &str,
    subject: Subject,
    values: Values,
    error: Option<String>,
) -> FormPage<'a> {
    let tr = tr(state, lang);
    let categories = Category::ALL
        .into_iter()
        .map(|c| (c.code(), category_label(&tr, c)))
        .collect();
    let max = state.config.max_evidence_bytes as f64 / (1024.0 * 1024.0);
    FormPage {
        token: service::sign(
            &state.config.feedback_secret,
            region,
            service::PURPOSE_SEND,
            Utc::now(),
        ),
        tr,
        nav: None,
        region: region.to_owned(),
        subject,
        error,
        values,
        categories,
        max_mb: format!("{}", (max * 10.0).round() / 10.0),
    }
}

async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(region): Path<String>,
    Query(query): Query<SubjectQuery>,
) -> Result<Response, PageError> {
    let model = public_region(&state, &region).await?;
    let subject = service::subject_of(
        &state,
        &model,
        query.program.as_deref(),
        query.target.as_deref(),
        query.unit.as_deref(),
    )
    .await?
    .ok_or(PageError::NotFound)?;
    render(&form_page(
        &state,
        visitor.lang,
        &region,
        subject,
        Values {
            category: Category::Aspirasi.code().to_owned(),
            ..Default::default()
        },
        None,
    ))
}

#[derive(Template)]
#[template(path = "feedback_sent.html")]
struct SentPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    region: String,
    code: String,
}

#[derive(Default)]
struct Posted {
    token: Option<String>,
    honeypot: String,
    subject: SubjectQuery,
    values: Values,
    photo: Option<Result<Photo, PhotoRefusal>>,
}

async fn read_posted(mut multipart: Multipart, max_bytes: usize) -> Posted {
    let mut posted = Posted::default();
    let too_large = PhotoRefusal::TooLarge {
        max_mb: max_bytes / (1024 * 1024),
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // A body over the limit breaks off in the middle: the photo was too large.
            Err(_) => {
                posted.photo = Some(Err(too_large));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            match field.bytes().await {
                Ok(bytes) if bytes.is_empty() => {}
                Ok(bytes) => posted.photo = Some(Photo::read(bytes.to_vec(), max_bytes)),
                Err(_) => {
                    posted.photo = Some(Err(too_large));
                    break;
                }
            }
            continue;
        }
        let Ok(text) = field.text().await else {
            break;
        };
        let values = &mut posted.values;
        match name.as_str() {
            "token" => posted.token = Some(text),
            "website" => posted.honeypot = text,
            "program" => posted.subject.program = Some(text),
            "target" => posted.subject.target = Some(text),
            "unit" => posted.subject.unit = Some(text),
            "category" => values.category = text,
            "body" => values.body = text,
            "name" => values.name = text,
            "contact" => values.contact = text,
            "anonymous" => values.anonymous = text == "1",
            "confidential" => values.confidential = text == "1",
            _ => {}
        }
    }
    posted
}

fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// Check a form as a person would be told: the first field wrong, named.
fn check_values(tr: &Tr, values: &Values) -> Result<Category, String> {
    let field = |key: &str| tr.t(key);
    let category = Category::parse(&values.category)
        .ok_or_else(|| tr.t_with("fb-err-choose", &[("field", field("fb-category"))]))?;
    let body = values.body.trim();
    if body.is_empty() {
        return Err(tr.t_with("fb-err-empty", &[("field", field("fb-body"))]));
    }
    let long = |key: &str, text: &str, max: usize| {
        let chars = text.chars().count();
        (chars > max).then(|| {
            tr.t_with(
                "fb-err-too-long",
                &[
                    ("field", field(key)),
                    ("chars", chars.to_string()),
                    ("max", max.to_string()),
                ],
            )
        })
    };
    if let Some(message) = long("fb-body", body, pantau_store::feedback::FEEDBACK_TEXT_CHARS)
        .or_else(|| long("fb-name", values.name.trim(), 200))
        .or_else(|| long("fb-contact", values.contact.trim(), 200))
    {
        return Err(message);
    }
    Ok(category)
}

async fn send(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientAddr(client): ClientAddr,
    Path(region): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let lang = visitor.lang;
    let model = public_region(&state, &region).await?;
    let posted = read_posted(multipart, state.config.max_evidence_bytes).await;
    let subject = service::subject_of(
        &state,
        &model,
        posted.subject.program.as_deref(),
        posted.subject.target.as_deref(),
        posted.subject.unit.as_deref(),
    )
    .await?
    .ok_or(PageError::NotFound)?;
    let sent = |code: String| {
        render(&SentPage {
            tr: tr(&state, lang),
            nav: None,
            region: region.clone(),
            code,
        })
    };
    // A filled honeypot is a script: it is told what a person is told, and
    // nothing is kept.
    if !posted.honeypot.trim().is_empty() {
        return sent(service::new_tracking_code());
    }
    let tr = tr(&state, lang);
    let refuse = |message: String, status: StatusCode| -> Result<Response, PageError> {
        let page = form_page(
            &state,
            lang,
            &region,
            subject.clone(),
            posted.values.clone(),
            Some(message),
        );
        Ok(with_status(render(&page)?, status))
    };
    let config = &state.config;
    match service::check_token(
        &config.feedback_secret,
        &region,
        service::PURPOSE_SEND,
        posted.token.as_deref(),
        config.feedback_min_fill,
        config.feedback_form_max_age,
        Utc::now(),
    ) {
        Ok(()) => {}
        Err(TokenRefusal::TooFast) => {
            return refuse(tr.t("fb-err-too-fast"), StatusCode::BAD_REQUEST);
        }
        Err(TokenRefusal::Expired) => {
            return refuse(tr.t("fb-err-expired"), StatusCode::FORBIDDEN);
        }
        Err(TokenRefusal::Forged) => return Err(PageError::Csrf),
    }
    let address_key = service::address_hash(&config.feedback_secret, client);
    let counts = state
        .store
        .feedback_counts(
            &region,
            &address_key,
            Utc::now() - chrono::Duration::hours(1),
        )
        .await?;
    if counts.from_address >= config.feedback_per_address_hour
        || counts.in_region >= config.feedback_per_region_hour
    {
        let key = if counts.from_address >= config.feedback_per_address_hour {
            "fb-err-rate-address"
        } else {
            "fb-err-rate-region"
        };
        let mut response = refuse(tr.t(key), StatusCode::TOO_MANY_REQUESTS)?;
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, 3600.into());
        return Ok(response);
    }
    let category = match check_values(&tr, &posted.values) {
        Ok(category) => category,
        Err(message) => return refuse(message, StatusCode::BAD_REQUEST),
    };
    let photo = match posted.photo.clone().transpose() {
        Ok(photo) => photo,
        Err(refusal) => {
            let message = match refusal {
                PhotoRefusal::TooLarge { .. } => tr.t_with(
                    "fb-err-photo-large",
                    &[(
                        "max",
                        form_page(
                            &state,
                            lang,
                            &region,
                            subject.clone(),
                            Values::default(),
                            None,
                        )
                        .max_mb,
                    )],
                ),
                PhotoRefusal::NotAPhoto => tr.t("fb-err-photo-kind"),
            };
            return refuse(message, StatusCode::BAD_REQUEST);
        }
    };
    let values = &posted.values;
    let case = service::send(
        &state,
        &region,
        &Sending {
            subject: &subject,
            category,
            body: values.body.trim(),
            name: optional(&values.name),
            contact: optional(&values.contact),
            anonymous: values.anonymous,
            confidential: values.confidential,
            photo: photo.as_ref(),
            address_key: &address_key,
        },
    )
    .await?;
    sent(case.tracking_code)
}

// ------------------------------------------------------------ status page

pub struct StepView {
    pub when: String,
    pub label: String,
    pub text: Option<String>,
    /// The person who took it: shown to staff, never publicly.
    pub actor: String,
}

/// What a case's page shows to anyone holding it.
pub struct CaseView {
    pub code: String,
    pub subject: String,
    pub unit_name: String,
    pub dispatched_name: Option<String>,
    pub category: String,
    pub received: String,
    pub state: String,
    pub body: String,
    pub answer: Option<String>,
    pub answered: Option<String>,
    /// "15 Juli 2025 (unit)" when someone owes a step.
    pub deadline: Option<String>,
    pub overdue: bool,
    pub steps: Vec<StepView>,
    pub has_photo: bool,
}

fn unit_name(model: &Region, code: &str) -> String {
    model
        .units
        .iter()
        .find(|u| u.code == code)
        .map_or_else(|| code.to_owned(), |u| u.name.clone())
}

async fn case_view(
    state: &AppState,
    tr: &Tr<'_>,
    region: &str,
    model: &Region,
    case: &FeedbackCase,
) -> Result<CaseView, PageError> {
    let lang = tr.lang;
    let tz = model.timezone;
    let cal = state.store.work_calendar(region).await?;
    let (due, overdue) = service::deadline_of(&cal, tz, case, Utc::now());
    let program = model.programs.iter().find(|p| p.code == case.program);
    let subject = match (&case.target, program) {
        (Some(target), Some(program)) => program
            .targets
            .iter()
            .find(|t| &t.code == target)
            .map_or_else(|| target.clone(), |t| t.name.clone()),
        _ => unit_name(model, &case.unit),
    };
    let steps = case
        .steps
        .iter()
        .map(|s| StepView {
            when: pantau_present::moment(lang, tz, s.at),
            label: tr.t(&format!("fb-step-{}", s.action.replace('_', "-"))),
            text: if s.action == "dispatch" {
                s.text.as_deref().map(|u| unit_name(model, u))
            } else {
                s.text.clone()
            },
            actor: s.actor.clone(),
        })
        .collect();
    Ok(CaseView {
        code: case.tracking_code.clone(),
        subject,
        unit_name: unit_name(model, &case.unit),
        dispatched_name: case.dispatched_unit.as_deref().map(|u| unit_name(model, u)),
        category: category_label(tr, case.category),
        received: pantau_present::moment(lang, tz, case.received_at),
        state: state_label(tr, case.state),
        body: case.body.clone(),
        answer: case.answer.clone(),
        answered: case
            .answered_at
            .map(|at| pantau_present::moment(lang, tz, at)),
        deadline: due.map(|d| {
            let who = match d.party {
                Party::Admin => tr.t("fb-party-admin"),
                Party::Unit => tr.t("fb-party-unit"),
                Party::Citizen | Party::System => tr.t("fb-party-system"),
            };
            format!("{} ({who})", pantau_present::date(lang, d.by))
        }),
        overdue,
        steps,
        has_photo: case.photo_key.is_some(),
    })
}

#[derive(Template)]
#[template(path = "feedback_status.html")]
struct StatusPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    region: String,
    case: CaseView,
    can_reply: bool,
    token: String,
    error: Option<String>,
    done: Option<String>,
}

async fn find_case(state: &AppState, region: &str, code: &str) -> Result<FeedbackCase, PageError> {
    let code = code.trim().to_ascii_uppercase();
    if !service::is_tracking_code(&code) {
        return Err(PageError::NotFound);
    }
    state
        .store
        .feedback_case(region, &code)
        .await?
        .ok_or(PageError::NotFound)
}

async fn status_page(
    state: &AppState,
    lang: Lang,
    region: &str,
    case: &FeedbackCase,
    error: Option<String>,
    done: Option<String>,
) -> Result<Response, PageError> {
    let model = public_region(state, region).await?;
    let tr = tr(state, lang);
    let view = case_view(state, &tr, region, &model, case).await?;
    render(&StatusPage {
        token: service::sign(
            &state.config.feedback_secret,
            region,
            &service::purpose_track(&case.tracking_code),
            Utc::now(),
        ),
        tr,
        nav: None,
        region: region.to_owned(),
        case: view,
        can_reply: case.state == CaseState::Ditindaklanjuti,
        error,
        done,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn status(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((region, code)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let case = find_case(&state, &region, &code).await?;
    let tr = tr(&state, visitor.lang);
    let done = query.done.as_deref().map(|_| tr.t("fb-step-saved"));
    status_page(&state, visitor.lang, &region, &case, None, done).await
}

#[derive(Deserialize)]
pub struct ReplyForm {
    token: Option<String>,
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn citizen_reply(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((region, code)): Path<(String, String)>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, PageError> {
    let case = find_case(&state, &region, &code).await?;
    let code = case.tracking_code.clone();
    let config = &state.config;
    // The status page's own signed token: a form of another page, or made
    // up, does not move the case. No minimum time: a citizen may accept at once.
    match service::check_token(
        &config.feedback_secret,
        &region,
        &service::purpose_track(&code),
        form.token.as_deref(),
        std::time::Duration::ZERO,
        config.feedback_form_max_age,
        Utc::now(),
    ) {
        Ok(()) => {}
        Err(TokenRefusal::Expired) => {
            let message = tr(&state, visitor.lang).t("fb-err-expired");
            let response =
                status_page(&state, visitor.lang, &region, &case, Some(message), None).await?;
            return Ok(with_status(response, StatusCode::FORBIDDEN));
        }
        Err(_) => return Err(PageError::Csrf),
    }
    let action = match form.decision.as_str() {
        "accept" => Action::Accept,
        "reopen" => Action::Reopen {
            reason: form.reason.clone(),
        },
        _ => return Err(PageError::BadRequest("decision: accept or reopen".into())),
    };
    let citizen = pantau_store::Actor {
        user_id: None,
        label: "warga".into(),
    };
    let by = StepBy {
        party: Party::Citizen,
        unit: None,
        actor: &citizen,
    };
    let tr = tr(&state, visitor.lang);
    match state
        .store
        .feedback_step(&region, &code, &action, &by, Utc::now())
        .await
    {
        Ok(Ok(_)) => Ok(Redirect::to(&format!(
            "/publik/{}/masukan/{code}?done=1",
            crate::service::figures::encode(&region)
        ))
        .into_response()),
        Ok(Err(refused)) => {
            let message = refusal_text(&tr, &refused);
            let response =
                status_page(&state, visitor.lang, &region, &case, Some(message), None).await?;
            Ok(with_status(response, StatusCode::BAD_REQUEST))
        }
        Err(StoreError::Invalid { field, message }) => {
            let text = format!("{}: {message}", field_label(&tr, &field));
            let response =
                status_page(&state, visitor.lang, &region, &case, Some(text), None).await?;
            Ok(with_status(response, StatusCode::BAD_REQUEST))
        }
        Err(err) => Err(err.into()),
    }
}

fn field_label(tr: &Tr, field: &str) -> String {
    match field {
        "reason" => tr.t("fb-reason"),
        "unit" => tr.t("fb-unit"),
        "answer" => tr.t("fb-answer"),
        other => other.to_owned(),
    }
}

fn refusal_text(tr: &Tr, refused: &StepRefused) -> String {
    match refused {
        StepRefused::Empty(field) => {
            tr.t_with("fb-err-empty", &[("field", field_label(tr, field))])
        }
        StepRefused::NotNow { state, .. } => {
            tr.t_with("fb-err-not-now", &[("state", state_label(tr, *state))])
        }
        StepRefused::NotYours { .. } => tr.t("error-forbidden-text"),
    }
}

// ------------------------------------------------------------- moderation

/// Who moderates: the region's admin, or the operator of a unit.
enum Moderator<'a> {
    Admin,
    Unit(&'a str),
}

async fn moderator<'a>(
    state: &AppState,
    user: &'a CurrentUser,
    attempted: &str,
) -> Result<Moderator<'a>, PageError> {
    if user.admin().is_some() {
        return Ok(Moderator::Admin);
    }
    if let Some(op) = user.operator() {
        return Ok(Moderator::Unit(op.unit));
    }
    Err(user.deny(state, attempted).await)
}

pub struct ListRow {
    pub code: String,
    pub received: String,
    pub category: String,
    pub state: String,
    pub subject: String,
    pub unit: String,
    pub deadline: Option<String>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "feedback_list.html")]
struct ListPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    admin: bool,
    rows: Vec<ListRow>,
    states: Vec<(&'static str, String, bool)>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    state: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let who = moderator(&state, &user, "feedback_list").await?;
    let region = user.region().to_owned();
    let lang = crate::visitor::current_lang();
    let tr = tr(&state, lang);
    let model = public_region(&state, &region).await?;
    let chosen = query.state.as_deref().and_then(CaseState::parse);
    let filter = FeedbackFilter {
        states: match chosen {
            Some(s) => vec![s],
            None => Vec::new(),
        },
        unit: match who {
            Moderator::Unit(unit) => Some(unit.to_owned()),
            Moderator::Admin => None,
        },
        ..Default::default()
    };
    let cal = state.store.work_calendar(&region).await?;
    let now = Utc::now();
    let tz = model.timezone;
    let mut cases: Vec<(FeedbackCase, bool, Option<String>)> = state
        .store
        .feedback_list(&region, &filter)
        .await?
        .into_iter()
        // An operator sees the cases sent to the unit, not all about it.
        .filter(|c| match who {
            Moderator::Unit(unit) => c.dispatched_unit.as_deref() == Some(unit),
            Moderator::Admin => true,
        })
        .map(|c| {
            let (due, overdue) = service::deadline_of(&cal, tz, &c, now);
            let deadline = due.map(|d| pantau_present::date(lang, d.by));
            (c, overdue, deadline)
        })
        .collect();
    // Overdue first, then open before closed, newest first within each.
    cases.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0.state.is_closed().cmp(&b.0.state.is_closed()))
            .then(b.0.received_at.cmp(&a.0.received_at))
    });
    let rows = cases
        .into_iter()
        .map(|(c, overdue, deadline)| {
            let subject = c.target.clone().unwrap_or_else(|| c.unit.clone());
            ListRow {
                received: pantau_present::moment(lang, tz, c.received_at),
                category: category_label(&tr, c.category),
                state: state_label(&tr, c.state),
                subject: format!("{} · {subject}", c.program),
                unit: c.dispatched_unit.clone().unwrap_or_else(|| c.unit.clone()),
                deadline,
                overdue,
                code: c.tracking_code,
            }
        })
        .collect();
    let states = CaseState::ALL
        .into_iter()
        .map(|s| (s.code(), state_label(&tr, s), Some(s) == chosen))
        .collect();
    let nav = Nav::of(&user).await?;
    render(&ListPage {
        tr,
        nav: Some(nav),
        admin: matches!(who, Moderator::Admin),
        rows,
        states,
    })
}

#[derive(Template)]
#[template(path = "feedback_case.html")]
struct CasePage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    case: CaseView,
    /// The sender as staff may see them: None when anonymous, confidential
    /// to the unit, or erased.
    sender: Option<(String, String)>,
    confidential: bool,
    anonymous: bool,
    /// The admin's steps open now: verify, hold, decline, archive, dispatch.
    admin_steps: Vec<&'static str>,
    can_answer: bool,
    units: Vec<(String, String, bool)>,
    error: Option<String>,
    done: Option<String>,
    csrf: String,
    reason: String,
    answer: String,
}

/// The case, if this moderator may open it: the admin any of the region,
/// an operator those dispatched to the unit.
async fn moderated_case(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    attempted: &str,
) -> Result<FeedbackCase, PageError> {
    let who = moderator(state, user, attempted).await?;
    let case = find_case(state, user.region(), code).await?;
    if let Moderator::Unit(unit) = who
        && case.dispatched_unit.as_deref() != Some(unit)
    {
        return Err(user.deny(state, attempted).await);
    }
    Ok(case)
}

fn sample_action(code: &str) -> Option<Action> {
    let text = || "-".to_owned();
    Some(match code {
        "verify" => Action::Verify,
        "hold" => Action::Hold { reason: text() },
        "decline" => Action::Decline { reason: text() },
        "archive" => Action::Archive { reason: text() },
        "dispatch" => Action::Dispatch { unit: text() },
        "answer" => Action::Answer { text: text() },
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
async fn case_page_of(
    state: &AppState,
    user: &CurrentUser,
    case: &FeedbackCase,
    error: Option<String>,
    done: Option<String>,
    reason: String,
    answer: String,
) -> Result<Response, PageError> {
    let region = user.region();
    let lang = crate::visitor::current_lang();
    let tr = tr(state, lang);
    let model = public_region(state, region).await?;
    let admin = user.admin().is_some();
    let view = case_view(state, &tr, region, &model, case).await?;
    let sender = if case.anonymous || (case.confidential && !admin) {
        None
    } else {
        Some((
            case.sender_name.clone().unwrap_or_default(),
            case.sender_contact.clone().unwrap_or_default(),
        ))
    }
    .filter(|(n, c)| !n.is_empty() || !c.is_empty());
    let open = |code: &str, party: Party| {
        sample_action(code).is_some_and(|a| step(case.state, &a, party).is_ok())
    };
    let admin_steps = if admin {
        ["verify", "hold", "decline", "archive", "dispatch"]
            .into_iter()
            .filter(|c| open(c, Party::Admin))
            .collect()
    } else {
        Vec::new()
    };
    let can_answer = user
        .operator()
        .is_some_and(|op| case.dispatched_unit.as_deref() == Some(op.unit))
        && open("answer", Party::Unit);
    let mut units: Vec<(String, String, bool)> = model
        .units
        .iter()
        .map(|u| {
            let chosen = case.dispatched_unit.as_deref().unwrap_or(&case.unit) == u.code;
            (u.code.clone(), u.name.clone(), chosen)
        })
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    let nav = Nav::of(user).await?;
    let csrf = nav.csrf.clone();
    render(&CasePage {
        tr,
        nav: Some(nav),
        case: view,
        sender,
        confidential: case.confidential,
        anonymous: case.anonymous,
        admin_steps,
        can_answer,
        units,
        error,
        done,
        csrf,
        reason,
        answer,
    })
}

async fn case_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let case = moderated_case(&state, &user, &code, "feedback_case").await?;
    let done = query
        .done
        .as_deref()
        .map(|_| tr(&state, crate::visitor::current_lang()).t("fb-step-saved"));
    case_page_of(
        &state,
        &user,
        &case,
        None,
        done,
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: Option<String>,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    answer: String,
}

async fn take_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let attempted = format!("feedback_{}", form.action);
    let case = moderated_case(&state, &user, &code, &attempted).await?;
    let action = match form.action.as_str() {
        "verify" => Action::Verify,
        "hold" => Action::Hold {
            reason: form.reason.clone(),
        },
        "decline" => Action::Decline {
            reason: form.reason.clone(),
        },
        "archive" => Action::Archive {
            reason: form.reason.clone(),
        },
        "dispatch" => Action::Dispatch {
            unit: form.unit.clone(),
        },
        "answer" => Action::Answer {
            text: form.answer.clone(),
        },
        _ => return Err(PageError::BadRequest("action: unknown step".into())),
    };
    // The role decides the party: an operator cannot take the admin's steps,
    // nor the admin answer for a unit.
    let operator = user.operator();
    let (party, unit) = match (&user.admin(), &operator) {
        (Some(_), _) => (Party::Admin, None),
        (None, Some(op)) => (Party::Unit, Some(op.unit)),
        (None, None) => return Err(user.deny(&state, &attempted).await),
    };
    if action.party() != party {
        return Err(user.deny(&state, &attempted).await);
    }
    let actor = user.actor();
    let by = StepBy {
        party,
        unit,
        actor: &actor,
    };
    let lang = crate::visitor::current_lang();
    let tr = tr(&state, lang);
    let refused = match state
        .store
        .feedback_step(user.region(), &case.tracking_code, &action, &by, Utc::now())
        .await
    {
        Ok(Ok(_)) => {
            return Ok(
                Redirect::to(&format!("/masukan/kasus/{}?done=1", case.tracking_code))
                    .into_response(),
            );
        }
        Ok(Err(StepRefused::NotYours { .. })) => {
            return Err(user.deny(&state, &attempted).await);
        }
        Ok(Err(refused)) => refusal_text(&tr, &refused),
        Err(StoreError::Invalid { field, message }) => {
            format!("{}: {message}", field_label(&tr, &field))
        }
        Err(err) => return Err(err.into()),
    };
    let response = case_page_of(
        &state,
        &user,
        &case,
        Some(refused),
        None,
        form.reason,
        form.answer,
    )
    .await?;
    Ok(with_status(response, StatusCode::BAD_REQUEST))
}

async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let case = moderated_case(&state, &user, &code, "feedback_photo").await?;
    let (Some(key), Some(kind)) = (&case.photo_key, &case.photo_type) else {
        return Err(PageError::NotFound);
    };
    let path = service::photo_path(&state, key).ok_or(PageError::NotFound)?;
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|_| PageError::NotFound)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind.clone()),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

// --------------------------------------------------------------- holidays

pub struct HolidayRow {
    pub date: String,
    pub date_text: String,
    pub name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "feedback_holidays.html")]
struct HolidaysPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    rows: Vec<HolidayRow>,
    error: Option<String>,
    csrf: String,
    date: String,
    name: String,
}

async fn holidays_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    date: String,
    name: String,
) -> Result<Response, PageError> {
    let lang = crate::visitor::current_lang();
    let tr = tr(state, lang);
    let cal = state.store.work_calendar(user.region()).await?;
    let rows = cal
        .holidays()
        .map(|h| HolidayRow {
            date: h.date.to_string(),
            date_text: pantau_present::date(lang, h.date),
            name: h.name.clone(),
            kind: tr.t(match h.kind {
                HolidayKind::National => "fb-holiday-national",
                HolidayKind::CutiBersama => "fb-holiday-cuti",
                HolidayKind::Regional => "fb-holiday-regional",
            }),
        })
        .collect();
    let nav = Nav::of(user).await?;
    let csrf = nav.csrf.clone();
    render(&HolidaysPage {
        tr,
        nav: Some(nav),
        rows,
        error,
        csrf,
        date,
        name,
    })
}

async fn holidays(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "holidays").await);
    }
    holidays_page(&state, &user, None, String::new(), String::new()).await
}

#[derive(Deserialize)]
pub struct HolidayForm {
    csrf: Option<String>,
    op: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
}

async fn change_holidays(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<HolidayForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    if user.admin().is_none() {
        return Err(user.deny(&state, "set_holidays").await);
    }
    let tr = tr(&state, crate::visitor::current_lang());
    let refuse = |message: String| async {
        let response = holidays_page(
            &state,
            &user,
            Some(message),
            form.date.clone(),
            form.name.clone(),
        )
        .await?;
        Ok::<_, PageError>(with_status(response, StatusCode::BAD_REQUEST))
    };
    let Ok(date) = form.date.trim().parse::<NaiveDate>() else {
        return refuse(tr.t_with(
            "fb-err-date",
            &[
                ("field", tr.t("fb-holiday-date")),
                ("text", form.date.clone()),
            ],
        ))
        .await;
    };
    let cal = state.store.work_calendar(user.region()).await?;
    let mut list: Vec<Holiday> = cal.holidays().cloned().collect();
    match form.op.as_str() {
        "add" => {
            if form.name.trim().is_empty() {
                return refuse(tr.t_with("fb-err-empty", &[("field", tr.t("fb-holiday-name"))]))
                    .await;
            }
            if list.iter().any(|h| h.date == date) {
                return refuse(tr.t_with(
                    "fb-err-holiday-twice",
                    &[("date", pantau_present::date(tr.lang, date))],
                ))
                .await;
            }
            list.push(Holiday {
                date,
                name: form.name.trim().to_owned(),
                kind: HolidayKind::Regional,
            });
            list.sort_by_key(|h| h.date);
        }
        "remove" => list.retain(|h| h.date != date),
        _ => return Err(PageError::BadRequest("op: add or remove".into())),
    }
    match state
        .store
        .set_holidays(user.region(), &list, &user.actor())
        .await
    {
        Ok(()) => Ok(Redirect::to("/masukan/hari-libur").into_response()),
        Err(StoreError::Invalid { field, message }) => refuse(format!("{field}: {message}")).await,
        Err(err) => Err(err.into()),
    }
}
