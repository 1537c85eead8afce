//! The admin's pages: the region's plan (clusters, units, priorities,
//! programs, targets), its accounts, and bundle upload. A plan edit is applied
//! to the region's bundle and merged back through the same validation as an
//! import, so a form can never store what a bundle could not.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use pantau_domain::bundle::{self, Bundle};
use pantau_present as present;
use pantau_store::{NewAudit, PlanItem, Use};
use serde::Deserialize;
use std::collections::HashMap;

use super::plan_problems;
use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{AdminOf, CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;

/// The admin's pages, the identity, and the password reset pages.
pub fn routes() -> axum::Router<AppState> {
    use super::{identity, reset, users};
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin", get(overview))
        .route("/admin/impor", post(import))
        .route("/admin/identitas", get(identity::show).post(identity::save))
        .route("/logo/{region}", get(identity::logo))
        .route("/admin/pengguna", get(users::list).post(users::add))
        .route(
            "/admin/pengguna/{username}",
            get(users::show).post(users::edit),
        )
        .route(
            "/admin/pengguna/{username}/status",
            post(users::set_disabled),
        )
        .route(
            "/admin/pengguna/{username}/sandi",
            post(users::set_password),
        )
        .route(
            "/admin/pengguna/{username}/tautan-sandi",
            post(users::send_reset_link),
        )
        .route(
            "/admin/pengguna/{username}/token/{id}/cabut",
            post(users::revoke_token),
        )
        .route("/admin/{kind}", post(save))
        .route("/admin/{kind}/hapus", post(delete))
        .route("/admin/{kind}/arsip", post(archive))
        .route("/lupa-sandi", get(reset::request_form).post(reset::request))
        .route("/sandi/{token}", get(reset::new_form).post(reset::set_new))
}

pub struct Row {
    pub cells: Vec<String>,
    /// Archived: out of the forms' choices, kept with its history.
    pub archived: bool,
}

/// One input of a plan form: its label in the page's language, and either a
/// free input of `input` type or a choice among `options` (value, words).
pub struct Field {
    pub name: &'static str,
    pub label: String,
    /// `text`, `date`, `time` or `number` when there are no options.
    pub input: &'static str,
    pub required: bool,
    pub options: Vec<(String, String)>,
    pub hint: String,
}

pub struct Section {
    pub kind: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    sections: Vec<Section>,
    problems: Vec<String>,
    message: Option<String>,
    /// After a refused deletion: archive it instead, (kind, program, code).
    offer_archive: Option<(String, String, String)>,
    /// On a server that takes pushes for the admin's region: each region
    /// registered to push here (docs/sync.md).
    pushes: Vec<PushRow>,
}

/// A region that pushes here: its last accepted push in words, and whether it is late.
struct PushRow {
    code: String,
    name: String,
    last: String,
    late: bool,
}

/// The regions that push to this server, when it takes them for `region`.
async fn pushes_for(
    state: &AppState,
    lang: present::Lang,
    region: &str,
) -> Result<Vec<PushRow>, PageError> {
    if state.config.sync_region.as_ref().map(|r| r.as_str()) != Some(region) {
        return Ok(Vec::new());
    }
    let now = chrono::Utc::now();
    let tz = pantau_domain::validate::DEFAULT_TIMEZONE;
    Ok(state
        .store
        .sync_regions()
        .await?
        .into_iter()
        .map(|r| PushRow {
            late: r.is_late(now, state.config.sync_late_after),
            last: match r.last_push_at {
                Some(at) => present::moment(lang, tz, at),
                None => state.i18n.text(lang, "regions-never-pushed"),
            },
            code: r.code,
            name: r.name,
        })
        .collect())
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// The label of a plan field in the page's language: `admin-field-<name>`.
fn label(tr: &Tr, name: &str) -> String {
    tr.t(&format!("admin-field-{name}"))
}

fn text(tr: &Tr, name: &'static str, required: bool) -> Field {
    Field {
        name,
        label: label(tr, name),
        input: "text",
        required,
        options: Vec::new(),
        hint: String::new(),
    }
}

fn typed(tr: &Tr, name: &'static str, input: &'static str, required: bool) -> Field {
    Field {
        input,
        ..text(tr, name, required)
    }
}

fn choice(
    tr: &Tr,
    name: &'static str,
    required: bool,
    options: impl IntoIterator<Item = (String, String)>,
) -> Field {
    let mut options: Vec<(String, String)> = options.into_iter().collect();
    if !required {
        options.insert(0, (String::new(), tr.t("admin-none")));
    }
    Field {
        options,
        ..text(tr, name, required)
    }
}

fn coded<'b>(items: impl IntoIterator<Item = (&'b str, &'b str)>) -> Vec<(String, String)> {
    items
        .into_iter()
        .map(|(code, name)| (code.to_owned(), format!("{code} · {name}")))
        .collect()
}

fn code_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        _ => String::new(),
    }
}

