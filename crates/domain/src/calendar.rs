//! A program's calendar: reporting periods, their deadlines and the day count,
//! all in the program's time zone (domain.md, "Calendar").

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// One reporting period: every day from `start` to `end` (inclusive) is
/// reported by `deadline`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// 1-based, as people count them ("minggu ke-3").
    pub index: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub deadline: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Calendar {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub timezone: Tz,
    pub evaluation_weekday: chrono::Weekday,
    pub deadline_time: NaiveTime,
    periods: Vec<Period>,
    /// Period position (0-based) of each day, indexed by days since `start`.
    period_of_day: Vec<u32>,
}

/// A moment of evaluation with its local date in the program's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub instant: DateTime<Utc>,
    pub local_date: NaiveDate,
    /// True when given as a date alone (the end of that local day).
    pub date_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("start {start} is after end {end}")]
    StartAfterEnd { start: NaiveDate, end: NaiveDate },
}

/// The default reporting deadline on the evaluation day.
pub fn default_deadline_time() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a time")
}

/// The instant of a local date and time in `tz`. Where a daylight-saving change
/// makes the local time ambiguous the earlier instant is taken; where it skips
/// the local time, the first valid instant after it.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut local = NaiveDateTime::new(date, time);
    // Gaps are at most a few hours; step forward until the local time exists.
    for _ in 0..(4 * 24) {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(15);
    }
    Utc.from_utc_datetime(&NaiveDateTime::new(date, time))
}

impl Calendar {
    /// Build the calendar. `final_deadline` defaults to the day after `end` at `deadline_time`.
    pub fn new(
        start: NaiveDate,
        end: NaiveDate,
        timezone: Tz,
        evaluation_weekday: chrono::Weekday,
        deadline_time: NaiveTime,
        final_deadline: Option<DateTime<Utc>>,
    ) -> Result<Self, CalendarError> {
        if start > end {
            return Err(CalendarError::StartAfterEnd { start, end });
        }
        let mut periods: Vec<Period> = Vec::new();
        let mut period_of_day = Vec::with_capacity(((end - start).num_days() + 1) as usize);
        let mut period_start = start;
        for day in start.iter_days().take_while(|d| *d <= end) {
            if day > start && day.weekday() == evaluation_weekday {
                periods.push(Period {
                    index: periods.len() as u32 + 1,
                    start: period_start,
                    end: day.pred_opt().expect("day after start has a predecessor"),
                    deadline: local_instant(timezone, day, deadline_time),
                });
                period_start = day;
            }
            period_of_day.push(periods.len() as u32);
        }
        let last_deadline = final_deadline.unwrap_or_else(|| {
            local_instant(timezone, end.succ_opt().unwrap_or(end), deadline_time)
        });
        periods.push(Period {
            index: periods.len() as u32 + 1,
            start: period_start,
            end,
            deadline: last_deadline,
        });
        Ok(Calendar {
            start,
            end,
            timezone,
            evaluation_weekday,
            deadline_time,
            periods,
            period_of_day,
        })
    }

    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// Position (0-based) in [`Self::periods`] of the period holding `date`, if inside the program.
    pub fn period_position(&self, date: NaiveDate) -> Option<usize> {
        let offset = (date - self.start).num_days();
        if offset < 0 {
            return None;
        }
        self.period_of_day.get(offset as usize).map(|p| *p as usize)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// `(end - start) + 1`.
    pub fn days_total(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Hari ke-N on a local date, clamped to `[0, days_total]`.
    pub fn day(&self, local_date: NaiveDate) -> i64 {
        ((local_date - self.start).num_days() + 1).clamp(0, self.days_total())
    }

    /// Elapsed fraction of the program as `(elapsed_days, span_days)`, clamped to
    /// `[0, span]`. A one-day program is wholly elapsed from its only day.
    pub fn elapsed(&self, local_date: NaiveDate) -> (i64, i64) {
        let span = (self.end - self.start).num_days();
        if span == 0 {
            return if local_date >= self.start {
                (1, 1)
            } else {
                (0, 1)
            };
        }
        ((local_date - self.start).num_days().clamp(0, span), span)
    }

    /// The local date of an instant in the program's time zone.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.timezone).date_naive()
    }

    /// 00:00 of a local date.
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        local_instant(self.timezone, date, NaiveTime::MIN)
    }

    /// The evaluation moment for a local date given alone: the end of that day.
    pub fn as_of_date(&self, date: NaiveDate) -> AsOf {
        let end_of_day =
            NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).expect("a valid time");
        AsOf {
            instant: local_instant(self.timezone, date, end_of_day),
            local_date: date,
            date_only: true,
        }
    }

    pub fn as_of_instant(&self, instant: DateTime<Utc>) -> AsOf {
        AsOf {
            instant,
            local_date: self.local_date(instant),
            date_only: false,
        }
    }

    /// When the last period is due: the moment of the program's official
    /// final figures (domain.md, "The moment of a figure").
    pub fn final_deadline(&self) -> DateTime<Utc> {
        self.periods
            .last()
            .map(|p| p.deadline)
            .expect("a calendar has at least one period")
    }

    /// The moment of a page that asks for none: now until the final deadline
    /// has passed, the final deadline after it.
    pub fn default_as_of(&self, now: DateTime<Utc>) -> AsOf {
        self.as_of_instant(now.min(self.final_deadline()))
    }

    /// Whether the final deadline has passed at `now`.
    pub fn closed_at(&self, now: DateTime<Utc>) -> bool {
        now > self.final_deadline()
    }

    /// Parse `YYYY-MM-DD` (end of that local day) or an RFC 3339 moment.
    pub fn parse_as_of(&self, text: &str) -> Result<AsOf, String> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(self.as_of_date(date));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|t| self.as_of_instant(t.with_timezone(&Utc)))
            .map_err(|_| {
                format!("\"{text}\" is neither a date (YYYY-MM-DD) nor an RFC 3339 moment with an offset")
            })
    }

    /// An instant written in the program's time zone, e.g. `2025-02-28T09:00:00+07:00`.
    pub fn format_instant(&self, instant: DateTime<Utc>) -> String {
        instant
            .with_timezone(&self.timezone)
            .fixed_offset()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    }

    pub fn format_as_of(&self, as_of: &AsOf) -> String {
        let local = as_of.instant.with_timezone(&self.timezone).fixed_offset();
        let format = if as_of.date_only {
            chrono::SecondsFormat::Secs
        } else {
            chrono::SecondsFormat::AutoSi
        };
        local.to_rfc3339_opts(format, false)
    }
}
