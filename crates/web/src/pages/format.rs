//! How figures are written on the pages: a decimal comma in Indonesian.

use pantau_domain::Options;
use pantau_domain::bundle::EntryStatus;
use pantau_domain::calendar::AsOf;
use pantau_domain::evaluation::TargetResult;
use pantau_domain::model::{Program, Target};
use pantau_domain::rating::{Rating, round2};
use rust_decimal::Decimal;

use crate::chart;
use crate::i18n::{Lang, Tr};

/// A moment as people read it: local date and time with the zone's
/// abbreviation, e.g. `2025-05-21 09:00 WIB`.
pub fn moment(timezone: chrono_tz::Tz, instant: chrono::DateTime<chrono::Utc>) -> String {
    instant
        .with_timezone(&timezone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// A number rounded to 2 decimals, trailing zeros dropped; `-` when undefined.
pub fn num(lang: Lang, value: Option<Decimal>) -> String {
    let Some(value) = value else {
        return "-".into();
    };
    let text = round2(value).normalize().to_string();
    match lang {
        Lang::Id => text.replace('.', ","),
        Lang::En => text,
    }
}

pub fn pct(lang: Lang, value: Option<Decimal>) -> String {
    match value {
        None => "-".into(),
        Some(v) => {
            let text = format!("{:.2}", round2(v));
            let text = if lang == Lang::Id {
                text.replace('.', ",")
            } else {
                text
            };
            format!("{text}%")
        }
    }
}

/// A ratio (0 to 1) as a percentage.
pub fn rate(lang: Lang, value: Option<Decimal>) -> String {
    pct(lang, value.map(|v| v * Decimal::ONE_HUNDRED))
}

pub fn rating(value: Option<Rating>) -> &'static str {
    value.map_or("-", Rating::label)
}

pub fn entry_status(tr: &Tr, status: EntryStatus) -> String {
    tr.t(match status {
        EntryStatus::Submitted => "entry-submitted",
        EntryStatus::Verified => "entry-verified",
        EntryStatus::Returned => "entry-returned",
    })
}

/// The target's trajectory chart: expected line, realisation after each counted entry, forecast.
pub fn trajectory(
    tr: &Tr,
    program: &Program,
    target: &Target,
    result: &TargetResult,
    as_of: &AsOf,
) -> String {
    let cal = &program.calendar;
    let mut expected = vec![(cal.start, target.baseline)];
    expected.extend(target.plan.iter().copied());
    expected.push((cal.end, target.target));
    expected.sort_by_key(|(d, _)| *d);
    expected.dedup_by_key(|(d, _)| *d);

    let target_index = program
        .targets
        .iter()
        .position(|t| std::ptr::eq(t, target))
        .expect("the target is the program's");
    let realised =
        pantau_domain::engine::realisation_series(program, target_index, as_of, Options::default());
    let labels = match tr.lang {
        Lang::Id => chart::ChartLabels::INDONESIAN,
        Lang::En => chart::ChartLabels::ENGLISH,
    };
    chart::trajectory_svg(&chart::TrajectoryChart {
        title: &target.name,
        unit_label: target.measure.as_deref().unwrap_or(""),
        start: cal.start,
        end: cal.end,
        as_of: as_of.local_date,
        baseline: target.baseline,
        target: target.target,
        expected,
        realised,
        projected: result.projected,
        labels,
    })
}
