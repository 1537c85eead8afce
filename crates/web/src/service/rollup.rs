//! The regions below a region and their figures (docs/rollup.md): a
//! province's kab/kota with their programs' summaries, the nation's provinces
//! each with the roll-up of its kab/kota. Every region's summaries come from
//! the per-server cache, keyed by the region's version, so a report in one
//! kab/kota recomputes that kab/kota alone and shows at the next request.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use pantau_domain::evaluation::{BudgetFigures, Summary};
use pantau_domain::rollup::{self, Part};
use pantau_domain::{RegionCode, RegionLevel};
use pantau_store::{RegionRow, Role, User};

use crate::AppState;
use crate::error::PageError;
use crate::evaluation::ProgramSummary;
use crate::service::figures::moment_of;

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

/// The program summaries of a kab/kota at the asked moment, each program at
/// its own reading of it (a date is the end of that day in the program's
/// time zone; none asked is the program's default moment).
async fn program_summaries(
    state: &AppState,
    code: &str,
    asked: Option<&str>,
) -> Result<Vec<(String, String, std::sync::Arc<ProgramSummary>)>, PageError> {
    let (version, region) = state
        .evaluations
        .current(state.store.as_ref(), code)
        .await?;
    let mut out = Vec::with_capacity(region.programs.len());
    for (index, program) in region.programs.iter().enumerate() {
        let (as_of, _) = moment_of(program, asked)?;
        let summary = state
            .evaluations
            .summary(code, version, &region, index, &as_of);
        out.push((program.code.clone(), program.name.clone(), summary));
    }
    Ok(out)
}

fn parts(summaries: &[(String, String, std::sync::Arc<ProgramSummary>)]) -> Vec<Part<'_>> {
    summaries
        .iter()
        .map(|(_, _, s)| Part {
            summary: &s.summary,
            tally: s.tally,
        })
        .collect()
}

/// A kab/kota with its own programs' summaries.
async fn kab_kota(
    state: &AppState,
    row: &RegionRow,
    asked: Option<&str>,
) -> Result<ChildFigures, PageError> {
    let summaries = program_summaries(state, &row.code, asked).await?;
    let budget = rollup::region_budget(&parts(&summaries)).flatten();
    Ok(ChildFigures {
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
    })
}

/// A province with the roll-up of its kab/kota's programs, as one program
/// ([`ALL_PROGRAMS`]); none when no kab/kota of it has a program.
async fn province(
    state: &AppState,
    row: &RegionRow,
    kab_kota: &[&RegionRow],
    asked: Option<&str>,
    all_programs_name: &str,
) -> Result<ChildFigures, PageError> {
    let mut regions = Vec::with_capacity(kab_kota.len());
    for child in kab_kota {
        regions.push(program_summaries(state, &child.code, asked).await?);
    }
    let parts: Vec<Vec<Part<'_>>> = regions.iter().map(|r| parts(r)).collect();
    let has_programs = parts.iter().any(|p| !p.is_empty());
    let summary = rollup::summary(&parts);
    Ok(ChildFigures {
        code: row.code.clone(),
        name: row.name.clone(),
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
    })
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
    if supervised_region(user).is_none() {
        return Err(PageError::Forbidden);
    }
    let Ok(asked_code) = RegionCode::parse(code) else {
        return Err(PageError::NotFound);
    };
    if !may_read(user, &asked_code) {
        return Err(PageError::Forbidden);
    }
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
    let mut children = Vec::new();
    for (child, row) in coded
        .iter()
        .filter(|(c, _)| c.parent().as_ref() == Some(&asked_code))
    {
        let figures = match child.level() {
            RegionLevel::KabKota => kab_kota(state, row, asked.as_deref()).await?,
            _ => {
                let below: Vec<&RegionRow> = coded
                    .iter()
                    .filter(|(c, _)| c.parent().as_ref() == Some(child))
                    .map(|(_, r)| *r)
                    .collect();
                province(state, row, &below, asked.as_deref(), all_programs_name).await?
            }
        };
        children.push(figures);
    }
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
