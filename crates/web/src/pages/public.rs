//! The public portal at `/publik/{region}`: the published programs of a
//! region, for anyone, without log-in and without a session row (no handler
//! here touches the session, so the session layer writes nothing).
//!
//! Every figure counts verified entries only (`verified_only`, on a model
//! without unverified entries, so that reporting compliance too counts
//! verified reports only), and a budget month counts only once BPKAD
//! verified it. Public models,
//! evaluations and rendered pages are cached per data version (publishing
//! and withdrawing bump it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pantau_domain::Options;
use pantau_domain::evaluation::Evaluation;
use pantau_domain::model::Region;
use pantau_present as present;
use pantau_store::{Publication, RegionVersion};
use serde::Deserialize;

use super::{GroupRow, Header, TargetRow, status_code};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::figures::{Evaluated, encode, moment_of};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/publik/{region}", get(region_page))
        .route("/publik/{region}/program/{program}", get(program_page))
        .route(
            "/publik/{region}/program/{program}/target/{target}",
            get(target_page),
        )
        .merge(super::public_data::routes())
}

/// The verified reports of a target that count at the page's moment (the
/// public model holds no other), and the activity date of the latest.
fn verification_words(tr: &Tr, evaluated: &Evaluated, target: usize) -> String {
    let options = pantau_domain::Options {
        verified_only: true,
    };
    let counted: Vec<_> = pantau_domain::engine::counted_entries(
        evaluated.program(),
        target,
        &evaluated.as_of,
        options,
    )
    .collect();
    match counted.iter().map(|e| e.activity_date).max() {
        None => tr.t("public-verified-none"),
        Some(latest) => tr.t_with(
            "public-verified-count",
            &[
                ("count", present::count(tr.lang, counted.len() as i64)),
                ("date", present::date(tr.lang, latest)),
            ],
        ),
    }
}

/// How many public evaluations and rendered pages a server keeps.
const KEPT: usize = 256;

/// A region as the public sees it, at one data version.
pub struct PublicRegion {
    pub code: String,
    pub version: RegionVersion,
    /// The region's model with only verified budget months.
    pub region: Arc<Region>,
    /// The published programs: their index in the model and publication.
    pub published: Vec<(usize, Publication)>,
    /// The licence of the region's open data (an SPDX identifier).
    pub licence: String,
}

