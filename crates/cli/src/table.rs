//! `pantau evaluate --format table`: a terminal summary of an evaluation, one
//! line per unit with its weekly compliance as a strip, then the totals.

use std::io::{self, Write};

use clap::builder::TypedValueParser;
use pantau_domain::AsOf;
use pantau_domain::evaluation::{ComplianceState, Evaluation, Status};
use pantau_domain::model::{Program, Region};
use pantau_present::{self as present, Lang};

/// `--lang`: the codes of [`pantau_present::Lang`], listed in `--help`.
pub fn lang_parser() -> impl TypedValueParser<Value = Lang> {
    clap::builder::PossibleValuesParser::new([Lang::Id.code(), Lang::En.code()])
        .map(|code: String| Lang::parse(&code).expect("a listed language code"))
}

struct Words {
    unit: &'static str,
    targets: &'static str,
    status: &'static str,
    capaian: &'static str,
    rating: &'static str,
    reporting: &'static str,
    no_targets: &'static str,
    total: &'static str,
    units_with_targets: &'static str,
    reporting_rate: &'static str,
    on_time_rate: &'static str,
    legend: &'static str,
    budget: &'static str,
    absorption: &'static str,
    against_plan: &'static str,
    physical: &'static str,
    flagged: &'static str,
    stale: &'static str,
}

const ID: Words = Words {
    unit: "Perangkat daerah",
    targets: "Target",
    status: "Status",
    capaian: "Capaian",
    rating: "Predikat",
    reporting: "Pelaporan mingguan",
    no_targets: "Tanpa target di program ini",
    total: "Total",
    units_with_targets: "perangkat daerah bertarget",
    reporting_rate: "tingkat pelaporan",
    on_time_rate: "tepat waktu",
    legend: "Keterangan",
    budget: "Anggaran",
    absorption: "serapan",
    against_plan: "terhadap rencana",
    physical: "fisik",
    flagged: "di bawah rencana",
    stale: "tidak diperbarui 14 hari",
};

const EN: Words = Words {
    unit: "Unit",
    targets: "Targets",
    status: "Status",
    capaian: "Achievement",
    rating: "Rating",
    reporting: "Weekly reporting",
    no_targets: "No targets in this program",
    total: "Total",
    units_with_targets: "units with targets",
    reporting_rate: "reporting rate",
    on_time_rate: "on time",
    legend: "Legend",
    budget: "Budget",
    absorption: "absorption",
    against_plan: "against plan",
    physical: "physical",
    flagged: "below plan",
    stale: "not updated for 14 days",
};

/// The strip's legend, with the compliance labels everyone else shows:
/// "✓ tepat waktu, ! terlambat, …".
fn legend(lang: Lang) -> String {
    [
        ComplianceState::OnTime,
        ComplianceState::Late,
        ComplianceState::Missing,
        ComplianceState::Open,
    ]
    .iter()
    .map(|s| {
        format!(
            "{} {}",
            present::compliance_mark(*s),
            present::compliance(lang, *s).to_lowercase()
        )
    })
    .collect::<Vec<_>>()
    .join(", ")
}

/// Pad or shorten to a width in characters (names carry no wide glyphs); a
/// shortened text ends at a word with "…".
fn fit(text: &str, width: usize) -> String {
    let mut out = if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        if let Some(space) = cut.rfind(' ')
            && space > width / 2
        {
            cut.truncate(space);
        }
        cut.push('…');
        cut
    };
    let len = out.chars().count();
    out.extend(std::iter::repeat_n(' ', width - len));
    out
}

pub fn write(
    out: &mut impl Write,
    region: &Region,
    program: &Program,
    evaluation: &Evaluation,
    as_of: &AsOf,
    lang: Lang,
) -> io::Result<()> {
    let w = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    writeln!(out, "{} ({}) · {}", program.name, program.code, region.name)?;
    writeln!(
        out,
        "{} · {}",
        present::figures_as_of(lang, program.calendar.timezone, as_of),
        present::day_of(lang, evaluation.day, evaluation.days_total)
    )?;
    writeln!(out)?;
    let name_width = 34;
    writeln!(
        out,
        "{} {:>6}  {} {:>9}  {} {}",
        fit(w.unit, name_width),
        w.targets,
        fit(w.status, 15),
        w.capaian,
        fit(w.rating, 13),
        w.reporting
    )?;
    let mut without_targets = Vec::new();
    for (unit, result) in region.units.iter().zip(&evaluation.units) {
        let Some(status) = result.status else {
            without_targets.push(unit.code.as_str());
            continue;
        };
        let strip: String = result
            .compliance
            .iter()
            .map(|c| present::compliance_mark(c.state))
            .collect();
        let label = format!("{} {}", unit.code, unit.name);
        let stale = evaluation
            .targets
            .iter()
            .filter(|t| t.unit == unit.code && t.stale)
            .count();
        let stale = if stale > 0 {
            format!("  ({} {})", present::count(lang, stale as i64), w.stale)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{} {:>6}  {} {:>9}  {} {}{}",
            fit(&label, name_width),
            present::count(lang, i64::from(result.targets)),
            fit(present::status(lang, status), 15),
            present::pct(lang, result.achievement_pct),
            fit(present::rating(lang, result.rating), 13),
            strip,
            stale
        )?;
    }
    if !without_targets.is_empty() {
        writeln!(
            out,
            "{} ({}): {}",
            w.no_targets,
            present::count(lang, without_targets.len() as i64),
            without_targets.join(", ")
        )?;
    }
    writeln!(out)?;
    let summary = &evaluation.summary;
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter(|s| summary.status_counts.get(**s) > 0)
        .map(|s| {
            format!(
                "{} {}",
                present::status(lang, *s),
                present::count(lang, i64::from(summary.status_counts.get(*s)))
            )
        })
        .collect();
    writeln!(
        out,
        "{}: {} {}, {} {} · {} {} ({})",
        w.total,
        present::count(lang, i64::from(summary.targets)),
        w.targets.to_lowercase(),
        present::count(lang, i64::from(summary.units_with_targets)),
        w.units_with_targets,
        w.capaian,
        present::pct(lang, summary.achievement_pct),
        present::rating(lang, summary.rating)
    )?;
    writeln!(out, "  {}", counts.join(", "))?;
    writeln!(
        out,
        "  {} {} · {} {}",
        w.reporting_rate,
        present::rate(lang, summary.reporting_rate),
        w.on_time_rate,
        present::rate(lang, summary.on_time_rate)
    )?;
    if let Some(Some(budget)) = &summary.budget {
        writeln!(
            out,
            "  {}: {} {} ({}) · {} {} · {} {}{}",
            w.budget,
            w.absorption,
            present::pct(lang, budget.absorption_pct),
            present::rating(lang, budget.rating),
            w.against_plan,
            present::pct(lang, budget.against_plan_pct),
            w.physical,
            present::pct(lang, budget.physical_pct),
            if budget.flagged {
                format!(" · {}", w.flagged)
            } else {
                String::new()
            }
        )?;
    }
    writeln!(out, "{}: {}", w.legend, legend(lang))?;
    Ok(())
}
