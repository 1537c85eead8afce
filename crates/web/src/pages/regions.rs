//! The supervisor's (pembina's) pages: the regions below its region, ranked
//! and filtered, each drilling down to the regions below it, and a kab/kota
//! to its programs' figures. Read-only: there is no form that writes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use pantau_domain::AsOf;
use pantau_domain::rating::Rating;
use pantau_present::{self as present, Lang};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::CurrentUser;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::service::figures::encode;
use crate::service::rollup::{self, ChildFigures};

#[derive(Debug, Default, Deserialize)]
pub struct RegionsQuery {
    as_of: Option<String>,
    /// A part of a name or code.
    q: Option<String>,
    /// A rating code (`sangat_tinggi` ...).
    rating: Option<String>,
    /// `capaian` (default, highest first) or `name`.
    sort: Option<String>,
}

struct Row {
    code: String,
    name: String,
    link: String,
    capaian: String,
    rating: &'static str,
    rating_code: &'static str,
    reporting_rate: String,
    on_time_rate: String,
    absorption: String,
    programs: Vec<ProgramRow>,
    /// One cell per week of the page's strip axis.
    weeks: Vec<HeatCell>,
    /// When the region pushes here: its last accepted push in words.
    last_push: Option<String>,
    late: bool,
}

struct HeatCell {
    level: &'static str,
    title: String,
}

struct ProgramRow {
    /// The program's read-only dashboard, for a kab/kota's own programs.
    link: String,
    name: String,
    capaian: String,
    rating: &'static str,
    targets: u32,
    reporting_rate: String,
}

struct RatingChoice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    code: String,
    name: String,
    moment: String,
    /// Without a moment asked, each program is at its default: a closed
    /// program's official figures are those at its final deadline.
    moment_note: Option<String>,
    as_of_input: String,
    q: String,
    sort: String,
    ratings: Vec<RatingChoice>,
    rows: Vec<Row>,
    /// The weeks of the heat strips (Mondays, in words), oldest first.
    weeks: Vec<String>,
    /// Whether any region below pushes its figures here (`pantau sync push`).
    has_sync: bool,
    /// Shown instead of the table when the region is a kab/kota.
    programs: Vec<ProgramRow>,
    /// This region's own programs (a province plans its own too).
    own_programs: Vec<ProgramRow>,
    up: Option<String>,
}

/// How many weeks a heat strip shows: a quarter, the length of a 100-day program.
const STRIP_WEEKS: usize = 13;

/// The supervisor's home: its own region's page.
pub async fn home(user: CurrentUser) -> Result<Redirect, PageError> {
    match rollup::supervised_region(&user.user) {
        Some(code) => Ok(Redirect::to(&format!("/wilayah/{code}"))),
        None => Err(PageError::Forbidden),
    }
}

/// The moment in words, as each program reads it in the region's time zone.
fn moment_words(lang: Lang, asked: Option<&str>) -> String {
    let tz = pantau_domain::validate::DEFAULT_TIMEZONE;
    let as_of = match asked {
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => AsOf {
                instant: Utc::now(),
                local_date: date,
                date_only: true,
            },
            Err(_) => {
                let instant = DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|_| Utc::now());
                AsOf {
                    instant,
                    local_date: instant.with_timezone(&tz).date_naive(),
                    date_only: false,
                }
            }
        },
        None => {
            let now = Utc::now();
            AsOf {
                instant: now,
                local_date: now.with_timezone(&tz).date_naive(),
                date_only: false,
            }
        }
    };
    present::figures_as_of(lang, tz, &as_of)
}

fn program_rows(lang: Lang, child: &ChildFigures, as_of: &str) -> Vec<ProgramRow> {
    child
        .programs
        .iter()
        .map(|p| ProgramRow {
            link: format!(
                "/wilayah/{}/dasbor?program={}{as_of}",
                child.code,
                encode(&p.code)
            ),
            name: p.name.clone(),
            capaian: present::pct(lang, p.summary.achievement_pct),
            rating: present::rating(lang, p.summary.rating),
            targets: p.summary.targets,
            reporting_rate: present::rate(lang, p.summary.reporting_rate),
        })
        .collect()
}

const RATINGS: [Rating; 5] = [
    Rating::SangatTinggi,
    Rating::Tinggi,
    Rating::Sedang,
    Rating::Rendah,
    Rating::SangatRendah,
];

