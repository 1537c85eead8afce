//! Budget absorption (serapan anggaran): the region's absorption, units ranked, a unit's plan against actual, and the finance role's entry and import.
//!
//! Rights (domain.md, roles; issue 6): BPKAD (finance) enters, imports and
//! verifies the figures of every unit of its region; an operator enters its own
//! unit's realised spending and physical progress, which wait for BPKAD; an
//! admin may import; everyone of the region reads. Every figure shown comes
//! from `pantau_domain::budget::year_figures`, the engine's own computation.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use pantau_domain::bundle::Rupiah;
use pantau_domain::evaluation::BudgetFigures;
use pantau_domain::model::Region;
use pantau_present as present;
use pantau_store::Review;
use pantau_store::budgets::BudgetStatus;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::budget_chart;
use crate::budget_import::{self, Problem};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::budgets::{
    self, MonthInput, Writer, amount_field, month_writer, parse_month, parse_year, pct_field,
    year_and_month, years_of,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/anggaran", get(overview))
        .route("/anggaran/unit/{code}", get(unit_page))
        .route("/anggaran/unit/{code}/pagu", post(save_pagu))
        .route("/anggaran/unit/{code}/bulan", post(save_month))
        .route("/anggaran/verifikasi", get(queue).post(review))
        .route("/anggaran/impor", get(import_form).post(import))
        .route("/anggaran/templat.xlsx", get(template_xlsx))
        .route("/anggaran/templat.csv", get(template_csv))
}

#[derive(Debug, Deserialize, Default)]
pub struct YearMonth {
    pub year: Option<String>,
    pub month: Option<String>,
    pub saved: Option<u8>,
    pub done: Option<usize>,
}

fn month_name(tr: &Tr, month: u32) -> String {
    present::month_name(tr.lang, month).to_owned()
}

fn short_months(tr: &Tr) -> [String; 12] {
    std::array::from_fn(|i| present::month_short(tr.lang, i as u32 + 1).to_owned())
}

/// A figure set as the pages show it.
pub struct FiguresView {
    pub pagu: String,
    pub planned: String,
    pub realised: String,
    pub absorption: String,
    pub against_plan: String,
    pub deviation: String,
    pub physical: String,
    pub rating: &'static str,
    pub flagged: bool,
}

impl FiguresView {
    fn of(lang: Lang, f: &BudgetFigures) -> FiguresView {
        let deviation = f.against_plan_pct.map(|p| p - Decimal::ONE_HUNDRED);
        FiguresView {
            pagu: present::rupiah(lang, f.pagu.as_i64()),
            planned: present::rupiah(lang, f.planned_to_date.as_i64()),
            realised: present::rupiah(lang, f.realised_to_date.as_i64()),
            absorption: present::pct(lang, f.absorption_pct),
            against_plan: present::pct(lang, f.against_plan_pct),
            deviation: match deviation {
                None => "-".into(),
                Some(d) => {
                    let text = present::pct(lang, Some(d)).replace('%', "");
                    let sign = if d.is_sign_positive() && !d.is_zero() {
                        "+"
                    } else {
                        ""
                    };
                    format!("{sign}{text} pp")
                }
            },
            physical: present::pct(lang, f.physical_pct),
            rating: present::rating(lang, f.rating),
            flagged: f.flagged,
        }
    }
}

pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub f: FiguresView,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn year_choices(region: &Region, year: i32) -> Vec<Choice> {
    let mut years = years_of(region);
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable();
    }
    years
        .into_iter()
        .map(|y| Choice {
            value: y.to_string(),
            label: y.to_string(),
            selected: y == year,
        })
        .collect()
}

fn month_choices(tr: &Tr, month: u32) -> Vec<Choice> {
    (1..=12)
        .map(|m| Choice {
            value: m.to_string(),
            label: month_name(tr, m),
            selected: m == month,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "budget.html")]
struct OverviewPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    region_name: String,
    year: i32,
    month: u32,
    years: Vec<Choice>,
    months: Vec<Choice>,
    headline: String,
    /// "Angka per akhir Oktober 2025".
    moment: String,
    region: Option<FiguresView>,
    by_absorption: Vec<UnitRow>,
    by_plan: Vec<UnitRow>,
    flagged: usize,
    /// Percentage points below plan at which a unit is flagged.
    margin: String,
    finance: bool,
    can_import: bool,
    waiting: usize,
}

