//! When reminders fall due: offsets before each period's deadline, in the
//! program's local time, and who has not reported for a period.
//!
//! An offset such as `-1d@15:00` means "the day before the deadline's local
//! date, at 15:00 local time". A reminder is only useful while a report can
//! still be on time, so a reminder whose instant is not strictly before its
//! period's deadline (a deadline at 00:00 with `0d@07:00`, say) is dropped from
//! the schedule, as is one before its period has begun (nobody can report yet).
//! After the deadline, the evaluators get one notice listing the units that
//! have not reported, at the deadline plus a set delay.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::calendar::{Calendar, local_instant};
use crate::evaluation::{ComplianceState, Evaluation};

/// One reminder time relative to a deadline: `days` (zero or negative) from
/// the deadline's local date, at a local `time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Offset {
    pub days: i32,
    pub time: NaiveTime,
}

impl Offset {
    pub fn new(days: i32, time: NaiveTime) -> Offset {
        Offset { days, time }
    }
}

/// Written as it is parsed: `-1d@15:00`, `0d@07:00`.
impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d@{}", self.days, self.time.format("%H:%M"))
    }
}

/// Why an offset list does not parse; each names the offending item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffsetError {
    #[error("reminder offsets: the list is empty (write e.g. \"-1d@15:00,0d@07:00\")")]
    Empty,
    #[error(
        "reminder offset \"{0}\": expected DAYSd@HH:MM, e.g. \"-1d@15:00\" (the day before the deadline at 15:00)"
    )]
    Shape(String),
    #[error("reminder offset \"{0}\": the day count is not a whole number")]
    Days(String),
    #[error(
        "reminder offset \"{0}\": reminders come before the deadline; use 0d (the deadline's day) or a negative day count"
    )]
    AfterDeadline(String),
    #[error("reminder offset \"{0}\": at most 60 days before the deadline")]
    TooEarly(String),
    #[error("reminder offset \"{0}\": \"{1}\" is not a time of day HH:MM")]
    Time(String, String),
    #[error("reminder offset \"{0}\" is listed twice")]
    Duplicate(String),
}

impl FromStr for Offset {
    type Err = OffsetError;

    fn from_str(text: &str) -> Result<Offset, OffsetError> {
        let item = text.trim();
        let (days, time) = item
            .split_once('@')
            .ok_or_else(|| OffsetError::Shape(item.to_owned()))?;
        let days = days
            .trim()
            .strip_suffix('d')
            .ok_or_else(|| OffsetError::Shape(item.to_owned()))?;
        let days: i32 = days
            .parse()
            .map_err(|_| OffsetError::Days(item.to_owned()))?;
        if days > 0 {
            return Err(OffsetError::AfterDeadline(item.to_owned()));
        }
        if days < -60 {
            return Err(OffsetError::TooEarly(item.to_owned()));
        }
        let time_text = time.trim();
        let time = NaiveTime::parse_from_str(time_text, "%H:%M")
            .map_err(|_| OffsetError::Time(item.to_owned(), time_text.to_owned()))?;
        Ok(Offset { days, time })
    }
}

/// The reminder offsets of a deployment, earliest first, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offsets(Vec<Offset>);

impl Offsets {
    /// Sorts them (earliest first); refuses an empty list and repeats.
    pub fn new(mut offsets: Vec<Offset>) -> Result<Offsets, OffsetError> {
        if offsets.is_empty() {
            return Err(OffsetError::Empty);
        }
        offsets.sort();
        if let Some(pair) = offsets.windows(2).find(|w| w[0] == w[1]) {
            return Err(OffsetError::Duplicate(pair[0].to_string()));
        }
        Ok(Offsets(offsets))
    }

    pub fn as_slice(&self) -> &[Offset] {
        &self.0
    }
}