/// The regions below `code` (or, for a kab/kota, its programs), for a
/// supervisor of that region or above it.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(query): Query<RegionsQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&user.session).await;
    let all = state.i18n.text(lang, "regions-all-programs");
    let asked = query
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let found = match rollup::children(&state, &user.user, &code, asked, &all).await {
        Err(PageError::Forbidden) => return Err(user.deny(&state, "page.region").await),
        other => other?,
    };
    let keep = found
        .asked
        .as_deref()
        .map(|a| format!("?as_of={}", encode(a)))
        .unwrap_or_default();
    let and_as_of = found
        .asked
        .as_deref()
        .map(|a| format!("&as_of={}", encode(a)))
        .unwrap_or_default();
    // A kab/kota has no region below: its own programs are shown, read from
    // its province's figures.
    let parsed = pantau_domain::RegionCode::parse(&found.code).map_err(PageError::internal)?;
    let programs = if parsed.level() == pantau_domain::RegionLevel::KabKota {
        let parent = parsed.parent().expect("a kab/kota has a province");
        rollup::children(&state, &user.user, parent.as_str(), asked, &all)
            .await
            .ok()
            .and_then(|p| p.children.into_iter().find(|c| c.code == found.code))
            .map(|c| program_rows(lang, &c, &and_as_of))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    // A province's own plan, beside the roll-up of its kab/kota.
    let own_programs = if parsed.level() == pantau_domain::RegionLevel::Province {
        rollup::own_figures(&state, &user.user, &found.code, asked)
            .await?
            .map(|own| program_rows(lang, &own, &and_as_of))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let sync: std::collections::HashMap<String, pantau_store::SyncRegion> = state
        .store
        .sync_regions()
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let now = Utc::now();
    let tz = pantau_domain::validate::DEFAULT_TIMEZONE;
    let up = parsed
        .parent()
        .filter(|p| rollup::may_read(&user.user, p))
        .map(|p| format!("/wilayah/{p}{keep}"));
    let needle = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    let rating = query
        .rating
        .as_deref()
        .and_then(|r| RATINGS.into_iter().find(|x| x.code() == r));
    let mut children: Vec<ChildFigures> = found
        .children
        .into_iter()
        .filter(|c| {
            needle.is_empty()
                || c.name.to_lowercase().contains(&needle)
                || c.code.to_lowercase().contains(&needle)
        })
        .filter(|c| rating.is_none() || c.headline().and_then(|s| s.rating) == rating)
        .collect();
    let by_name = query.sort.as_deref() == Some("name");
    if by_name {
        children.sort_by(|a, b| a.name.cmp(&b.name));
    } else {
        // Highest capaian first; regions without figures last, by code.
        children.sort_by(|a, b| {
            let ca = a.headline().and_then(|s| s.achievement_pct);
            let cb = b.headline().and_then(|s| s.achievement_pct);
            cb.cmp(&ca).then_with(|| a.code.cmp(&b.code))
        });
    }
    // The strip's weeks: the last that anything was due in, across the regions shown.
    let mut axis: Vec<NaiveDate> = children
        .iter()
        .flat_map(|c| c.weeks.iter())
        .filter(|w| present::heat_level(&w.tally) != "hn")
        .map(|w| w.week)
        .collect();
    axis.sort();
    axis.dedup();
    let axis = axis.split_off(axis.len().saturating_sub(STRIP_WEEKS));
    let rows: Vec<Row> = children
        .iter()
        .map(|c| {
            let head = c.headline();
            let pushed = sync.get(&c.code);
            Row {
                weeks: axis
                    .iter()
                    .map(|week| {
                        let tally = c
                            .weeks
                            .iter()
                            .find(|w| w.week == *week)
                            .map(|w| w.tally)
                            .unwrap_or_default();
                        HeatCell {
                            level: present::heat_level(&tally),
                            title: present::week_reporting(lang, *week, &tally),
                        }
                    })
                    .collect(),
                last_push: pushed.map(|r| match r.last_push_at {
                    Some(at) => present::moment(lang, tz, at),
                    None => state.i18n.text(lang, "regions-never-pushed"),
                }),
                late: pushed.is_some_and(|r| r.is_late(now, state.config.sync_late_after)),
                code: c.code.clone(),
                name: c.name.clone(),
                link: format!("/wilayah/{}{keep}", c.code),
                capaian: present::pct(lang, head.and_then(|s| s.achievement_pct)),
                rating: present::rating(lang, head.and_then(|s| s.rating)),
                rating_code: head.and_then(|s| s.rating).map(|r| r.code()).unwrap_or(""),
                reporting_rate: present::rate(lang, head.and_then(|s| s.reporting_rate)),
                on_time_rate: present::rate(lang, head.and_then(|s| s.on_time_rate)),
                absorption: present::pct(lang, c.budget.as_ref().and_then(|b| b.absorption_pct)),
                programs: if c.programs.len() > 1 {
                    program_rows(lang, c, &and_as_of)
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let nav = Nav::of(&user).await?;
    render(&RegionsPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        nav: Some(nav),
        moment: moment_words(lang, found.asked.as_deref()),
        moment_note: found
            .asked
            .is_none()
            .then(|| state.i18n.text(lang, "regions-moment-default")),
        as_of_input: found
            .asked
            .as_deref()
            .filter(|a| NaiveDate::parse_from_str(a, "%Y-%m-%d").is_ok())
            .unwrap_or("")
            .to_owned(),
        code: found.code,
        name: found.name,
        q: query.q.unwrap_or_default(),
        sort: if by_name { "name" } else { "capaian" }.to_owned(),
        ratings: RATINGS
            .into_iter()
            .map(|r| RatingChoice {
                code: r.code(),
                label: r.label(),
                selected: Some(r) == rating,
            })
            .collect(),
        has_sync: rows.iter().any(|r: &Row| r.last_push.is_some()),
        rows,
        weeks: axis.iter().map(|w| present::date_short(lang, *w)).collect(),
        programs,
        own_programs,
        up,
    })
}
