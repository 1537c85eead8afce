//! The regions below a region and their figures (docs/rollup.md): a
//! province's kab/kota with their programs' summaries, the nation's provinces
//! each with the roll-up of its kab/kota. Every region's summaries come from
//! the per-server cache, keyed by the region's version, so a report in one
//! kab/kota recomputes that kab/kota alone and shows at the next request.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use pantau_domain::evaluation::{BudgetFigures, Summary};
use pantau_domain::rollup::{self, Part, WeekTally};
use pantau_domain::{RegionCode, RegionLevel};
use pantau_store::{RegionRow, Role, User};

use crate::AppState;
use crate::error::PageError;
use crate::evaluation::{ProgramSummary, RegionSummaries};
use crate::service::figures::{moment_at, now_end_of_minute};

/// The code of the one program a province carries in the nation's view: the
/// roll-up of every program of its kab/kota.
pub const ALL_PROGRAMS: &str = "*";

/// A program of a region, with its summary.
#[derive(Debug, Clone)]
pub struct ProgramFigures {
    pub code: String,
    pub name: String,
    pub summary: Summary,
}

/// A region below, with its programs and its budget.
#[derive(Debug, Clone)]
pub struct ChildFigures {
    pub code: String,
    pub name: String,
    pub programs: Vec<ProgramFigures>,
    pub budget: Option<BudgetFigures>,
    /// The reporting record by calendar week of what [`ChildFigures::headline`]
    /// summarises: a kab/kota's first program, a province's every program.
    pub weeks: Vec<WeekTally>,
}

impl ChildFigures {
    /// The figure a supervisor ranks by: the first (for a province, the only)
    /// program's summary.
    pub fn headline(&self) -> Option<&Summary> {
        self.programs.first().map(|p| &p.summary)
    }
}

/// The regions directly below a region, at a moment.
#[derive(Debug, Clone)]
pub struct Children {
    pub code: String,
    pub name: String,
    /// The moment as asked, or now (RFC 3339, UTC) when none was.
    pub as_of: String,
    pub asked: Option<String>,
    pub children: Vec<ChildFigures>,
}

/// The region a supervisor belongs to, when `user` is one.
pub fn supervised_region(user: &User) -> Option<RegionCode> {
    (user.role == Role::Supervisor)
        .then(|| RegionCode::parse(&user.region).ok())
        .flatten()
}

/// Whether `user` may read the region `code`: a supervisor of that region or
/// of one above it.
pub fn may_read(user: &User, code: &RegionCode) -> bool {
    supervised_region(user).is_some_and(|own| own.covers(code))
}

/// Refuse a moment that is neither a date nor an RFC 3339 moment (nor `now`)
/// before any region is read, naming the field as every endpoint does.
fn checked_moment(asked: Option<&str>) -> Result<Option<String>, PageError> {
    let Some(text) = asked.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let valid = matches!(text, "now" | "sekarang")
        || NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        || DateTime::parse_from_rfc3339(text).is_ok();
    if valid {
        Ok(Some(text.to_owned()))
    } else {
        Err(PageError::BadRequest(format!(
            "as_of: \"{text}\" is neither a date (YYYY-MM-DD) nor an RFC 3339 moment with an offset"
        )))
    }
}

/// How many regions a roll-up reads at once when their summaries are not
/// cached: a cold national view loads hundreds, and one region's database
/// reads overlap another's evaluation.
const REGIONS_AT_ONCE: usize = 4;