async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearMonth>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let (year, month) = year_and_month(&region, query.year.as_deref(), query.month.as_deref())?;
    let figures = pantau_domain::budget::year_figures(&region, year, month);
    let period = format!(
        "{} {} {year}",
        tr.t("budget-to-end-of"),
        month_name(&tr, month)
    );
    let headline = match &figures.region {
        Some(f) => format!(
            "{} {} {period}",
            tr.t("budget-absorption"),
            present::pct(lang, f.absorption_pct)
        ),
        None => format!("{} {year}", tr.t("budget-none-for")),
    };
    let mut rows: Vec<(UnitRow, Option<Decimal>, Option<Decimal>)> = region
        .units
        .iter()
        .zip(&figures.units)
        .filter_map(|(unit, f)| {
            f.as_ref().map(|f| {
                (
                    UnitRow {
                        code: unit.code.clone(),
                        name: unit.name.clone(),
                        f: FiguresView::of(lang, f),
                    },
                    f.absorption_pct,
                    f.against_plan_pct,
                )
            })
        })
        .collect();
    // Highest absorption first; units without a figure last.
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
    let flagged = rows.iter().filter(|r| r.0.f.flagged).count();
    let mut by_plan: Vec<(String, Option<Decimal>)> =
        rows.iter().map(|r| (r.0.code.clone(), r.2)).collect();
    // Furthest behind plan first; units with nothing planned last.
    by_plan.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let by_plan = by_plan
        .into_iter()
        .map(|(code, _)| {
            let (unit, f) = region
                .units
                .iter()
                .zip(&figures.units)
                .find(|(u, _)| u.code == code)
                .expect("ranked units are the region's");
            UnitRow {
                code,
                name: unit.name.clone(),
                f: FiguresView::of(lang, f.as_ref().expect("ranked units have figures")),
            }
        })
        .collect();
    let finance = user.finance().is_some();
    let waiting = if finance {
        state
            .store
            .budget_months_waiting(user.region())
            .await?
            .len()
    } else {
        0
    };
    let page = OverviewPage {
        nav: Some(Nav::of(&user).await?),
        region_name: region.name.clone(),
        year,
        month,
        years: year_choices(&region, year),
        months: month_choices(&tr, month),
        headline,
        moment: present::figures_as_of_month(lang, year, month),
        region: figures.region.as_ref().map(|f| FiguresView::of(lang, f)),
        by_absorption: rows.into_iter().map(|r| r.0).collect(),
        by_plan,
        flagged,
        margin: present::number(lang, Some(region.budget_flag_margin)),
        finance,
        can_import: finance || user.admin().is_some(),
        waiting,
        tr,
    };
    render(&page)
}

pub struct MonthRow {
    pub month: u32,
    pub name: String,
    pub planned: String,
    pub realised: String,
    pub planned_cum: String,
    pub realised_cum: String,
    pub absorption_cum: String,
    pub physical: String,
    pub status_code: &'static str,
    pub status: String,
    pub entered_by: String,
    pub return_reason: Option<String>,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "budget_unit.html")]
struct UnitPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    unit_code: String,
    unit_name: String,
    year: i32,
    month: u32,
    period: String,
    years: Vec<Choice>,
    months: Vec<Choice>,
    figures: Option<FiguresView>,
    chart: String,
    progress_chart: String,
    rows: Vec<MonthRow>,
    has_pagu: bool,
    pagu_raw: String,
    writer_finance: bool,
    writer_unit: bool,
    saved: bool,
    refusal: Option<Refusal>,
}

impl UnitPage<'_> {
    /// The refusal to show in a form, if it was that form's.
    fn refusal_for(&self, form: &str) -> Option<&Refusal> {
        self.refusal.as_ref().filter(|r| r.form == form)
    }
}

/// A budget month's review state reads like an entry's.
fn status_text(tr: &Tr, status: BudgetStatus) -> String {
    use pantau_domain::bundle::EntryStatus;
    present::entry_status(
        tr.lang,
        match status {
            BudgetStatus::Submitted => EntryStatus::Submitted,
            BudgetStatus::Verified => EntryStatus::Verified,
            BudgetStatus::Returned => EntryStatus::Returned,
        },
    )
    .to_owned()
}

