//! The leaders' dashboard (dasbor pimpinan): the program summary, per priority
//! program and per cluster, units ranked, the compliance heat map of units by
//! weeks, the weekly trends of capaian and reporting rate, and the budget
//! beside performance; filters by cluster and priority; a print view for A4.
//!
//! Every figure is the engine's: the trends are the engine's evaluation as of
//! each past deadline, not a recomputation here.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use pantau_domain::evaluation::{BudgetFigures, ComplianceState, Evaluation, Status, StatusCounts};
use pantau_domain::model::{Program, Region};
use pantau_present as present;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::{Header, Nav, lang_of, render, status_code};
use crate::AppState;
use crate::access::CurrentUser;
use crate::chart::{self, HeatCell, HeatRow, Heatmap, TrendChart, TrendSeries};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::figures::{ViewQuery, evaluate_for};

pub fn routes() -> Router<AppState> {
    Router::new().route("/pimpinan", get(dashboard))
}

#[derive(Debug, Default, Deserialize)]
pub struct LeadersQuery {
    pub program: Option<String>,
    pub as_of: Option<String>,
    pub cluster: Option<String>,
    pub priority: Option<String>,
    /// `1` for the print view.
    pub cetak: Option<String>,
}

/// The headline cards of the chosen scope.
pub struct ScopeView {
    pub label: String,
    pub capaian: String,
    pub rating: &'static str,
    pub targets: u32,
    pub reporting_rate: String,
    pub on_time_rate: String,
    pub counts: Vec<(&'static str, u32)>,
}

pub struct BudgetView {
    pub absorption: String,
    pub against_plan: String,
    pub physical: String,
    pub pagu: String,
    pub realised: String,
    pub rating: &'static str,
    pub flagged: bool,
}

pub struct GroupLine {
    pub code: String,
    pub name: String,
    pub targets: u32,
    pub status: &'static str,
    pub capaian: String,
    pub rating: &'static str,
    pub reporting_rate: String,
    pub selected: bool,
}

pub struct RankedUnit {
    pub rank: usize,
    pub code: String,
    pub name: String,
    pub cluster: String,
    pub status: &'static str,
    pub capaian: String,
    pub rating: &'static str,
    pub reporting_rate: String,
    pub on_time_rate: String,
    pub absorption: String,
    pub flagged: bool,
}

pub struct Choice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "leaders.html")]
struct LeadersPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    header: Header,
    print: bool,
    as_of_input: String,
    programs: Vec<Choice>,
    clusters: Vec<Choice>,
    priorities: Vec<Choice>,
    cluster_filter: String,
    priority_filter: String,
    scopes: Vec<ScopeView>,
    budget: Option<BudgetView>,
    budget_month: String,
    priority_lines: Vec<GroupLine>,
    cluster_lines: Vec<GroupLine>,
    units: Vec<RankedUnit>,
    heatmap: String,
    trend: String,
    /// Which weeks the trends show, when not all that have passed.
    trend_window: Option<String>,
    print_link: String,
    /// New and overdue citizen feedback of the region: (new, overdue).
    feedback: (String, String),
}

/// The most weeks the trends show: half a year.
pub(crate) const TREND_WEEKS: usize = 26;

fn find_code<T>(
    items: &[T],
    code: Option<&str>,
    code_of: impl Fn(&T) -> &str,
    field: &str,
) -> Result<Option<usize>, PageError> {
    match code.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(code) => items
            .iter()
            .position(|item| code_of(item) == code)
            .map(Some)
            .ok_or_else(|| PageError::BadRequest(format!("{field}: unknown code \"{code}\""))),
    }
}

fn counts_of(counts: &StatusCounts) -> Vec<(&'static str, u32)> {
    Status::ALL
        .iter()
        .filter(|s| counts.get(**s) > 0)
        .map(|s| (s.code(), counts.get(*s)))
        .collect()
}

fn budget_view(lang: Lang, figures: &BudgetFigures) -> BudgetView {
    BudgetView {
        absorption: present::pct(lang, figures.absorption_pct),
        against_plan: present::pct(lang, figures.against_plan_pct),
        physical: present::pct(lang, figures.physical_pct),
        pagu: present::rupiah(lang, figures.pagu.as_i64()),
        realised: present::rupiah(lang, figures.realised_to_date.as_i64()),
        rating: present::rating(lang, figures.rating),
        flagged: figures.flagged,
    }
}