/// The program summaries of a region at the asked moment, each program at
/// its own reading of it (a date is the end of that day in the program's
/// time zone; none asked is the program's default moment), "now" being
/// `minute`. Found by version and moments without the region's model when a
/// roll-up asked before, so an unchanged region costs no load even once its
/// model is evicted, and a closed program (whose default moment is its final
/// deadline) is not evaluated again each minute.
async fn program_summaries(
    state: &AppState,
    code: &str,
    asked: Option<&str>,
    minute: DateTime<Utc>,
) -> Result<RegionSummaries, PageError> {
    let cache = &state.evaluations;
    let version = state.store.region_version(code).await?;
    if let Some(calendars) = cache.calendars(code, version) {
        let moments = calendars
            .iter()
            .map(|cal| moment_at(cal, asked, minute).map(|(as_of, _)| as_of.instant))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(found) = cache.region_summaries(code, version, &moments) {
            return Ok(found);
        }
    }
    let (version, region) = cache.current(state.store.as_ref(), code).await?;
    cache.keep_calendars(code, version, &region);
    let mut out = Vec::with_capacity(region.programs.len());
    let mut moments = Vec::with_capacity(region.programs.len());
    for (index, program) in region.programs.iter().enumerate() {
        let (as_of, _) = moment_at(&program.calendar, asked, minute)?;
        let summary = cache.summary(code, version, &region, index, &as_of);
        moments.push(as_of.instant);
        out.push((program.code.clone(), program.name.clone(), summary));
    }
    let found: RegionSummaries = Arc::new(out);
    cache.keep_region_summaries(code, version, moments, found.clone());
    Ok(found)
}

/// The summaries of every region in `codes`, [`REGIONS_AT_ONCE`] at a time.
async fn summaries_of(
    state: &AppState,
    codes: Vec<String>,
    asked: Option<&str>,
    minute: DateTime<Utc>,
) -> Result<HashMap<String, RegionSummaries>, PageError> {
    let asked = asked.map(str::to_owned);
    let mut pending = codes.into_iter();
    let mut running = tokio::task::JoinSet::new();
    let mut found = HashMap::new();
    loop {
        while running.len() < REGIONS_AT_ONCE {
            let Some(code) = pending.next() else { break };
            let state = state.clone();
            let asked = asked.clone();
            running.spawn(async move {
                let summaries = program_summaries(&state, &code, asked.as_deref(), minute).await;
                (code, summaries)
            });
        }
        let Some(done) = running.join_next().await else {
            return Ok(found);
        };
        let (code, summaries) = done.map_err(PageError::internal)?;
        found.insert(code, summaries?);
    }
}

fn parts(summaries: &[(String, String, Arc<ProgramSummary>)]) -> Vec<Part<'_>> {
    summaries
        .iter()
        .map(|(_, _, s)| Part {
            summary: &s.summary,
            tally: s.tally,
        })
        .collect()
}

/// A kab/kota with its own programs' summaries.
fn kab_kota(row: &RegionRow, summaries: &[(String, String, Arc<ProgramSummary>)]) -> ChildFigures {
    let budget = rollup::region_budget(&parts(summaries)).flatten();
    ChildFigures {
        code: row.code.clone(),
        name: row.name.clone(),
        programs: summaries
            .iter()
            .map(|(code, name, s)| ProgramFigures {
                code: code.clone(),
                name: name.clone(),
                summary: s.summary.clone(),
            })
            .collect(),
        budget,
        weeks: summaries
            .first()
            .map(|(_, _, s)| s.weeks.clone())
            .unwrap_or_default(),
    }
}

/// A province with the roll-up of its kab/kota's programs, as one program
/// ([`ALL_PROGRAMS`]); none when no kab/kota of it has a program.
fn province(
    row: &RegionRow,
    kab_kota: &[&RegionSummaries],
    all_programs_name: &str,
) -> ChildFigures {
    let parts: Vec<Vec<Part<'_>>> = kab_kota.iter().map(|r| parts(r)).collect();
    let has_programs = parts.iter().any(|p| !p.is_empty());
    let summary = rollup::summary(&parts);
    let weeks = rollup::merge_weeks(
        kab_kota
            .iter()
            .flat_map(|r| r.iter())
            .map(|(_, _, s)| s.weeks.as_slice()),
    );
    ChildFigures {
        code: row.code.clone(),
        name: row.name.clone(),
        weeks,
        budget: summary.budget.clone().flatten(),
        programs: if has_programs {
            vec![ProgramFigures {
                code: ALL_PROGRAMS.to_owned(),
                name: all_programs_name.to_owned(),
                summary,
            }]
        } else {
            Vec::new()
        },
    }
}

/// The code of a region `user` may read: 403 for anyone but a supervisor of
/// it or of a region above it, 404 for what is not a Kemendagri code.
fn readable(user: &User, code: &str) -> Result<RegionCode, PageError> {
    if supervised_region(user).is_none() {
        return Err(PageError::Forbidden);
    }
    let Ok(parsed) = RegionCode::parse(code) else {
        return Err(PageError::NotFound);
    };
    if !may_read(user, &parsed) {
        return Err(PageError::Forbidden);
    }
    Ok(parsed)
}

