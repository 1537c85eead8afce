//! The admin's pages: the region's plan (clusters, units, priorities,
//! programs, targets), its accounts, and bundle upload. A plan edit is applied
//! to the region's bundle and merged back through the same validation as an
//! import, so a form can never store what a bundle could not.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use pantau_domain::bundle::{self, Bundle};
use pantau_present as present;
use pantau_store::{NewAudit, NewUser, Role, password};
use serde::Deserialize;
use std::collections::HashMap;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{AdminOf, CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::Tr;

pub struct Row {
    pub cells: Vec<String>,
}

pub struct Section {
    pub kind: &'static str,
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Row>,
    /// Form fields: (name, label, placeholder).
    pub fields: Vec<(&'static str, &'static str, &'static str)>,
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
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn sections(bundle: &Bundle, tr: &Tr) -> Vec<Section> {
    let program = bundle.programs.first();
    vec![
        Section {
            kind: "cluster",
            title: tr.t("clusters"),
            headers: vec!["code", "name"],
            rows: bundle
                .clusters
                .iter()
                .map(|c| Row {
                    cells: vec![c.code.clone(), c.name.clone()],
                })
                .collect(),
            fields: vec![("code", "code", "ASDA1"), ("name", "name", "")],
        },
        Section {
            kind: "unit",
            title: tr.t("units"),
            headers: vec!["code", "name", "cluster"],
            rows: bundle
                .units
                .iter()
                .map(|u| Row {
                    cells: vec![u.code.clone(), u.name.clone(), opt(&u.cluster)],
                })
                .collect(),
            fields: vec![
                ("code", "code", "DP3A"),
                ("name", "name", ""),
                ("cluster", "cluster", "ASDA1"),
            ],
        },
        Section {
            kind: "priority",
            title: tr.t("priorities"),
            headers: vec!["code", "name"],
            rows: bundle
                .priorities
                .iter()
                .map(|p| Row {
                    cells: vec![p.code.clone(), p.name.clone()],
                })
                .collect(),
            fields: vec![("code", "code", "P1"), ("name", "name", "")],
        },
        Section {
            kind: "program",
            title: "Program".into(),
            headers: vec![
                "code",
                "name",
                "start",
                "end",
                "evaluation_weekday",
                "deadline_time",
            ],
            rows: bundle
                .programs
                .iter()
                .map(|p| Row {
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
                ("code", "code", "100HK"),
                ("name", "name", ""),
                ("start", "start", "2025-02-22"),
                ("end", "end", "2025-05-20"),
                ("evaluation_weekday", "evaluation_weekday", "friday"),
                ("deadline_time", "deadline_time", "09:00"),
            ],
        },
        Section {
            kind: "target",
            title: format!(
                "{} ({})",
                tr.t("targets"),
                program.map_or("", |p| p.code.as_str())
            ),
            headers: vec![
                "program", "code", "unit", "priority", "name", "measure", "kind", "polarity",
                "baseline", "target", "due",
            ],
            rows: bundle
                .programs
                .iter()
                .flat_map(|p| {
                    p.targets.iter().map(|t| Row {
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
                ("program", "program", "100HK"),
                ("code", "code", "DP3A-03"),
                ("unit", "unit", "DP3A"),
                ("priority", "priority", "P1"),
                ("name", "name", ""),
                ("measure", "measure", ""),
                ("kind", "kind", "sum | last | milestone"),
                ("polarity", "polarity", "higher | lower"),
                ("baseline", "baseline", "0"),
                ("target", "target", "100"),
                ("due", "due", "YYYY-MM-DD"),
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
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let bundle = state.store.region_bundle(&admin.user.region).await?;
    let nav = Nav::of(user).await?;
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let page = AdminPage {
        sections: sections(&bundle, &tr),
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        problems,
        message,
        tr,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.read").await);
    };
    admin_page(&state, &user, &admin, Vec::new(), None).await
}

fn field(form: &HashMap<String, String>, name: &str) -> Option<String> {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn required(form: &HashMap<String, String>, name: &str) -> Result<String, String> {
    field(form, name).ok_or_else(|| format!("{name}: required"))
}

fn parse_field<T: serde::de::DeserializeOwned>(
    form: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, String> {
    field(form, name)
        .map(|text| {
            serde_json::from_value(serde_json::Value::String(text.clone()))
                .map_err(|_| format!("{name}: \"{text}\" is not valid here"))
        })
        .transpose()
}

fn parse_number(
    form: &HashMap<String, String>,
    name: &str,
) -> Result<Option<rust_decimal::Decimal>, String> {
    field(form, name)
        .map(|text| {
            text.replace(',', ".")
                .parse()
                .map_err(|_| format!("{name}: \"{text}\" is not a number"))
        })
        .transpose()
}

fn parse_date(
    form: &HashMap<String, String>,
    name: &str,
) -> Result<Option<chrono::NaiveDate>, String> {
    field(form, name)
        .map(|text| {
            bundle::strict_date::parse(&text)
                .ok_or_else(|| format!("{name}: \"{text}\" is not a date YYYY-MM-DD"))
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
) -> Result<NewAudit, String> {
    let code = required(form, "code")?;
    let (created, before, after) = match kind {
        "cluster" => {
            let item = bundle::Cluster {
                code: code.clone(),
                name: required(form, "name")?,
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut bundle.clusters, |x| &x.code, &code, item);
            (c, b, after)
        }
        "unit" => {
            let item = bundle::Unit {
                code: code.clone(),
                name: required(form, "name")?,
                cluster: field(form, "cluster"),
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut bundle.units, |x| &x.code, &code, item);
            (c, b, after)
        }
        "priority" => {
            let item = bundle::Priority {
                code: code.clone(),
                name: required(form, "name")?,
            };
            let after = serde_json::to_value(&item).ok();
            let (c, b) = upsert(&mut bundle.priorities, |x| &x.code, &code, item);
            (c, b, after)
        }
        "program" => {
            let start = parse_date(form, "start")?.ok_or("start: required")?;
            let end = parse_date(form, "end")?.ok_or("end: required")?;
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
            item.name = required(form, "name")?;
            item.start = start;
            item.end = end;
            item.evaluation_weekday = parse_field(form, "evaluation_weekday")?;
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
            let program_code = required(form, "program")?;
            let program = bundle
                .programs
                .iter_mut()
                .find(|p| p.code == program_code)
                .ok_or_else(|| format!("program: unknown program \"{program_code}\""))?;
            let item = bundle::Target {
                code: code.clone(),
                unit: required(form, "unit")?,
                priority: field(form, "priority"),
                name: required(form, "name")?,
                measure: field(form, "measure"),
                kind: parse_field(form, "kind")?
                    .ok_or("kind: required (sum, last or milestone)")?,
                polarity: parse_field(form, "polarity")?.unwrap_or(bundle::Polarity::Higher),
                baseline: parse_number(form, "baseline")?,
                target: parse_number(form, "target")?,
                due: parse_date(form, "due")?,
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
        other => return Err(format!("unknown kind \"{other}\"")),
    };
    Ok(NewAudit {
        action: if created { "create" } else { "edit" }.into(),
        entity: kind.into(),
        entity_id: Some(code),
        before,
        after,
    })
}

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
    let mut bundle = state.store.region_bundle(&admin.user.region).await?;
    let record = match apply(&mut bundle, &kind, &form) {
        Ok(record) => record,
        Err(problem) => return admin_page(&state, &user, &admin, vec![problem], None).await,
    };
    if let Err(refused) = pantau_domain::validate(&bundle) {
        let problems = refused.problems.iter().map(ToString::to_string).collect();
        return admin_page(&state, &user, &admin, problems, None).await;
    }
    state
        .store
        .apply_plan_change(&bundle, &user.actor(), record)
        .await?;
    Ok(Redirect::to("/admin").into_response())
}

pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut csrf = None;
    let mut text = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| PageError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        match part.name() {
            Some("csrf") => csrf = part.text().await.ok(),
            Some("bundle") => {
                let bytes = part
                    .bytes()
                    .await
                    .map_err(|e| PageError::BadRequest(format!("bundle: {e}")))?;
                text = Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                    PageError::BadRequest("bundle: the file is not UTF-8 JSON".into())
                })?);
            }
            _ => {}
        }
    }
    check_csrf(&user.session, csrf.as_deref()).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.import").await);
    };
    let text = text.ok_or_else(|| PageError::BadRequest("bundle: choose a file".into()))?;
    let bundle = match pantau_domain::parse(&text) {
        Ok(bundle) => bundle,
        Err(refused) => {
            let problems = refused.problems.iter().map(ToString::to_string).collect();
            return admin_page(&state, &user, &admin, problems, None).await;
        }
    };
    if bundle.region.code != admin.user.region {
        let problem = format!(
            "region.code: this bundle is for region \"{}\"; you administer \"{}\"",
            bundle.region.code, admin.user.region
        );
        return admin_page(&state, &user, &admin, vec![problem], None).await;
    }
    match state
        .store
        .import_bundle(&bundle, pantau_store::ImportMode::Merge, &user.actor())
        .await
    {
        Ok(summary) => {
            let message = format!(
                "{} entries and {} nil reports added; {} units, {} programs, {} targets updated",
                summary.entries_added,
                summary.nil_reports_added,
                summary.units,
                summary.programs,
                summary.targets
            );
            admin_page(&state, &user, &admin, Vec::new(), Some(message)).await
        }
        Err(pantau_store::StoreError::Refused(refused)) => {
            let problems = refused.problems.iter().map(ToString::to_string).collect();
            admin_page(&state, &user, &admin, problems, None).await
        }
        Err(other) => Err(other.into()),
    }
}

pub struct UserRow {
    pub username: String,
    pub name: String,
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
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let users = state
        .store
        .users(user.region())
        .await?
        .into_iter()
        .map(|u| UserRow {
            scope: u.unit.clone().unwrap_or_else(|| u.clusters.join(", ")),
            username: u.username,
            name: u.display_name,
            role: u.role.code(),
            disabled: u.disabled,
        })
        .collect();
    let nav = Nav::of(user).await?;
    let status = if problem.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = render(&UsersPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        users,
        problem,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn users(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    if user.admin().is_none() {
        return Err(user.deny(&state, "admin.users.read").await);
    }
    users_page(&state, &user, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: Option<String>,
    username: String,
    name: String,
    role: String,
    unit: Option<String>,
    clusters: Option<String>,
    password: String,
}

pub async fn add_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.users.create").await);
    };
    let Some(role) = Role::parse(form.role.trim()) else {
        return users_page(
            &state,
            &user,
            Some(format!("role: unknown role \"{}\"", form.role)),
        )
        .await;
    };
    if form.password.chars().count() < 8 {
        return users_page(
            &state,
            &user,
            Some("password: at least 8 characters".into()),
        )
        .await;
    }
    let new = NewUser {
        region: admin.user.region.clone(),
        username: form.username.trim().to_owned(),
        display_name: if form.name.trim().is_empty() {
            form.username.trim().to_owned()
        } else {
            form.name.trim().to_owned()
        },
        email: None,
        password_hash: password::hash(&form.password),
        role,
        unit: form
            .unit
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty()),
        clusters: form
            .clusters
            .unwrap_or_default()
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
    };
    match state.store.create_user(&new, &user.actor()).await {
        Ok(_) => Ok(Redirect::to("/admin/pengguna").into_response()),
        Err(
            err @ (pantau_store::StoreError::Invalid { .. }
            | pantau_store::StoreError::UsernameTaken(_)),
        ) => users_page(&state, &user, Some(err.to_string())).await,
        Err(other) => Err(other.into()),
    }
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
    let Some(admin) = user.admin() else {
        return Err(user.deny(&state, "admin.users.disable").await);
    };
    let target = state
        .store
        .user_by_username(&username)
        .await?
        .filter(|u| u.region == admin.user.region)
        .ok_or(PageError::NotFound)?;
    state
        .store
        .set_disabled(&target.username, form.disabled == "1", &user.actor())
        .await?;
    Ok(Redirect::to("/admin/pengguna").into_response())
}