impl PublicRegion {
    /// The index of a published program; not found when it is not published
    /// (or does not exist): the public cannot tell the two apart.
    pub fn program(&self, code: &str) -> Result<usize, PageError> {
        self.published
            .iter()
            .find(|(ix, _)| self.region.programs[*ix].code == code)
            .map(|(ix, _)| *ix)
            .ok_or(PageError::NotFound)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EvaluationKey {
    region: String,
    version: RegionVersion,
    program: usize,
    as_of: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PageKey {
    uri: String,
    lang: Lang,
    version: RegionVersion,
    /// Pages without a moment show "now", which moves each minute.
    minute: i64,
}

/// The public models, evaluations and pages of a server.
#[derive(Default)]
pub struct PublicCache {
    regions: Mutex<HashMap<String, Arc<PublicRegion>>>,
    evaluations: Mutex<HashMap<EvaluationKey, Arc<Evaluation>>>,
    pages: Mutex<HashMap<PageKey, Arc<String>>>,
    reload: tokio::sync::Mutex<()>,
}

fn keep_bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= KEPT {
        map.clear();
    }
    map.insert(key, value);
}

/// The public view of a region at its current version; not found for an
/// unknown region.
pub async fn public_region(state: &AppState, code: &str) -> Result<Arc<PublicRegion>, PageError> {
    let cache = &state.public;
    let version = state.store.region_version(code).await?;
    let cached = |cache: &PublicCache| {
        cache
            .regions
            .lock()
            .expect("cache lock")
            .get(code)
            .filter(|r| r.version == version)
            .cloned()
    };
    if let Some(found) = cached(cache) {
        return Ok(found);
    }
    let _one_at_a_time = cache.reload.lock().await;
    if let Some(found) = cached(cache) {
        return Ok(found);
    }
    let (version, region) = state
        .evaluations
        .current(state.store.as_ref(), code)
        .await?;
    let publications = state.store.publications(code).await?;
    let licence = state.store.open_data_licence(code).await?;
    let region = Arc::new(verified_budgets(state, code, &region).await?);
    let published = publications
        .into_iter()
        .filter_map(|p| {
            region
                .programs
                .iter()
                .position(|program| program.code == p.program)
                .map(|ix| (ix, p))
        })
        .collect();
    let public = Arc::new(PublicRegion {
        code: code.to_owned(),
        version,
        region,
        published,
        licence,
    });
    cache
        .regions
        .lock()
        .expect("cache lock")
        .insert(code.to_owned(), public.clone());
    Ok(public)
}

/// The region's model as the public sees it: verified entries only, and
/// the budget months BPKAD has not verified left out (their spending and
/// physical progress; the plan, BPKAD's own, stays).
async fn verified_budgets(
    state: &AppState,
    code: &str,
    region: &Region,
) -> Result<Region, PageError> {
    use pantau_store::budgets::BudgetStatus;
    let mut public = region.clone();
    // Unverified and returned entries leave the model: besides realisation
    // (which `verified_only` already ignores them in), reporting compliance
    // counts every report, and a public figure must not move until a report
    // is verified.
    for program in &mut public.programs {
        program
            .entries
            .retain(|e| e.status == pantau_domain::bundle::EntryStatus::Verified);
    }
    let mut years: Vec<i32> = public.budgets.iter().map(|b| b.year).collect();
    years.sort_unstable();
    years.dedup();
    for year in years {
        let stored = state.store.budget_years(code, year).await?;
        for budget in public.budgets.iter_mut().filter(|b| b.year == year) {
            let unit = &region.units[budget.unit as usize].code;
            let months = stored
                .iter()
                .find(|y| &y.unit == unit)
                .map(|y| y.months.as_slice())
                .unwrap_or_default();
            for (i, month) in budget.months.iter_mut().enumerate() {
                let verified = months
                    .iter()
                    .any(|m| m.month as usize == i + 1 && m.status == BudgetStatus::Verified);
                if !verified {
                    month.realised = 0;
                    month.physical_pct = None;
                }
            }
        }
    }
    Ok(public)
}

/// A published program evaluated at the asked moment, verified entries only.
pub fn evaluate_public(
    state: &AppState,
    public: &PublicRegion,
    program: usize,
    as_of: Option<&str>,
) -> Result<Evaluated, PageError> {
    let (as_of, choice) = moment_of(&public.region.programs[program], as_of)?;
    let key = EvaluationKey {
        region: public.code.clone(),
        version: public.version,
        program,
        as_of: as_of.instant,
    };
    let found = state
        .public
        .evaluations
        .lock()
        .expect("cache lock")
        .get(&key)
        .cloned();
    let evaluation = match found {
        Some(found) => found,
        None => {
            let evaluation = Arc::new(pantau_domain::evaluate(
                &public.region,
                &public.region.programs[program],
                &as_of,
                Options {
                    verified_only: true,
                },
            ));
            keep_bounded(
                &mut state.public.evaluations.lock().expect("cache lock"),
                key,
                evaluation.clone(),
            );
            evaluation
        }
    };
    Ok(Evaluated {
        region: public.region.clone(),
        program_index: program,
        as_of,
        choice,
        evaluation,
    })
}

/// The moment of a public page.
#[derive(Debug, Default, Deserialize)]
pub struct MomentQuery {
    /// `YYYY-MM-DD`, an RFC 3339 moment, or `now`; default as on the dashboard.
    pub as_of: Option<String>,
}

/// A rendered public page from the cache, or rendered now and kept.
async fn cached_page(
    state: &AppState,
    public: &PublicRegion,
    uri: &axum::http::Uri,
    render: impl FnOnce(Tr) -> Result<String, PageError>,
) -> Result<Response, PageError> {
    cached_page_with(
        state,
        public,
        uri,
        |_| async { Ok(String::new()) },
        |tr, _| render(tr),
    )
    .await
}

/// [`cached_page`], with a part read from the store before rendering, only
/// when the page is not cached (the feedback thread under a target: it is as
/// fresh as the page, a minute at most).
async fn cached_page_with<Fut>(
    state: &AppState,
    public: &PublicRegion,
    uri: &axum::http::Uri,
    prepare: impl FnOnce(crate::i18n::Lang) -> Fut,
    render: impl FnOnce(Tr, String) -> Result<String, PageError>,
) -> Result<Response, PageError>
where
    Fut: std::future::Future<Output = Result<String, PageError>>,
{
    let lang = crate::visitor::current_lang();
    let key = PageKey {
        uri: uri.to_string(),
        lang,
        version: public.version,
        minute: chrono::Utc::now().timestamp() / 60,
    };
    let found = state
        .public
        .pages
        .lock()
        .expect("cache lock")
        .get(&key)
        .cloned();
    let body = match found {
        Some(body) => body,
        None => {
            let prepared = prepare(lang).await?;
            let body = Arc::new(render(
                Tr {
                    catalog: &state.i18n,
                    lang,
                },
                prepared,
            )?);
            keep_bounded(
                &mut state.public.pages.lock().expect("cache lock"),
                key,
                body.clone(),
            );
            body
        }
    };
    let mut response = Html(body.as_str().to_owned()).into_response();
    // Shared caches may keep it a little (it changes with the data
    // version), apart for each language cookie.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    Ok(response)
}

fn html(template: &impl Template) -> Result<String, PageError> {
    template.render().map_err(PageError::internal)
}

/// One published program on the region's page.
pub struct ProgramCard {
    pub code: String,
    pub name: String,
    pub capaian: String,
    pub status_counts: Vec<(&'static str, u32)>,
    pub period: String,
    pub published: String,
}

#[derive(Template)]
#[template(path = "public/region.html")]
struct RegionPage<'a> {
    tr: Tr<'a>,
    nav: Option<super::Nav>,
    region_code: String,
    region_name: String,
    programs: Vec<ProgramCard>,
    licence: String,
    licence_url: String,
}

async fn region_page(
    State(state): State<AppState>,
    Path(region): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let public = public_region(&state, &region).await?;
    let mut cards = Vec::new();
    for (ix, publication) in &public.published {
        let evaluated = evaluate_public(&state, &public, *ix, None)?;
        cards.push((evaluated, publication.clone()));
    }
    cached_page(&state, &public, &uri, |tr| {
        let lang = tr.lang;
        let programs = cards
            .iter()
            .map(|(evaluated, publication)| {
                let program = evaluated.program();
                let summary = &evaluated.evaluation.summary;
                ProgramCard {
                    code: program.code.clone(),
                    name: program.name.clone(),
                    capaian: present::pct(lang, summary.achievement_pct),
                    status_counts: super::status_counts(summary),
                    period: present::date_range(lang, program.calendar.start, program.calendar.end),
                    published: present::moment(
                        lang,
                        program.calendar.timezone,
                        publication.published_at,
                    ),
                }
            })
            .collect();
        html(&RegionPage {
            nav: None,
            region_code: public.code.clone(),
            region_name: public.region.name.clone(),
            programs,
            licence: public.licence.clone(),
            licence_url: super::public_data::licence_url(&public.licence),
            tr,
        })
    })
    .await
}

/// A unit's line on a program's public page, with its budget absorption.
pub struct UnitRow {
    pub group: GroupRow,
    pub absorption: String,
    pub realised: String,
    pub pagu: String,
}

/// A target's line on a program's public page.
pub struct PublicTargetRow {
    pub unit_code: String,
    pub row: TargetRow,
}

#[derive(Template)]
#[template(path = "public/program.html")]
struct ProgramPage<'a> {
    tr: Tr<'a>,
    nav: Option<super::Nav>,
    region_code: String,
    header: Header,
    /// `as_of=…`, for every link that keeps the moment.
    query: String,
    summary: super::SummaryView,
    units: Vec<UnitRow>,
    has_budget: bool,
    priorities: Vec<GroupRow>,
    targets: Vec<PublicTargetRow>,
}

fn target_row(lang: Lang, evaluated: &Evaluated, position: usize) -> TargetRow {
    let target = &evaluated.program().targets[position];
    let result = &evaluated.evaluation.targets[position];
    TargetRow {
        code: target.code.clone(),
        name: target.name.clone(),
        realized: present::number(lang, result.realized),
        target: present::number(lang, Some(target.target)),
        capaian: present::pct(lang, result.achievement_pct),
        rating: present::rating(lang, result.rating),
        status: result.status.code(),
        stale: result.stale,
        likely_to_miss: result.likely_to_miss == Some(true),
    }
}

fn moment_query(evaluated: &Evaluated) -> String {
    format!("as_of={}", encode(&evaluated.as_of_param()))
}

async fn program_page(
    State(state): State<AppState>,
    Path((region, program)): Path<(String, String)>,
    Query(query): Query<MomentQuery>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let public = public_region(&state, &region).await?;
    let ix = public.program(&program)?;
    let evaluated = evaluate_public(&state, &public, ix, query.as_of.as_deref())?;
    cached_page(&state, &public, &uri, |tr| {
        let lang = tr.lang;
        let eval = &evaluated.evaluation;
        let region = &evaluated.region;
        let summary = &eval.summary;
        let mut has_budget = false;
        let units = region
            .units
            .iter()
            .zip(&eval.units)
            .filter(|(_, u)| u.targets > 0)
            .map(|(unit, u)| {
                let budget = u.budget.clone().flatten();
                has_budget |= budget.is_some();
                UnitRow {
                    group: GroupRow {
                        code: unit.code.clone(),
                        name: unit.name.clone(),
                        targets: u.targets,
                        status: status_code(u.status),
                        capaian: present::pct(lang, u.achievement_pct),
                        rating: present::rating(lang, u.rating),
                        compliance: Vec::new(),
                    },
                    absorption: present::pct(lang, budget.as_ref().and_then(|b| b.absorption_pct)),
                    realised: budget
                        .as_ref()
                        .map(|b| present::rupiah(lang, b.realised_to_date.as_i64()))
                        .unwrap_or_default(),
                    pagu: budget
                        .as_ref()
                        .map(|b| present::rupiah(lang, b.pagu.as_i64()))
                        .unwrap_or_default(),
                }
            })
            .collect();
        let priorities = region
            .priorities
            .iter()
            .zip(&eval.priorities)
            .filter(|(_, r)| r.targets > 0)
            .map(|(p, r)| {
                GroupRow::of_group(
                    lang,
                    &p.code,
                    &p.name,
                    r.targets,
                    r.status,
                    r.achievement_pct,
                    r.rating,
                )
            })
            .collect();
        let targets = evaluated
            .program()
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| PublicTargetRow {
                unit_code: region.units[t.unit as usize].code.clone(),
                row: target_row(lang, &evaluated, i),
            })
            .collect();
        let path = format!("/publik/{}/program/{}", public.code, encode(&program));
        html(&ProgramPage {
            nav: None,
            region_code: public.code.clone(),
            header: Header::of(&evaluated, &tr, &path),
            query: moment_query(&evaluated),
            summary: super::SummaryView::of(lang, summary),
            units,
            has_budget,
            priorities,
            targets,
            tr,
        })
    })
    .await
}