/// How each unit reported each week: the engine's compliance, with weeks
/// reported only by a nil report told apart.
fn heat_rows(
    region: &Region,
    program: &Program,
    evaluation: &Evaluation,
    units: &[usize],
    as_of: chrono::DateTime<chrono::Utc>,
) -> Vec<HeatRow> {
    let periods = program.calendar.periods().len();
    let mut has_entry = vec![false; region.units.len() * periods];
    let mut has_nil = vec![false; region.units.len() * periods];
    for entry in program.entries.iter().filter(|e| e.submitted_at <= as_of) {
        if let Some(p) = program.calendar.period_position(entry.activity_date) {
            let unit = program.targets[entry.target as usize].unit as usize;
            has_entry[unit * periods + p] = true;
        }
    }
    for nil in program
        .nil_reports
        .iter()
        .filter(|n| n.submitted_at <= as_of)
    {
        if let Some(p) = program.calendar.period_position(nil.date) {
            has_nil[nil.unit as usize * periods + p] = true;
        }
    }
    units
        .iter()
        .map(|&u| {
            // Weeks not begun yet have no compliance from the engine: open.
            let mut cells = vec![HeatCell::Open; periods];
            for c in &evaluation.units[u].compliance {
                let p = c.period as usize - 1;
                let nil_only = has_nil[u * periods + p] && !has_entry[u * periods + p];
                cells[p] = match c.state {
                    ComplianceState::OnTime | ComplianceState::Late if nil_only => HeatCell::Nil,
                    ComplianceState::OnTime => HeatCell::OnTime,
                    ComplianceState::Late => HeatCell::Late,
                    ComplianceState::Missing => HeatCell::Missing,
                    ComplianceState::Open => HeatCell::Open,
                };
            }
            HeatRow {
                label: region.units[u].code.clone(),
                cells,
            }
        })
        .collect()
}

fn percent(value: Option<Decimal>) -> Option<f64> {
    value.and_then(|v| pantau_domain::rating::round2(v).to_f64())
}

