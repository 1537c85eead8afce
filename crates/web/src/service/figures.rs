//! The engine's figures for a program at an explicit moment: the one way a
//! page, the API or a download asks for them (domain.md, "The moment of a
//! figure").

use std::sync::Arc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use pantau_domain::AsOf;
use pantau_domain::evaluation::Evaluation;
use pantau_domain::model::{Program, Region};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::reads::Reads;

/// The program and moment a page or a call asks for; both optional.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ViewQuery {
    pub program: Option<String>,
    /// `YYYY-MM-DD` (the end of that local day), an RFC 3339 moment, or `now`.
    pub as_of: Option<String>,
}

/// How the moment of a set of figures was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MomentChoice {
    /// The caller named it.
    Asked,
    /// None was named and the program is running: now.
    Now,
    /// None was named and the final deadline has passed: the official final figures.
    FinalDeadline,
    /// `now` was asked after the final deadline: figures that count late reports.
    AfterFinal,
}

/// A program of a region evaluated at a moment.
pub struct Evaluated {
    pub region: Arc<Region>,
    pub program_index: usize,
    pub as_of: AsOf,
    pub choice: MomentChoice,
    pub evaluation: Arc<Evaluation>,
}

impl Evaluated {
    pub fn program(&self) -> &Program {
        &self.region.programs[self.program_index]
    }

    /// The moment as a query value that gives these figures again.
    pub fn as_of_param(&self) -> String {
        let cal = &self.program().calendar;
        if self.as_of.date_only {
            self.as_of.local_date.to_string()
        } else {
            cal.format_instant(self.as_of.instant)
        }
    }

    /// `program=…&as_of=…`, for every link that should keep these figures.
    pub fn query(&self) -> String {
        format!(
            "program={}&as_of={}",
            encode(&self.program().code),
            encode(&self.as_of_param())
        )
    }

    /// Reports (entries and nil reports) that arrived after the final
    /// deadline: they count only in figures asked for a later moment.
    pub fn reports_after_final(&self) -> usize {
        let program = self.program();
        let deadline = program.calendar.final_deadline();
        program
            .entries
            .iter()
            .filter(|e| e.submitted_at > deadline)
            .count()
            + program
                .nil_reports
                .iter()
                .filter(|n| n.submitted_at > deadline)
                .count()
    }
}

/// Percent-encode a query value (codes and moments: `+` and `:` matter).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// "Now" as the end of the current minute, so that readers within a minute
/// share one evaluation. Every report made so far counts (a new one changes
/// the version anyway), and deadlines fall on whole minutes, so none is
/// passed early.
pub(crate) fn now_end_of_minute() -> DateTime<Utc> {
    let now = Utc::now();
    let minute = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    minute + TimeDelta::minutes(1) - TimeDelta::nanoseconds(1)
}

/// The moment asked for, or the program's default one.
pub fn moment_of(
    program: &Program,
    asked: Option<&str>,
) -> Result<(AsOf, MomentChoice), PageError> {
    moment_at(&program.calendar, asked, now_end_of_minute())
}

/// [`moment_of`] of a program's calendar with "now" given: the roll-ups read
/// every region at one minute, and key their cache by the moments it gives.
pub(crate) fn moment_at(
    cal: &pantau_domain::Calendar,
    asked: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(AsOf, MomentChoice), PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some("now" | "sekarang") => Ok((
            cal.as_of_instant(now),
            if cal.closed_at(now) {
                MomentChoice::AfterFinal
            } else {
                MomentChoice::Now
            },
        )),
        Some(text) => cal
            .parse_as_of(text)
            .map(|as_of| (as_of, MomentChoice::Asked))
            .map_err(|m| PageError::BadRequest(format!("as_of: {m}"))),
        None if cal.closed_at(now) => Ok((cal.default_as_of(now), MomentChoice::FinalDeadline)),
        None => Ok((cal.as_of_instant(now), MomentChoice::Now)),
    }
}

/// A program of the region evaluated at the asked moment (the first program
/// when none is named), from what `reads` reads.
pub async fn evaluate_for(
    state: &AppState,
    reads: &Reads,
    region_code: &str,
    query: &ViewQuery,
) -> Result<Evaluated, PageError> {
    let (version, region) = state
        .evaluations
        .current(reads.store(), region_code)
        .await?;
    let program_index = match &query.program {
        Some(code) => region
            .programs
            .iter()
            .position(|p| &p.code == code)
            .ok_or(PageError::NotFound)?,
        None if region.programs.is_empty() => return Err(PageError::NotFound),
        None => 0,
    };
    let (as_of, choice) = moment_of(&region.programs[program_index], query.as_of.as_deref())?;
    let evaluation =
        state
            .evaluations
            .evaluation(region_code, version, &region, program_index, &as_of);
    Ok(Evaluated {
        region,
        program_index,
        as_of,
        choice,
        evaluation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_encoded_for_a_query_string() {
        assert_eq!(
            encode("2025-04-25T09:00:00+07:00"),
            "2025-04-25T09%3A00%3A00%2B07%3A00"
        );
        assert_eq!(encode("100HK"), "100HK");
    }
}
