//! `pantau evaluate --format table`: a terminal summary of an evaluation, one
//! line per unit with its weekly compliance as a strip, then the totals.

use std::io::{self, Write};

use clap::ValueEnum;
use pantau_domain::evaluation::{ComplianceState, Evaluation, Status};
use pantau_domain::model::{Program, Region};
use pantau_domain::rating::Rating;
use rust_decimal::Decimal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// Bahasa Indonesia
    Id,
    /// English
    En,
}

struct Words {
    as_of: &'static str,
    day: &'static str,
    of: &'static str,
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
    as_of: "Per",
    day: "hari ke",
    of: "dari",
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
    legend: "Keterangan: ✓ tepat waktu, ! terlambat, ✗ tidak lapor, · belum jatuh tempo",
    budget: "Anggaran",
    absorption: "serapan",
    against_plan: "terhadap rencana",
    physical: "fisik",
    flagged: "di bawah rencana",
    stale: "tidak diperbarui 14 hari",
};

const EN: Words = Words {
    as_of: "As of",
    day: "day",
    of: "of",
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
    legend: "Legend: ✓ on time, ! late, ✗ missing, · not yet due",
    budget: "Budget",
    absorption: "absorption",
    against_plan: "against plan",
    physical: "physical",
    flagged: "below plan",
    stale: "not updated for 14 days",
};

fn status_label(status: Status, lang: Lang) -> &'static str {
    match (lang, status) {
        (Lang::Id, Status::Achieved) => "Tercapai",
        (Lang::Id, Status::OnTrack) => "Sesuai jalur",
        (Lang::Id, Status::AtRisk) => "Berisiko",
        (Lang::Id, Status::OffTrack) => "Tertinggal",
        (Lang::Id, Status::NoData) => "Belum ada data",
        (Lang::Id, Status::NotAchieved) => "Tidak tercapai",
        (Lang::En, Status::Achieved) => "Achieved",
        (Lang::En, Status::OnTrack) => "On track",
        (Lang::En, Status::AtRisk) => "At risk",
        (Lang::En, Status::OffTrack) => "Off track",
        (Lang::En, Status::NoData) => "No data",
        (Lang::En, Status::NotAchieved) => "Not achieved",
    }
}

fn rating_label(rating: Option<Rating>) -> &'static str {
    rating.map_or("-", Rating::label)
}

/// A percentage with 2 decimals, with a decimal comma in Indonesian.
fn pct(value: Option<Decimal>, lang: Lang) -> String {
    value.map_or_else(
        || "-".to_owned(),
        |v| {
            let text = format!("{:.2}%", pantau_domain::rating::round2(v));
            match lang {
                Lang::Id => text.replace('.', ","),
                Lang::En => text,
            }
        },
    )
}

fn rate(value: Option<Decimal>, lang: Lang) -> String {
    pct(value.map(|v| v * Decimal::ONE_HUNDRED), lang)
}

fn strip_symbol(state: ComplianceState) -> char {
    match state {
        ComplianceState::OnTime => '✓',
        ComplianceState::Late => '!',
        ComplianceState::Missing => '✗',
        ComplianceState::Open => '·',
    }
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
    lang: Lang,
) -> io::Result<()> {
    let w = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    writeln!(out, "{} ({}) · {}", program.name, program.code, region.name)?;
    writeln!(
        out,
        "{} {} · {} {} {} {}",
        w.as_of, evaluation.as_of, w.day, evaluation.day, w.of, evaluation.days_total
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
            .map(|c| strip_symbol(c.state))
            .collect();
        let label = format!("{} {}", unit.code, unit.name);
        let stale = evaluation
            .targets
            .iter()
            .filter(|t| t.unit == unit.code && t.stale)
            .count();
        let stale = if stale > 0 {
            format!("  ({stale} {})", w.stale)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{} {:>6}  {} {:>9}  {} {}{}",
            fit(&label, name_width),
            result.targets,
            fit(status_label(status, lang), 15),
            pct(result.achievement_pct, lang),
            fit(rating_label(result.rating), 13),
            strip,
            stale
        )?;
    }
    if !without_targets.is_empty() {
        writeln!(
            out,
            "{} ({}): {}",
            w.no_targets,
            without_targets.len(),
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
                status_label(*s, lang),
                summary.status_counts.get(*s)
            )
        })
        .collect();
    writeln!(
        out,
        "{}: {} {}, {} {} · {} {} ({})",
        w.total,
        summary.targets,
        w.targets.to_lowercase(),
        summary.units_with_targets,
        w.units_with_targets,
        w.capaian,
        pct(summary.achievement_pct, lang),
        rating_label(summary.rating)
    )?;
    writeln!(out, "  {}", counts.join(", "))?;
    writeln!(
        out,
        "  {} {} · {} {}",
        w.reporting_rate,
        rate(summary.reporting_rate, lang),
        w.on_time_rate,
        rate(summary.on_time_rate, lang)
    )?;
    if let Some(Some(budget)) = &summary.budget {
        writeln!(
            out,
            "  {}: {} {} ({}) · {} {} · {} {}{}",
            w.budget,
            w.absorption,
            pct(budget.absorption_pct, lang),
            rating_label(budget.rating),
            w.against_plan,
            pct(budget.against_plan_pct, lang),
            w.physical,
            pct(budget.physical_pct, lang),
            if budget.flagged {
                format!(" · {}", w.flagged)
            } else {
                String::new()
            }
        )?;
    }
    writeln!(out, "{}", w.legend)?;
    Ok(())
}
