//! The target page's trajectory chart, from the engine's realisation series.
//! Numbers, dates and labels are written by `pantau_present`.

use pantau_domain::Options;
use pantau_domain::calendar::AsOf;
use pantau_domain::evaluation::TargetResult;
use pantau_domain::model::{Program, Target};

use crate::chart;
use crate::i18n::{Lang, Tr};

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