/// The day before at 15:00 and the deadline's day at 07:00, as the issue asked.
impl Default for Offsets {
    fn default() -> Offsets {
        Offsets(vec![
            Offset::new(-1, NaiveTime::from_hms_opt(15, 0, 0).expect("a time")),
            Offset::new(0, NaiveTime::from_hms_opt(7, 0, 0).expect("a time")),
        ])
    }
}

/// A comma-separated list: `-1d@15:00,0d@07:00`.
impl FromStr for Offsets {
    type Err = OffsetError;

    fn from_str(text: &str) -> Result<Offsets, OffsetError> {
        if text.trim().is_empty() {
            return Err(OffsetError::Empty);
        }
        let offsets = text
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<Offset>, _>>()?;
        Offsets::new(offsets)
    }
}

impl fmt::Display for Offsets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, offset) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{offset}")?;
        }
        Ok(())
    }
}

/// What the schedule is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub offsets: Offsets,
    /// The missing-units notice goes out this long after the deadline.
    pub notice_delay: Duration,
    /// How long after its time a notice is still worth sending: a server that
    /// was down for longer, or a deployment started on an old program, does
    /// not send stale notices.
    pub notice_window: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            offsets: Offsets::default(),
            notice_delay: Duration::zero(),
            notice_window: Duration::hours(24),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// To the operators of units that have not reported yet.
    Reminder(Offset),
    /// To the evaluators: the units that did not report by the deadline.
    MissingNotice,
}

/// One scheduled item: due from `at` (inclusive) until `until` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The period's index (1-based, as in [`crate::Period::index`]).
    pub period: u32,
    pub kind: Kind,
    pub at: DateTime<Utc>,
    /// A reminder is worth sending until the deadline; a notice for its window.
    pub until: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

impl Due {
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.at <= now && now < self.until
    }
}

/// The instant of a reminder before `deadline`, in the calendar's time zone;
/// `None` when it would not fall strictly before the deadline.
pub fn reminder_instant(
    calendar: &Calendar,
    deadline: DateTime<Utc>,
    offset: Offset,
) -> Option<DateTime<Utc>> {
    let deadline_date = calendar.local_date(deadline);
    let date = deadline_date.checked_add_signed(Duration::days(i64::from(offset.days)))?;
    let at = local_instant(calendar.timezone, date, offset.time);
    (at < deadline).then_some(at)
}

/// Every reminder and notice of a program, ordered by time (then period).
pub fn schedule(calendar: &Calendar, settings: &Settings) -> Vec<Due> {
    let mut items = Vec::new();
    for period in calendar.periods() {
        let begun = calendar.start_of_day(period.start);
        for offset in settings.offsets.as_slice() {
            if let Some(at) = reminder_instant(calendar, period.deadline, *offset) {
                if at >= begun {
                    items.push(Due {
                        period: period.index,
                        kind: Kind::Reminder(*offset),
                        at,
                        until: period.deadline,
                        deadline: period.deadline,
                    });
                }
            }
        }
        let at = period.deadline + settings.notice_delay.max(Duration::zero());
        items.push(Due {
            period: period.index,
            kind: Kind::MissingNotice,
            at,
            until: at + settings.notice_window.max(Duration::zero()),
            deadline: period.deadline,
        });
    }
    items.sort_by_key(|d| (d.at, d.period));
    items
}

/// The items due at `now`.
pub fn due_at(schedule: &[Due], now: DateTime<Utc>) -> impl Iterator<Item = &Due> {
    schedule.iter().filter(move |d| d.is_due(now))
}

/// The codes of the units that owe a report for `period` and have none yet in
/// `evaluation` (the engine's compliance: a nil report counts as a report;
/// units without targets owe none; periods not begun are not listed).
pub fn units_without_report(evaluation: &Evaluation, period: u32) -> Vec<&str> {
    evaluation
        .units
        .iter()
        .filter(|unit| {
            unit.compliance.iter().any(|c| {
                c.period == period
                    && matches!(c.state, ComplianceState::Open | ComplianceState::Missing)
            })
        })
        .map(|unit| unit.code.as_str())
        .collect()
}