#[derive(Template)]
#[template(path = "public/target.html")]
struct TargetPage<'a> {
    tr: Tr<'a>,
    nav: Option<super::Nav>,
    region_code: String,
    header: Header,
    query: String,
    unit_code: String,
    unit_name: String,
    measure: String,
    t: TargetRow,
    expected: String,
    projected: String,
    chart: String,
    /// The published feedback on this target, with the link to send more.
    thread: String,
    /// How often the figures move, in words.
    rhythm: String,
    /// The verified reports counted, and the latest one's date, in words.
    verification: String,
}

async fn target_page(
    State(state): State<AppState>,
    Path((region, program, target)): Path<(String, String, String)>,
    Query(query): Query<MomentQuery>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let public = public_region(&state, &region).await?;
    let ix = public.program(&program)?;
    let evaluated = evaluate_public(&state, &public, ix, query.as_of.as_deref())?;
    let position = evaluated
        .program()
        .targets
        .iter()
        .position(|t| t.code == target)
        .ok_or(PageError::NotFound)?;
    let thread_program = evaluated.program().code.clone();
    let thread_target = evaluated.program().targets[position].code.clone();
    let thread_state = state.clone();
    let prepare = |lang| async move {
        crate::service::feedback::published_thread(
            &thread_state,
            &region,
            &thread_program,
            &thread_target,
            lang,
        )
        .await
    };
    cached_page_with(&state, &public, &uri, prepare, |tr, thread| {
        let lang = tr.lang;
        let program = evaluated.program();
        let target = &program.targets[position];
        let result = &evaluated.evaluation.targets[position];
        let unit = &evaluated.region.units[target.unit as usize];
        let path = format!(
            "/publik/{}/program/{}/target/{}",
            public.code,
            encode(&program.code),
            encode(&target.code)
        );
        html(&TargetPage {
            nav: None,
            region_code: public.code.clone(),
            header: Header::of(&evaluated, &tr, &path),
            query: moment_query(&evaluated),
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
            measure: target.measure.clone().unwrap_or_default(),
            t: target_row(lang, &evaluated, position),
            expected: present::number(lang, result.expected),
            projected: present::number(lang, result.projected),
            chart: super::format::trajectory(&tr, program, target, result, &evaluated.as_of),
            thread,
            rhythm: present::weekly_rhythm(
                lang,
                program.calendar.evaluation_weekday,
                program.calendar.deadline_time,
            ),
            verification: verification_words(&tr, &evaluated, position),
            tr,
        })
    })
    .await
}