fn headers(tr: &Tr, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| label(tr, n)).collect()
}

fn sections(bundle: &Bundle, tr: &Tr) -> Vec<Section> {
    use bundle::{Kind, Polarity, Weekday};
    let clusters = coded(
        bundle
            .clusters
            .iter()
            .map(|c| (c.code.as_str(), c.name.as_str())),
    );
    let units = coded(
        bundle
            .units
            .iter()
            .map(|u| (u.code.as_str(), u.name.as_str())),
    );
    let priorities = coded(
        bundle
            .priorities
            .iter()
            .map(|p| (p.code.as_str(), p.name.as_str())),
    );
    let programs = coded(
        bundle
            .programs
            .iter()
            .map(|p| (p.code.as_str(), p.name.as_str())),
    );
    let weekdays = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
    .map(|d| {
        (
            code_of(&d),
            present::weekday(tr.lang, chrono::Weekday::from(d)).to_owned(),
        )
    });
    let kinds = [Kind::Sum, Kind::Last, Kind::Milestone]
        .map(|k| (code_of(&k), present::kind(tr.lang, k).to_owned()));
    let polarities = [Polarity::Higher, Polarity::Lower]
        .map(|p| (code_of(&p), present::polarity(tr.lang, p).to_owned()));
    let cluster_name = |code: &Option<String>| {
        code.as_ref()
            .and_then(|c| bundle.clusters.iter().find(|x| &x.code == c))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let mut weekday = choice(tr, "evaluation_weekday", false, weekdays);
    weekday.hint = tr.t("admin-hint-weekday");
    let mut deadline = typed(tr, "deadline_time", "time", false);
    deadline.hint = tr.t("admin-hint-deadline");
    let mut code = text(tr, "code", true);
    code.hint = tr.t("admin-hint-code");
    vec![
        Section {
            kind: "cluster",
            title: tr.t("clusters"),
            headers: headers(tr, &["code", "name"]),
            rows: bundle
                .clusters
                .iter()
                .map(|c| Row {
                    archived: false,
                    cells: vec![c.code.clone(), c.name.clone()],
                })
                .collect(),
            fields: vec![text(tr, "code", true), text(tr, "name", true)],
        },
        Section {
            kind: "unit",
            title: tr.t("units"),
            headers: headers(tr, &["code", "name", "cluster"]),
            rows: bundle
                .units
                .iter()
                .map(|u| Row {
                    archived: false,
                    cells: vec![u.code.clone(), u.name.clone(), cluster_name(&u.cluster)],
                })
                .collect(),
            fields: vec![
                text(tr, "code", true),
                text(tr, "name", true),
                choice(tr, "cluster", false, clusters),
            ],
        },
        Section {
            kind: "priority",
            title: tr.t("priorities"),
            headers: headers(tr, &["code", "name"]),
            rows: bundle
                .priorities
                .iter()
                .map(|p| Row {
                    archived: false,
                    cells: vec![p.code.clone(), p.name.clone()],
                })
                .collect(),
            fields: vec![text(tr, "code", true), text(tr, "name", true)],
        },
        Section {
            kind: "program",
            title: tr.t("admin-programs"),
            headers: headers(
                tr,
                &[
                    "code",
                    "name",
                    "start",
                    "end",
                    "evaluation_weekday",
                    "deadline_time",
                ],
            ),
            rows: bundle
                .programs
                .iter()
                .map(|p| Row {
                    archived: false,
                    cells: vec![
                        p.code.clone(),
                        p.name.clone(),
                        present::date(tr.lang, p.start),
                        present::date(tr.lang, p.end),
                        present::weekday(
                            tr.lang,
                            p.evaluation_weekday
                                .map_or(chrono::Weekday::Fri, chrono::Weekday::from),
                        )
                        .to_owned(),
                        p.deadline_time.clone().unwrap_or_else(|| "09:00".into()),
                    ],
                })
                .collect(),
            fields: vec![
                text(tr, "code", true),
                text(tr, "name", true),
                typed(tr, "start", "date", true),
                typed(tr, "end", "date", true),
                weekday,
                deadline,
            ],
        },
        Section {
            kind: "target",
            title: tr.t("targets"),
            headers: headers(
                tr,
                &[
                    "program", "code", "unit", "priority", "name", "measure", "kind", "polarity",
                    "baseline", "target", "due",
                ],
            ),
            rows: bundle
                .programs
                .iter()
                .flat_map(|p| {
                    p.targets.iter().map(|t| Row {
                        archived: false,
                        cells: vec![
                            p.code.clone(),
                            t.code.clone(),
                            t.unit.clone(),
                            opt(&t.priority),
                            t.name.clone(),
                            opt(&t.measure),
                            present::kind(tr.lang, t.kind).to_owned(),
                            present::polarity(tr.lang, t.polarity).to_owned(),
                            present::number(tr.lang, t.baseline),
                            present::number(tr.lang, t.target),
                            t.due.map(|d| present::date(tr.lang, d)).unwrap_or_default(),
                        ],
                    })
                })
                .collect(),
            fields: vec![
                choice(tr, "program", true, programs),
                code,
                choice(tr, "unit", true, units),
                choice(tr, "priority", false, priorities),
                text(tr, "name", true),
                text(tr, "measure", false),
                choice(tr, "kind", true, kinds),
                choice(tr, "polarity", true, polarities),
                typed(tr, "baseline", "text", false),
                typed(tr, "target", "text", false),
                typed(tr, "due", "date", false),
            ],
        },
    ]
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    admin: &AdminOf<'_>,
    problems: Vec<String>,
    message: Option<String>,
) -> Result<Response, PageError> {
    admin_page_offering(state, user, admin, problems, message, None).await
}

/// The item a row stands for: a target by its program and code, others by code.
fn item_of(kind: &str, cells: &[String]) -> Option<PlanItem> {
    let code = cells.first()?.clone();
    Some(match kind {
        "cluster" => PlanItem::Cluster(code),
        "unit" => PlanItem::Unit(code),
        "priority" => PlanItem::Priority(code),
        "program" => PlanItem::Program(code),
        _ => PlanItem::Target {
            program: code,
            code: cells.get(1)?.clone(),
        },
    })
}

/// Mark archived rows, and take archived items out of the forms' choices.
fn mark_archived(sections: &mut [Section], archived: &[PlanItem]) {
    for section in sections.iter_mut() {
        for row in &mut section.rows {
            row.archived = item_of(section.kind, &row.cells).is_some_and(|i| archived.contains(&i));
        }
        for field in &mut section.fields {
            field.options.retain(|(value, _)| {
                let item = match field.name {
                    "cluster" => PlanItem::Cluster(value.clone()),
                    "unit" => PlanItem::Unit(value.clone()),
                    "priority" => PlanItem::Priority(value.clone()),
                    "program" => PlanItem::Program(value.clone()),
                    _ => return true,
                };
                !archived.contains(&item)
            });
        }
    }
}

async fn admin_page_offering(
    state: &AppState,
    user: &CurrentUser,
    admin: &AdminOf<'_>,
    problems: Vec<String>,
    message: Option<String>,
    offer_archive: Option<(String, String, String)>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let bundle = state.store.region_bundle(&admin.user.region).await?;
    let archived = state.store.archived_items(&admin.user.region).await?;
    let nav = Nav::of(user).await?;
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let mut sections = sections(&bundle, &tr);
    mark_archived(&mut sections, &archived);
    let page = AdminPage {
        sections,
        pushes: pushes_for(state, lang, &admin.user.region).await?,
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        problems,
        message,
        offer_archive,
        tr,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
pub struct OverviewQuery {
    ok: Option<String>,
}

pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, PageError> {
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.read").await);
    };
    let lang = lang_of(&user.session).await;
    let message = query.ok.map(|_| state.i18n.text(lang, "admin-saved"));
    admin_page(&state, &user, &admin, Vec::new(), message).await
}

fn field(form: &HashMap<String, String>, name: &str) -> Option<String> {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The form's texts for its problems, in the page's language.
struct Words<'a, 'b> {
    tr: &'a Tr<'b>,
}

impl Words<'_, '_> {
    fn required(&self, name: &str) -> String {
        self.tr
            .t_with("admin-required", &[("field", label(self.tr, name))])
    }

    fn bad(&self, key: &str, name: &str, value: &str) -> String {
        self.tr.t_with(
            key,
            &[("field", label(self.tr, name)), ("value", value.to_owned())],
        )
    }
}

fn required(form: &HashMap<String, String>, name: &str, words: &Words) -> Result<String, String> {
    field(form, name).ok_or_else(|| words.required(name))
}

fn parse_field<T: serde::de::DeserializeOwned>(
    form: &HashMap<String, String>,
    name: &str,
    words: &Words,
) -> Result<Option<T>, String> {
    field(form, name)
        .map(|text| {
            serde_json::from_value(serde_json::Value::String(text.clone()))
                .map_err(|_| words.bad("admin-not-choice", name, &text))
        })
        .transpose()
}

fn parse_number(
    form: &HashMap<String, String>,
    name: &str,
    words: &Words,
) -> Result<Option<rust_decimal::Decimal>, String> {
    field(form, name)
        .map(|text| {
            text.replace('.', "")
                .replace(',', ".")
                .parse()
                .or_else(|_| text.parse())
                .map_err(|_| words.bad("admin-not-number", name, &text))
        })
        .transpose()
}

fn parse_date(
    form: &HashMap<String, String>,
    name: &str,
    words: &Words,
) -> Result<Option<chrono::NaiveDate>, String> {
    field(form, name)
        .map(|text| {
            bundle::strict_date::parse(&text)
                .ok_or_else(|| words.bad("admin-not-date", name, &text))
        })
        .transpose()
}

/// Upsert one coded item of a list; returns (created, before as JSON).
fn upsert<T: Clone + serde::Serialize>(
    list: &mut Vec<T>,
    code_of: impl Fn(&T) -> &str,
    code: &str,
    item: T,
) -> (bool, Option<serde_json::Value>) {
    match list.iter_mut().find(|x| code_of(x) == code) {
        Some(existing) => {
            let before = serde_json::to_value(&*existing).ok();
            *existing = item;
            (false, before)
        }
        None => {
            list.push(item);
            (true, None)
        }
    }
}

/// Apply one form to the bundle; returns the audit record of the change.
fn apply(
    bundle: &mut Bundle,
    kind: &str,
    form: &HashMap<String, String>,
    words: &Words,
) -> Result<NewAudit, String> {
    let code = required(form, "code", words)?;
    let (created, before, after) = match kind {
        "cluster" => {
            let item = bundle::Cluster {
                code: code.clone(),
                name: required(form, "name", words)?,
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut bundle.clusters, |x| &x.code, &code, item);
            (c, b, after)
        }
        "unit" => {
            let item = bundle::Unit {
                code: code.clone(),
                name: required(form, "name", words)?,
                cluster: field(form, "cluster"),
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut bundle.units, |x| &x.code, &code, item);
            (c, b, after)
        }
        "priority" => {
            let item = bundle::Priority {
                code: code.clone(),
                name: required(form, "name", words)?,
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut bundle.priorities, |x| &x.code, &code, item);
            (c, b, after)
        }
        "program" => {
            let start = parse_date(form, "start", words)?.ok_or_else(|| words.required("start"))?;
            let end = parse_date(form, "end", words)?.ok_or_else(|| words.required("end"))?;
            let existing = bundle.programs.iter().find(|p| p.code == code).cloned();
            let mut item = existing.clone().unwrap_or(bundle::Program {
                code: code.clone(),
                name: String::new(),
                start,
                end,
                timezone: None,
                evaluation_weekday: None,
                deadline_time: None,
                final_deadline: None,
                thresholds: None,
                targets: Vec::new(),
                entries: Vec::new(),
                nil_reports: Vec::new(),
            });
            item.name = required(form, "name", words)?;
            item.start = start;
            item.end = end;
            item.evaluation_weekday = parse_field(form, "evaluation_weekday", words)?;
            item.deadline_time = field(form, "deadline_time");
            let summary = |p: &bundle::Program| {
                serde_json::json!({"code": p.code, "name": p.name, "start": p.start, "end": p.end,
                    "evaluation_weekday": p.evaluation_weekday, "deadline_time": p.deadline_time})
            };
            let after = Some(summary(&item));
            let before = existing.as_ref().map(summary);
            let created = existing.is_none();
            match bundle.programs.iter_mut().find(|p| p.code == code) {
                Some(slot) => *slot = item,
                None => bundle.programs.push(item),
            }
            (created, before, after)
        }
        "target" => {
            let program_code = required(form, "program", words)?;
            let program = bundle
                .programs
                .iter_mut()
                .find(|p| p.code == program_code)
                .ok_or_else(|| words.bad("admin-not-choice", "program", &program_code))?;
            let item = bundle::Target {
                code: code.clone(),
                unit: required(form, "unit", words)?,
                priority: field(form, "priority"),
                name: required(form, "name", words)?,
                measure: field(form, "measure"),
                kind: parse_field(form, "kind", words)?.ok_or_else(|| words.required("kind"))?,
                polarity: parse_field(form, "polarity", words)?.unwrap_or(bundle::Polarity::Higher),
                baseline: parse_number(form, "baseline", words)?,
                target: parse_number(form, "target", words)?,
                due: parse_date(form, "due", words)?,
                plan: program
                    .targets
                    .iter()
                    .find(|t| t.code == code)
                    .and_then(|t| t.plan.clone()),
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut program.targets, |x| &x.code, &code, item);
            (c, b, after)
        }
        _ => return Err(PageError::NotFound.to_string()),
    };
    Ok(NewAudit {
        action: if created { "create" } else { "edit" }.into(),
        entity: kind.into(),
        entity_id: Some(code),
        before,
        after,
    })
}

const KINDS: [&str; 5] = ["cluster", "unit", "priority", "program", "target"];

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.get("csrf").map(String::as_str)).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, &format!("admin.{kind}.save")).await);
    };
    if !KINDS.contains(&kind.as_str()) {
        return Err(PageError::NotFound);
    }
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let mut bundle = state.store.region_bundle(&admin.user.region).await?;
    let record = match apply(&mut bundle, &kind, &form, &Words { tr: &tr }) {
        Ok(record) => record,
        Err(problem) => return admin_page(&state, &user, &admin, vec![problem], None).await,
    };
    if let Err(refused) = pantau_domain::validate_with(&bundle, state.store.limits()) {
        let problems = plan_problems::in_words(&tr, Some(&bundle), &refused.problems);
        return admin_page(&state, &user, &admin, problems, None).await;
    }
    state
        .store
        .apply_plan_change(&bundle, &user.actor(), record)
        .await?;
    Ok(Redirect::to(&format!("/admin?ok=1#{kind}")).into_response())
}