fn to_f64(amount: Rupiah) -> f64 {
    // Drawing positions only.
    amount.0 as f64
}

/// A form the server refused: shown again with its message and what was typed.
#[derive(Default)]
pub struct Refusal {
    /// `month` or `pagu`: which form.
    pub form: &'static str,
    pub message: String,
    pub planned: String,
    pub realised: String,
    pub physical_pct: String,
    pub pagu: String,
}

async fn unit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<YearMonth>,
) -> Result<Response, PageError> {
    unit_view(&state, &user, code, query, None).await
}

/// The unit's page; with a refusal it answers 400 and keeps the typed values.
async fn unit_view(
    state: &AppState,
    user: &CurrentUser,
    code: String,
    query: YearMonth,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let position = region
        .units
        .iter()
        .position(|u| u.code == code)
        .ok_or(PageError::NotFound)?;
    let unit = &region.units[position];
    let (year, month) = year_and_month(&region, query.year.as_deref(), query.month.as_deref())?;
    let stored = state.store.budget_year(user.region(), &code, year).await?;
    // The engine's figures to the end of every month of the year.
    let by_month: Vec<Option<BudgetFigures>> = (1..=12)
        .map(|m| pantau_domain::budget::year_figures(&region, year, m).units[position].clone())
        .collect();
    let figures = by_month[month as usize - 1].as_ref();
    let rows = (1..=12u32)
        .map(|m| {
            let stored_month = stored
                .as_ref()
                .and_then(|y| y.months.iter().find(|s| s.month == m));
            let cumulative = by_month[m as usize - 1].as_ref();
            MonthRow {
                month: m,
                name: month_name(&tr, m),
                planned: stored_month
                    .map_or("-".into(), |s| present::rupiah(lang, s.planned.as_i64())),
                realised: stored_month
                    .map_or("-".into(), |s| present::rupiah(lang, s.realised.as_i64())),
                planned_cum: cumulative.map_or("-".into(), |f| {
                    present::rupiah(lang, f.planned_to_date.as_i64())
                }),
                realised_cum: cumulative.map_or("-".into(), |f| {
                    present::rupiah(lang, f.realised_to_date.as_i64())
                }),
                absorption_cum: cumulative
                    .map_or("-".into(), |f| present::pct(lang, f.absorption_pct)),
                physical: stored_month.map_or("-".into(), |s| present::pct(lang, s.physical_pct)),
                status_code: stored_month.map_or("", |s| s.status.code()),
                status: stored_month.map_or(String::new(), |s| status_text(&tr, s.status)),
                entered_by: stored_month
                    .and_then(|s| s.entered_by.clone())
                    .unwrap_or_default(),
                return_reason: stored_month.and_then(|s| s.return_reason.clone()),
                current: m == month,
            }
        })
        .collect();
    let months = short_months(&tr);
    let month_refs: [&str; 12] = std::array::from_fn(|i| months[i].as_str());
    let series = |pick: &dyn Fn(&BudgetFigures) -> Option<f64>, upto: u32| {
        let mut values = [None; 12];
        for (i, f) in by_month.iter().enumerate().take(upto as usize) {
            values[i] = f.as_ref().and_then(pick);
        }
        values
    };
    let pagu = figures.map_or(0.0, |f| to_f64(f.pagu));
    let planned_total = by_month[11]
        .as_ref()
        .map_or(0.0, |f| to_f64(f.planned_to_date));
    let title = format!("{} · {} {year}", unit.code, tr.t("budget-chart-title"));
    let plan_label = tr.t("budget-plan-cumulative");
    let actual_label = tr.t("budget-realised-cumulative");
    let pagu_label = tr.t("budget-pagu");
    let chart = budget_chart::svg(&budget_chart::YearChart {
        title: &title,
        lang: tr.lang,
        months: month_refs,
        y_max: pagu.max(planned_total),
        axis: budget_chart::Axis::RupiahBillions,
        series: vec![
            budget_chart::Series {
                label: &plan_label,
                values: series(&|f| Some(to_f64(f.planned_to_date)), 12),
                dashed: true,
                color: budget_chart::PLAN,
            },
            budget_chart::Series {
                label: &actual_label,
                values: series(&|f| Some(to_f64(f.realised_to_date)), month),
                dashed: false,
                color: budget_chart::ACTUAL,
            },
        ],
        ceiling: figures.map(|_| (pagu, pagu_label.as_str())),
        as_of_month: month,
    });
    let progress_title = tr.t("budget-progress-title");
    let financial_label = tr.t("budget-financial");
    let physical_label = tr.t("budget-physical");
    let progress_chart = budget_chart::svg(&budget_chart::YearChart {
        title: &progress_title,
        lang: tr.lang,
        months: month_refs,
        y_max: 100.0,
        axis: budget_chart::Axis::Percent,
        series: vec![
            budget_chart::Series {
                label: &financial_label,
                values: series(&|f| f.absorption_pct.and_then(|p| p.to_f64()), month),
                dashed: false,
                color: budget_chart::ACTUAL,
            },
            budget_chart::Series {
                label: &physical_label,
                values: {
                    // The physical figure of each month as reported, not carried forward.
                    let mut values = [None; 12];
                    if let Some(y) = &stored {
                        for m in y
                            .months
                            .iter()
                            .filter(|m| m.month <= month && m.status != BudgetStatus::Returned)
                        {
                            values[m.month as usize - 1] = m.physical_pct.and_then(|p| p.to_f64());
                        }
                    }
                    values
                },
                dashed: false,
                color: budget_chart::PHYSICAL,
            },
        ],
        ceiling: None,
        as_of_month: month,
    });
    let writer = month_writer(&user.user, &code);
    let page = UnitPage {
        nav: Some(Nav::of(user).await?),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        month,
        period: present::figures_as_of_month(tr.lang, year, month),
        years: year_choices(&region, year),
        months: month_choices(&tr, month),
        figures: figures.map(|f| FiguresView::of(lang, f)),
        chart,
        progress_chart,
        rows,
        has_pagu: stored.is_some(),
        pagu_raw: stored
            .as_ref()
            .map_or(String::new(), |y| y.pagu.to_string()),
        writer_finance: writer == Some(Writer::Finance),
        writer_unit: writer == Some(Writer::Unit),
        saved: query.saved == Some(1),
        refusal,
        tr,
    };
    let mut response = render(&page)?;
    if page.refusal.is_some() {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// Show a refused form again on the unit's page; other failures stay as they are.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    code: String,
    year: &str,
    month: &str,
    failure: PageError,
    refusal: impl FnOnce(String) -> Refusal,
) -> Result<Response, PageError> {
    let PageError::BadRequest(message) = failure else {
        return Err(failure);
    };
    let valid = |t: &str, ok: bool| ok.then(|| t.to_owned());
    let query = YearMonth {
        year: valid(year, matches!(parse_year(Some(year)), Ok(Some(_)))),
        month: valid(month, matches!(parse_month(Some(month)), Ok(Some(_)))),
        ..Default::default()
    };
    unit_view(state, user, code, query, Some(refusal(message))).await
}

#[derive(Debug, Deserialize)]
pub struct PaguForm {
    csrf: Option<String>,
    year: String,
    pagu: String,
}

async fn save_pagu(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<PaguForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(finance) = user.finance() else {
        return Err(user.deny(&state, "budget.pagu").await);
    };
    let written = async {
        let year = parse_year(Some(&form.year))?
            .ok_or_else(|| PageError::BadRequest("year: a year is needed".into()))?;
        let pagu = amount_field("pagu", &form.pagu)?;
        budgets::set_pagu(&state, &finance, &code, year, pagu).await?;
        Ok::<_, PageError>(format!("/anggaran/unit/{code}?year={year}&saved=1"))
    }
    .await;
    match written {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(failure) => {
            refused(
                &state,
                &user,
                code.clone(),
                &form.year,
                "",
                failure,
                |message| Refusal {
                    form: "pagu",
                    message,
                    pagu: form.pagu.clone(),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MonthForm {
    csrf: Option<String>,
    year: String,
    month: String,
    #[serde(default)]
    planned: String,
    #[serde(default)]
    realised: String,
    #[serde(default)]
    physical_pct: String,
}

async fn save_month(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<MonthForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(writer) = month_writer(&user.user, &code) else {
        return Err(user.deny(&state, "budget.month").await);
    };
    match write_month(&state, &user, &code, writer, &form).await {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(failure) => {
            refused(
                &state,
                &user,
                code,
                &form.year,
                &form.month,
                failure,
                |message| Refusal {
                    form: "month",
                    message,
                    planned: form.planned.clone(),
                    realised: form.realised.clone(),
                    physical_pct: form.physical_pct.clone(),
                    pagu: String::new(),
                },
            )
            .await
        }
    }
}

/// Parse the month's form, then write it; where to go after.
async fn write_month(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    writer: Writer,
    form: &MonthForm,
) -> Result<String, PageError> {
    let year = parse_year(Some(&form.year))?
        .ok_or_else(|| PageError::BadRequest("year: a year is needed".into()))?;
    let month = parse_month(Some(&form.month))?
        .ok_or_else(|| PageError::BadRequest("month: a month from 1 to 12 is needed".into()))?;
    let realised = if form.realised.trim().is_empty() {
        Rupiah(0)
    } else {
        amount_field("realised", &form.realised)?
    };
    let input = MonthInput {
        // A unit's form has no plan field; BPKAD's blank plan keeps the month's.
        planned: match writer {
            Writer::Finance if !form.planned.trim().is_empty() => {
                Some(amount_field("planned", &form.planned)?)
            }
            _ => None,
        },
        realised,
        physical_pct: pct_field("physical_pct", &form.physical_pct)?,
    };
    budgets::write_month(state, &user.user, code, writer, year, month, input).await?;
    Ok(format!(
        "/anggaran/unit/{code}?year={year}&month={month}&saved=1"
    ))
}

pub struct WaitingRow {
    pub unit: String,
    pub year: i32,
    pub month: u32,
    pub month_name: String,
    pub planned: String,
    pub realised: String,
    pub physical: String,
    pub entered_by: String,
}

#[derive(Template)]
#[template(path = "budget_queue.html")]
struct QueuePage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    rows: Vec<WaitingRow>,
    saved: bool,
}

async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearMonth>,
) -> Result<Response, PageError> {
    let Some(finance) = user.finance() else {
        return Err(user.deny(&state, "budget.queue").await);
    };
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let rows = state
        .store
        .budget_months_waiting(&finance.user.region)
        .await?
        .into_iter()
        .map(|m| WaitingRow {
            month_name: month_name(&tr, m.month),
            unit: m.unit,
            year: m.year,
            month: m.month,
            planned: present::rupiah(lang, m.planned.as_i64()),
            realised: present::rupiah(lang, m.realised.as_i64()),
            physical: present::pct(lang, m.physical_pct),
            entered_by: m.entered_by.unwrap_or_default(),
        })
        .collect();
    render(&QueuePage {
        nav: Some(Nav::of(&user).await?),
        rows,
        saved: query.saved == Some(1),
        tr,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    unit: String,
    year: String,
    month: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ReviewForm>,
) -> Result<Response, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(finance) = user.finance() else {
        return Err(user.deny(&state, "budget.review").await);
    };
    let year = parse_year(Some(&form.year))?
        .ok_or_else(|| PageError::BadRequest("year: a year is needed".into()))?;
    let month = parse_month(Some(&form.month))?
        .ok_or_else(|| PageError::BadRequest("month: a month from 1 to 12 is needed".into()))?;
    let decision = match form.decision.as_str() {
        "verify" => Review::Verify,
        "return" => Review::Return {
            reason: form.reason.clone(),
        },
        other => {
            return Err(PageError::BadRequest(format!(
                "decision: \"{other}\" is neither verify nor return"
            )));
        }
    };
    budgets::review_month(&state, &finance, &form.unit, year, month, &decision).await?;
    Ok(Redirect::to("/anggaran/verifikasi?saved=1").into_response())
}

#[derive(Template)]
#[template(path = "budget_import.html")]
struct ImportPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    year: i32,
    problems: Vec<Problem>,
    done: Option<usize>,
}

/// BPKAD, or an admin: the two who may import.
fn may_import(user: &CurrentUser) -> bool {
    user.finance().is_some() || user.admin().is_some()
}

async fn import_page(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    problems: Vec<Problem>,
    done: Option<usize>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let refused = !problems.is_empty();
    let mut response = render(&ImportPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(Nav::of(user).await?),
        year,
        problems,
        done,
    })?;
    if refused {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

async fn import_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearMonth>,
) -> Result<Response, PageError> {
    if !may_import(&user) {
        return Err(user.deny(&state, "budget.import").await);
    }
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let year = match parse_year(query.year.as_deref())? {
        Some(y) => y,
        None => *years_of(&region).last().expect("at least one year"),
    };
    import_page(&state, &user, year, Vec::new(), query.done).await
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut year, mut file) = (None, String::new(), None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?
    {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = Some(field.text().await.unwrap_or_default()),
            "year" => year = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| PageError::BadRequest(format!("file: {e}")))?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    check_csrf(&user.session, csrf.as_deref()).await?;
    if !may_import(&user) {
        return Err(user.deny(&state, "budget.import").await);
    }
    let year = parse_year(Some(&year))?
        .ok_or_else(|| PageError::BadRequest("year: a year is needed".into()))?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(PageError::BadRequest(
            "file: choose an XLSX or CSV file".into(),
        ));
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let file = if name.is_empty() {
        "file".to_owned()
    } else {
        name.clone()
    };
    // What the audit record says was imported: the file's name and hash.
    let source = pantau_store::ImportSource::of(Some(&name), &bytes);
    // Read and check off the request threads, within the time limit; a file
    // that takes longer is refused before anything is written.
    let checked = crate::limits::run_import(&file, state.config.import_time_limit, move || {
        // An XLSX file is a zip archive: known by its first bytes, whatever its name.
        let sheet = if bytes.starts_with(b"PK\x03\x04") {
            budget_import::read_xlsx(&bytes)
        } else {
            budget_import::read_csv(if name.is_empty() { "csv" } else { &name }, &bytes)
        };
        match sheet {
            Ok(sheet) => budget_import::check(&sheet, &region),
            Err(problem) => Err(vec![problem]),
        }
    })
    .await;
    let years = match checked {
        Ok(Ok(years)) => years,
        Ok(Err(problems)) => return import_page(&state, &user, year, problems, None).await,
        Err(late) => {
            let tr = Tr {
                catalog: &state.i18n,
                lang: lang_of(&user.session).await,
            };
            let problem = Problem {
                sheet: file,
                row: 0,
                column: String::new(),
                reason: crate::limits::timed_out_text(&tr, &late),
            };
            return import_page(&state, &user, year, vec![problem], None).await;
        }
    };
    let written = state
        .store
        .replace_budget_years(user.region(), year, &years, &user.actor(), Some(&source))
        .await?;
    Ok(Redirect::to(&format!("/anggaran/impor?year={year}&done={written}")).into_response())
}

async fn template_parts(
    state: &AppState,
    user: &CurrentUser,
    query: &YearMonth,
) -> Result<
    (
        std::sync::Arc<Region>,
        i32,
        Vec<pantau_store::budgets::BudgetYear>,
    ),
    PageError,
> {
    if !may_import(user) {
        return Err(user.deny(state, "budget.template").await);
    }
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let year = match parse_year(query.year.as_deref())? {
        Some(y) => y,
        None => *years_of(&region).last().expect("at least one year"),
    };
    let stored = state.store.budget_years(user.region(), year).await?;
    Ok((region, year, stored))
}

fn download(content_type: &'static str, file_name: String, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn template_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearMonth>,
) -> Result<Response, PageError> {
    let (region, year, stored) = template_parts(&state, &user, &query).await?;
    let bytes = budget_import::xlsx_template(&region, &stored).map_err(PageError::internal)?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("anggaran-{}-{year}.xlsx", region.code),
        bytes,
    ))
}

async fn template_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearMonth>,
) -> Result<Response, PageError> {
    let (region, year, stored) = template_parts(&state, &user, &query).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("anggaran-{}-{year}.csv", region.code),
        budget_import::csv_template(&region, &stored),
    ))
}