async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<LeadersQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let view = ViewQuery {
        program: query.program.clone().filter(|p| !p.is_empty()),
        as_of: query.as_of.clone(),
    };
    let evaluated = evaluate_for(&state, &user.reads(), user.region(), &view).await?;
    let region = &evaluated.region;
    let program = evaluated.program();
    let eval = &evaluated.evaluation;
    let cluster = find_code(
        &region.clusters,
        query.cluster.as_deref(),
        |c| &c.code,
        "cluster",
    )?;
    let priority = find_code(
        &region.priorities,
        query.priority.as_deref(),
        |p| &p.code,
        "priority",
    )?;

    // The units in scope: with targets in this program, in the cluster, with a
    // target of the priority.
    let mut in_priority = vec![priority.is_none(); region.units.len()];
    if let Some(p) = priority {
        for target in program.targets.iter().filter(|t| t.priority == Some(p)) {
            in_priority[target.unit as usize] = true;
        }
    }
    let mut units: Vec<usize> = (0..region.units.len())
        .filter(|&u| eval.units[u].targets > 0)
        .filter(|&u| cluster.is_none() || region.units[u].cluster == cluster)
        .filter(|&u| in_priority[u])
        .collect();

    // Headline cards: the program, or the chosen cluster and priority as the engine figures them.
    let mut scopes = Vec::new();
    if cluster.is_none() && priority.is_none() {
        let s = &eval.summary;
        scopes.push(ScopeView {
            label: tr.t("leaders-scope-program"),
            capaian: present::pct(lang, s.achievement_pct),
            rating: present::rating(lang, s.rating),
            targets: s.targets,
            reporting_rate: present::rate(lang, s.reporting_rate),
            on_time_rate: present::rate(lang, s.on_time_rate),
            counts: counts_of(&s.status_counts),
        });
    }
    if let Some(c) = cluster {
        let r = &eval.clusters[c];
        scopes.push(ScopeView {
            label: format!("{} {}", tr.t("leaders-cluster"), region.clusters[c].name),
            capaian: present::pct(lang, r.achievement_pct),
            rating: present::rating(lang, r.rating),
            targets: r.targets,
            reporting_rate: present::rate(lang, r.reporting_rate),
            on_time_rate: present::rate(lang, r.on_time_rate),
            counts: counts_of(&r.status_counts),
        });
    }
    if let Some(p) = priority {
        let r = &eval.priorities[p];
        scopes.push(ScopeView {
            label: format!("{} {}", tr.t("leaders-priority"), region.priorities[p].name),
            capaian: present::pct(lang, r.achievement_pct),
            rating: present::rating(lang, r.rating),
            targets: r.targets,
            reporting_rate: "-".into(),
            on_time_rate: "-".into(),
            counts: counts_of(&r.status_counts),
        });
    }

    let budget = eval
        .summary
        .budget
        .as_ref()
        .and_then(|b| b.as_ref())
        .map(|b| budget_view(lang, b));
    let budget_month = evaluated.as_of.local_date.format("%Y-%m").to_string();

    let priority_lines = region
        .priorities
        .iter()
        .zip(&eval.priorities)
        .enumerate()
        .map(|(i, (p, r))| GroupLine {
            code: p.code.clone(),
            name: p.name.clone(),
            targets: r.targets,
            status: status_code(r.status),
            capaian: present::pct(lang, r.achievement_pct),
            rating: present::rating(lang, r.rating),
            reporting_rate: "-".into(),
            selected: priority == Some(i),
        })
        .collect();
    let cluster_lines = region
        .clusters
        .iter()
        .zip(&eval.clusters)
        .enumerate()
        .map(|(i, (c, r))| GroupLine {
            code: c.code.clone(),
            name: c.name.clone(),
            targets: r.targets,
            status: status_code(r.status),
            capaian: present::pct(lang, r.achievement_pct),
            rating: present::rating(lang, r.rating),
            reporting_rate: present::rate(lang, r.reporting_rate),
            selected: cluster == Some(i),
        })
        .collect();

    // Ranked by capaian, highest first; units without data last; ties by code.
    units.sort_by(|&a, &b| {
        let (x, y) = (&eval.units[a], &eval.units[b]);
        y.achievement_pct
            .is_some()
            .cmp(&x.achievement_pct.is_some())
            .then(y.achievement_pct.cmp(&x.achievement_pct))
            .then(region.units[a].code.cmp(&region.units[b].code))
    });
    let ranked: Vec<RankedUnit> = units
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let unit = &region.units[u];
            let r = &eval.units[u];
            let budget = r.budget.as_ref().and_then(|b| b.as_ref());
            RankedUnit {
                rank: i + 1,
                code: unit.code.clone(),
                name: unit.name.clone(),
                cluster: unit
                    .cluster
                    .map(|c| region.clusters[c].code.clone())
                    .unwrap_or_default(),
                status: status_code(r.status),
                capaian: present::pct(lang, r.achievement_pct),
                rating: present::rating(lang, r.rating),
                reporting_rate: present::rate(lang, r.reporting_rate),
                on_time_rate: present::rate(lang, r.on_time_rate),
                absorption: budget.map_or("-".into(), |b| present::pct(lang, b.absorption_pct)),
                flagged: budget.is_some_and(|b| b.flagged),
            }
        })
        .collect();

    // The heat map lists the units in scope by code, so a unit is easy to find.
    let mut by_code = units.clone();
    by_code.sort_by(|&a, &b| region.units[a].code.cmp(&region.units[b].code));
    let columns: Vec<u32> = program.calendar.periods().iter().map(|p| p.index).collect();
    let heatmap_title = tr.t("leaders-heatmap");
    let legend_texts = [
        present::compliance(lang, ComplianceState::OnTime).to_owned(),
        present::compliance(lang, ComplianceState::Late).to_owned(),
        tr.t("leaders-nil"),
        present::compliance(lang, ComplianceState::Missing).to_owned(),
        present::compliance(lang, ComplianceState::Open).to_owned(),
    ];
    let heatmap = chart::heatmap_svg(&Heatmap {
        title: &heatmap_title,
        lang,
        columns,
        rows: heat_rows(region, program, eval, &by_code, evaluated.as_of.instant),
        legend: [
            &legend_texts[0],
            &legend_texts[1],
            &legend_texts[2],
            &legend_texts[3],
            &legend_texts[4],
        ],
    });

    // Trends: the engine as of each deadline passed so far.
    let (version, _) = state
        .evaluations
        .current(user.reads().store(), user.region())
        .await?;
    let mut trend_columns = Vec::new();
    let mut capaian = Vec::new();
    let mut reporting = Vec::new();
    let passed: Vec<_> = program
        .calendar
        .periods()
        .iter()
        .filter(|p| p.deadline <= evaluated.as_of.instant)
        .collect();
    // One evaluation per week shown: a long program shows its latest weeks
    // only, so the page's cost does not grow with the program's length.
    let shown = &passed[passed.len().saturating_sub(TREND_WEEKS)..];
    let trend_window = match (shown.first(), shown.last()) {
        (Some(first), Some(last)) if shown.len() < passed.len() => Some(tr.t_with(
            "leaders-trend-window",
            &[
                ("weeks", present::count(lang, shown.len() as i64)),
                ("first", present::period(lang, first)),
                ("last", present::period(lang, last)),
            ],
        )),
        _ => None,
    };
    for period in shown.iter().copied() {
        let as_of = program.calendar.as_of_instant(period.deadline);
        let past = state.evaluations.evaluation(
            user.region(),
            version,
            region,
            evaluated.program_index,
            &as_of,
        );
        let (c, r) = match (cluster, priority) {
            (Some(c), _) => (
                past.clusters[c].achievement_pct,
                past.clusters[c].reporting_rate,
            ),
            (None, Some(p)) => (past.priorities[p].achievement_pct, None),
            (None, None) => (past.summary.achievement_pct, past.summary.reporting_rate),
        };
        trend_columns.push(period.index);
        capaian.push(percent(c));
        reporting.push(percent(r.map(|r| r * Decimal::ONE_HUNDRED)));
    }
    let mut series = vec![TrendSeries {
        name: tr.t("capaian"),
        values: capaian,
    }];
    if priority.is_none() || cluster.is_some() {
        series.push(TrendSeries {
            name: tr.t("reporting-rate"),
            values: reporting,
        });
    }
    let trend_title = tr.t("leaders-trend");
    let trend = if trend_columns.is_empty() {
        String::new()
    } else {
        chart::trend_svg(&TrendChart {
            title: &trend_title,
            lang,
            columns: trend_columns,
            series,
        })
    };

    let choices = |items: Vec<(&str, &str)>, chosen: Option<usize>| -> Vec<Choice> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (code, name))| Choice {
                code: code.to_owned(),
                name: name.to_owned(),
                selected: chosen == Some(i),
            })
            .collect()
    };
    let cluster_filter = cluster
        .map(|c| region.clusters[c].code.clone())
        .unwrap_or_default();
    let priority_filter = priority
        .map(|p| region.priorities[p].code.clone())
        .unwrap_or_default();
    // The date field shows a date alone; a moment stays in the links.
    let as_of_input = if evaluated.as_of.date_only {
        evaluated.as_of.local_date.to_string()
    } else {
        String::new()
    };
    // The printout keeps the page's program and moment, and its filters.
    let print_link = format!(
        "/pimpinan?{}&cluster={}&priority={}&cetak=1",
        evaluated.query(),
        cluster_filter,
        priority_filter
    );
    let print = query.cetak.as_deref() == Some("1");
    let open_feedback = crate::service::feedback::open_cases(&state, user.region(), None).await?;
    let page = LeadersPage {
        nav: if print {
            None
        } else {
            Some(Nav::of(&user).await?)
        },
        header: Header::of(
            &evaluated,
            &Tr {
                catalog: &state.i18n,
                lang,
            },
            "/pimpinan",
        ),
        print,
        as_of_input,
        programs: choices(
            region
                .programs
                .iter()
                .map(|p| (p.code.as_str(), p.name.as_str()))
                .collect(),
            Some(evaluated.program_index),
        ),
        clusters: choices(
            region
                .clusters
                .iter()
                .map(|c| (c.code.as_str(), c.name.as_str()))
                .collect(),
            cluster,
        ),
        priorities: choices(
            region
                .priorities
                .iter()
                .map(|p| (p.code.as_str(), p.name.as_str()))
                .collect(),
            priority,
        ),
        cluster_filter,
        priority_filter,
        scopes,
        budget,
        budget_month,
        priority_lines,
        cluster_lines,
        units: ranked,
        heatmap,
        trend,
        trend_window,
        print_link,
        feedback: (
            pantau_present::count(lang, open_feedback.new as i64),
            pantau_present::count(lang, open_feedback.overdue as i64),
        ),
        tr,
    };
    render(&page)
}