/// Delete a plan item nothing refers to; when something does, say what.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.get("csrf").map(String::as_str)).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, &format!("admin.{kind}.delete")).await);
    };
    let code = field(&form, "code").ok_or_else(|| PageError::BadRequest("code".into()))?;
    let item = match kind.as_str() {
        "cluster" => PlanItem::Cluster(code.clone()),
        "unit" => PlanItem::Unit(code.clone()),
        "priority" => PlanItem::Priority(code.clone()),
        "program" => PlanItem::Program(code.clone()),
        "target" => PlanItem::Target {
            program: field(&form, "program").unwrap_or_default(),
            code: code.clone(),
        },
        _ => return Err(PageError::NotFound),
    };
    let tr = Tr {
        catalog: &state.i18n,
        lang: lang_of(&user.session).await,
    };
    let what = format!("{} {code}", label_of_kind(&tr, &kind));
    match state
        .store
        .delete_plan_item(&admin.user.region, &item, &user.actor())
        .await?
    {
        Ok(()) => {
            let message = tr.t_with("admin-deleted", &[("what", what)]);
            admin_page(&state, &user, &admin, Vec::new(), Some(message)).await
        }
        Err(uses) => {
            let uses = uses
                .iter()
                .map(|(what, n)| {
                    let key = match what {
                        Use::Units => "admin-use-units",
                        Use::Users => "admin-use-users",
                        Use::Targets => "admin-use-targets",
                        Use::Entries => "admin-use-entries",
                        Use::NilReports => "admin-use-nil",
                        Use::Budgets => "admin-use-budgets",
                        Use::Meetings => "admin-use-meetings",
                        Use::FollowUps => "admin-use-follow-ups",
                        Use::Other => "admin-use-other",
                    };
                    tr.t_with(key, &[("n", present::count(tr.lang, *n))])
                })
                .collect::<Vec<_>>()
                .join(", ");
            let problem = tr.t_with("admin-in-use", &[("what", what), ("uses", uses)]);
            let offer = (
                kind.clone(),
                field(&form, "program").unwrap_or_default(),
                code,
            );
            let mut response =
                admin_page_offering(&state, &user, &admin, vec![problem], None, Some(offer))
                    .await?;
            *response.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(response)
        }
    }
}