/// A region's own programs with their summaries (a province plans its own
/// too), for a supervisor who may read it; none when it plans nothing.
pub async fn own_figures(
    state: &AppState,
    user: &User,
    code: &str,
    as_of: Option<&str>,
) -> Result<Option<ChildFigures>, PageError> {
    readable(user, code)?;
    let asked = checked_moment(as_of)?;
    let plans = state.store.region_programs().await?;
    if !plans.iter().any(|(region, _, _)| region == code) {
        return Ok(None);
    }
    let regions = state.store.regions().await?;
    let Some(row) = regions.iter().find(|r| r.code == code) else {
        return Ok(None);
    };
    let summaries = program_summaries(state, code, asked.as_deref(), now_end_of_minute()).await?;
    Ok(Some(kab_kota(row, &summaries)))
}

/// The regions directly below `code` with their figures, for `user`: 403 for
/// anyone but a supervisor of that region or above, 404 for a region not
/// registered (or outside the tree of codes), 422 for a bad moment.
pub async fn children(
    state: &AppState,
    user: &User,
    code: &str,
    as_of: Option<&str>,
    all_programs_name: &str,
) -> Result<Children, PageError> {
    let asked_code = readable(user, code)?;
    let asked = checked_moment(as_of)?;
    let regions = state.store.regions().await?;
    let Some(parent) = regions.iter().find(|r| r.code == asked_code.as_str()) else {
        return Err(PageError::NotFound);
    };
    let coded: Vec<(RegionCode, &RegionRow)> = regions
        .iter()
        .filter_map(|r| RegionCode::parse(&r.code).ok().map(|c| (c, r)))
        .filter(|(c, r)| c.as_str() == r.code)
        .collect();
    let below: Vec<(&RegionCode, &RegionRow)> = coded
        .iter()
        .filter(|(c, _)| c.parent().as_ref() == Some(&asked_code))
        .map(|(c, r)| (c, *r))
        .collect();
    // A kab/kota is read itself; a province (in the nation's view) by its kab/kota.
    let read_of = |child: &RegionCode| -> Vec<&RegionRow> {
        match child.level() {
            RegionLevel::KabKota => vec![
                coded
                    .iter()
                    .find(|(c, _)| c == child)
                    .map(|(_, r)| *r)
                    .expect("a child is among the coded regions"),
            ],
            _ => coded
                .iter()
                .filter(|(c, _)| c.parent().as_ref() == Some(child))
                .map(|(_, r)| *r)
                .collect(),
        }
    };
    let minute = now_end_of_minute();
    let codes = below
        .iter()
        .flat_map(|(c, _)| read_of(c))
        .map(|r| r.code.clone())
        .collect();
    let summaries = summaries_of(state, codes, asked.as_deref(), minute).await?;
    let summaries_of_row = |r: &RegionRow| {
        summaries
            .get(&r.code)
            .expect("every region read has summaries")
    };
    let children = below
        .iter()
        .map(|(child, row)| match child.level() {
            RegionLevel::KabKota => kab_kota(row, summaries_of_row(row)),
            _ => {
                let parts: Vec<&RegionSummaries> =
                    read_of(child).into_iter().map(summaries_of_row).collect();
                province(row, &parts, all_programs_name)
            }
        })
        .collect();
    Ok(Children {
        code: parent.code.clone(),
        name: parent.name.clone(),
        as_of: asked
            .clone()
            .unwrap_or_else(|| Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)),
        asked,
        children,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_checked_before_any_region_is_read() {
        assert_eq!(checked_moment(None).unwrap(), None);
        assert_eq!(checked_moment(Some(" ")).unwrap(), None);
        assert_eq!(
            checked_moment(Some("2025-04-01")).unwrap().as_deref(),
            Some("2025-04-01")
        );
        assert!(checked_moment(Some("2025-04-01T09:00:00+07:00")).is_ok());
        assert!(checked_moment(Some("now")).is_ok());
        let err = checked_moment(Some("kemarin")).unwrap_err();
        assert!(matches!(err, PageError::BadRequest(m) if m.starts_with("as_of: \"kemarin\"")));
    }
}