/// Archive a plan item (`archived=1`) or bring it back (`archived=0`).
pub async fn archive(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.get("csrf").map(String::as_str)).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, &format!("admin.{kind}.archive")).await);
    };
    if !KINDS.contains(&kind.as_str()) {
        return Err(PageError::NotFound);
    }
    let cells = [
        if kind == "target" {
            field(&form, "program").unwrap_or_default()
        } else {
            field(&form, "code").unwrap_or_default()
        },
        field(&form, "code").unwrap_or_default(),
    ];
    let item = item_of(&kind, &cells).ok_or(PageError::NotFound)?;
    let archived = form.get("archived").map(String::as_str) != Some("0");
    state
        .store
        .set_archived(&admin.user.region, &item, archived, &user.actor())
        .await?;
    Ok(Redirect::to(&format!("/admin?ok=1#{kind}")).into_response())
}

fn label_of_kind(tr: &Tr, kind: &str) -> String {
    match kind {
        "cluster" => tr.t("admin-field-cluster"),
        "unit" => tr.t("admin-field-unit"),
        "priority" => tr.t("admin-field-priority"),
        "program" => tr.t("admin-field-program"),
        _ => tr.t("admin-field-target"),
    }
}

pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let unreadable = || PageError::BadRequest(tr.t("admin-bundle-unreadable"));
    let mut csrf = None;
    let mut text = None;
    let mut file_name = String::new();
    let mut source = None;
    while let Some(part) = multipart.next_field().await.map_err(|_| unreadable())? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.ok(),
            Some("bundle") => {
                file_name = part.file_name().unwrap_or_default().to_owned();
                let bytes = part.bytes().await.map_err(|_| unreadable())?;
                source = Some(pantau_store::ImportSource::of(
                    Some(file_name.as_str()).filter(|n| !n.is_empty()),
                    &bytes,
                ));
                text = Some(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|_| PageError::BadRequest(tr.t("admin-bundle-not-json")))?,
                );
            }
            _ => {}
        }
    }
    check_csrf(&user.session, csrf.as_deref()).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.import").await);
    };
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        let problem = tr.t("admin-bundle-missing");
        return admin_page(&state, &user, &admin, vec![problem], None).await;
    };
    let limits = state.store.limits();
    // Parse and check off the request threads, within the time limit; a
    // file that takes longer is refused before anything is written.
    let checked = crate::limits::run_import(
        if file_name.is_empty() {
            "bundle"
        } else {
            &file_name
        },
        state.config.import_time_limit,
        move || {
            let bundle = pantau_domain::parse(&text)?;
            pantau_domain::validate_with(&bundle, limits)?;
            Ok::<_, pantau_domain::Refused>(bundle)
        },
    )
    .await;
    let bundle = match checked {
        Ok(Ok(bundle)) => bundle,
        Ok(Err(refused)) => {
            let problems = plan_problems::in_words(&tr, None, &refused.problems);
            return admin_page(&state, &user, &admin, problems, None).await;
        }
        Err(late) => {
            let problem = crate::limits::timed_out_text(&tr, &late);
            return admin_page(&state, &user, &admin, vec![problem], None).await;
        }
    };
    if bundle.region.code != admin.user.region {
        let problem = tr.t_with(
            "admin-bundle-other-region",
            &[
                ("code", bundle.region.code.clone()),
                ("own", admin.user.region.clone()),
            ],
        );
        return admin_page(&state, &user, &admin, vec![problem], None).await;
    }
    match state
        .store
        .import_bundle_from(
            &bundle,
            pantau_store::ImportMode::Merge,
            &user.actor(),
            source.as_ref(),
        )
        .await
    {
        Ok(summary) => {
            let n = |v: usize| present::count(tr.lang, v as i64);
            let message = tr.t_with(
                "admin-imported",
                &[
                    ("entries", n(summary.entries_added)),
                    ("nil", n(summary.nil_reports_added)),
                    ("units", n(summary.units)),
                    ("programs", n(summary.programs)),
                    ("targets", n(summary.targets)),
                ],
            );
            admin_page(&state, &user, &admin, Vec::new(), Some(message)).await
        }
        Err(pantau_store::StoreError::Refused(refused)) => {
            // The paths point into the merged plan, which the page does not
            // hold: items are named by their place.
            let problems = plan_problems::in_words(&tr, None, &refused.problems);
            admin_page(&state, &user, &admin, problems, None).await
        }
        Err(other) => Err(other.into()),
    }
}
