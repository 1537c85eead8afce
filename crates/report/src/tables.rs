//! The tables every export shares: the XLSX writes each as a sheet, the CSV
//! as a file. One place decides the columns, so the two never disagree.
//!
//! A cell keeps both forms where they differ: the CSV writes the machine's
//! (codes, ISO dates and moments, plain numbers), the XLSX the person's
//! (labels from [`pantau_present`], number formats from
//! [`pantau_present::xlsx`], moments as local date-times).

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use pantau_domain::bundle::{EntryStatus, Kind, Polarity};
use pantau_domain::evaluation::{ComplianceState, FinalVerdict, Status, StatusCounts};
use pantau_domain::rating::Rating;
use pantau_present::Lang;

use crate::{Report, shown};

/// The spreadsheets are written in Indonesian.
const LANG: Lang = Lang::Id;

/// One cell. Numbers stay numbers so that a spreadsheet can compute with them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(Decimal),
    /// A percentage in percent (79.17 is 79.17 %); the XLSX stores the same
    /// number with [`pantau_present::xlsx::PERCENT`], the CSV writes it plainly.
    Pct(Decimal),
    /// Whole rupiah.
    Money(u128),
    Date(NaiveDate),
    /// A moment, already in the local offset it is to be read in: the CSV
    /// writes it as RFC 3339, the XLSX as a local date-time.
    Moment(DateTime<FixedOffset>),
    /// A value with a machine form and a person's: the CSV writes `code`
    /// (a status code, a rating code, an ISO moment), the XLSX `label`.
    Label {
        code: String,
        label: String,
    },
    Bool(bool),
    Empty,
}

impl Cell {
    fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    fn opt_text(value: Option<impl Into<String>>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }

    pub(crate) fn label(code: impl Into<String>, label: impl Into<String>) -> Cell {
        Cell::Label {
            code: code.into(),
            label: label.into(),
        }
    }

    /// A moment written in `timezone`.
    pub(crate) fn moment(instant: DateTime<FixedOffset>, timezone: Tz) -> Cell {
        Cell::Moment(instant.with_timezone(&timezone).fixed_offset())
    }

    fn num(value: Option<Decimal>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Num(pantau_domain::rating::round2(v)))
    }

    fn pct(value: Option<Decimal>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Pct(pantau_domain::rating::round2(v)))
    }

    /// A rate (0.9) shown as a percentage (90 %).
    fn rate(value: Option<Decimal>) -> Cell {
        value.map_or(Cell::Empty, |v| {
            Cell::Pct(pantau_domain::rating::round2(v * Decimal::ONE_HUNDRED))
        })
    }

    fn rating(value: Option<Rating>) -> Cell {
        value.map_or(Cell::Empty, |r| {
            Cell::label(r.code(), pantau_present::rating(LANG, Some(r)))
        })
    }

    fn status(value: Option<Status>) -> Cell {
        value.map_or(Cell::Empty, |s| {
            Cell::label(s.code(), pantau_present::status(LANG, s))
        })
    }
}

/// A column: `key` heads the CSV (stable, machine-friendly) and is what the
/// import reads; `label` heads the XLSX sheet (Indonesian, for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
}

const fn col(key: &'static str, label: &'static str) -> Column {
    Column { key, label }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Sheet name and CSV file stem.
    pub name: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The column position of `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }
}

/// The names of the tables, in the order they are written.
pub const SUMMARY: &str = "summary";
pub const UNITS: &str = "units";
pub const TARGETS: &str = "targets";
pub const COMPLIANCE: &str = "compliance";
pub const ENTRIES: &str = "entries";
pub const NIL_REPORTS: &str = "nil_reports";
pub const BUDGET: &str = "budget";

/// Every table of a report; `budget` only when the evaluation carries budgets.
pub fn all(report: &Report) -> Vec<Table> {
    let mut tables = vec![
        summary(report),
        units(report),
        targets(report),
        compliance(report),
        entries(report),
        nil_reports(report),
    ];
    if report.evaluation.units.iter().any(|u| u.budget.is_some()) {
        tables.push(budget(report));
    }
    tables
}

/// One table by name.
pub fn by_name(report: &Report, name: &str) -> Option<Table> {
    all(report).into_iter().find(|t| t.name == name)
}

pub fn names(report: &Report) -> Vec<&'static str> {
    let mut names = vec![SUMMARY, UNITS, TARGETS, COMPLIANCE, ENTRIES, NIL_REPORTS];
    if report.evaluation.units.iter().any(|u| u.budget.is_some()) {
        names.push(BUDGET);
    }
    names
}

/// A column per status, keyed by its code and headed by its label.
fn status_columns() -> [Column; 6] {
    Status::ALL.map(|s| col(s.code(), pantau_present::status(LANG, s)))
}

fn status_cells(counts: &StatusCounts) -> impl Iterator<Item = Cell> + '_ {
    Status::ALL
        .into_iter()
        .map(|s| Cell::Int(counts.get(s).into()))
}

fn summary(report: &Report) -> Table {
    let e = report.evaluation;
    let s = &e.summary;
    let mut rows: Vec<(&'static str, &'static str, Cell)> = vec![
        (
            "region",
            "Pemerintah daerah",
            Cell::text(&report.region.name),
        ),
        ("program", "Kode program", Cell::text(&e.program)),
        (
            "program_name",
            "Nama program",
            Cell::text(&report.program.name),
        ),
        ("start", "Mulai", Cell::Date(report.program.calendar.start)),
        ("end", "Selesai", Cell::Date(report.program.calendar.end)),
        (
            "as_of",
            "Angka per",
            Cell::label(
                &e.as_of,
                shown::as_of_words(LANG, report.program.calendar.timezone, &e.as_of),
            ),
        ),
        ("day", "Hari ke", Cell::Int(e.day)),
        ("days_total", "Jumlah hari", Cell::Int(e.days_total)),
        ("targets", "Jumlah target", Cell::Int(s.targets.into())),
        (
            "units_with_targets",
            "OPD dengan target",
            Cell::Int(s.units_with_targets.into()),
        ),
        (
            "achievement_pct",
            "Capaian (%)",
            Cell::pct(s.achievement_pct),
        ),
        ("rating", "Predikat", Cell::rating(s.rating)),
        (
            "reporting_rate",
            "Tingkat pelaporan",
            Cell::rate(s.reporting_rate),
        ),
        ("on_time_rate", "Tepat waktu", Cell::rate(s.on_time_rate)),
    ];
    for (column, cell) in status_columns()
        .into_iter()
        .zip(status_cells(&s.status_counts))
    {
        rows.push((column.key, column.label, cell));
    }
    if let Some(Some(b)) = &s.budget {
        rows.extend([
            ("budget_pagu", "Pagu anggaran", Cell::Money(b.pagu.0)),
            (
                "budget_planned_to_date",
                "Rencana s.d. bulan ini",
                Cell::Money(b.planned_to_date.0),
            ),
            (
                "budget_realised_to_date",
                "Realisasi s.d. bulan ini",
                Cell::Money(b.realised_to_date.0),
            ),
            (
                "budget_absorption_pct",
                "Serapan (%)",
                Cell::pct(b.absorption_pct),
            ),
            (
                "budget_against_plan_pct",
                "Terhadap rencana (%)",
                Cell::pct(b.against_plan_pct),
            ),
            ("budget_rating", "Predikat serapan", Cell::rating(b.rating)),
            (
                "budget_physical_pct",
                "Fisik (%)",
                Cell::pct(b.physical_pct),
            ),
        ]);
    }
    Table {
        name: SUMMARY,
        columns: vec![
            col("key", "Kunci"),
            col("item", "Uraian"),
            col("value", "Nilai"),
        ],
        rows: rows
            .into_iter()
            .map(|(key, label, cell)| vec![Cell::text(key), Cell::text(label), cell])
            .collect(),
    }
}

fn unit_name(report: &Report, code: &str) -> (String, Option<String>) {
    report
        .region
        .units
        .iter()
        .find(|u| u.code == code)
        .map(|u| {
            (
                u.name.clone(),
                u.cluster.map(|c| report.region.clusters[c].code.clone()),
            )
        })
        .unwrap_or_default()
}

/// A unit's reporting record: periods in each state, counted from its list
/// (a frozen evaluation keeps the list, not the engine's tally).
pub fn record(states: impl Iterator<Item = ComplianceState>) -> [u32; 4] {
    let mut record = [0; 4];
    for state in states {
        record[match state {
            ComplianceState::OnTime => 0,
            ComplianceState::Late => 1,
            ComplianceState::Missing => 2,
            ComplianceState::Open => 3,
        }] += 1;
    }
    record
}

fn units(report: &Report) -> Table {
    let mut columns = vec![
        col("unit", "Kode OPD"),
        col("unit_name", "Nama OPD"),
        col("cluster", "Asda"),
        col("targets", "Jumlah target"),
        col("achievement_pct", "Capaian (%)"),
        col("rating", "Predikat"),
        col("status", "Status"),
        col("final", "Evaluasi akhir"),
    ];
    columns.extend(status_columns());
    columns.extend([
        col(
            "on_time",
            pantau_present::compliance(LANG, ComplianceState::OnTime),
        ),
        col(
            "late",
            pantau_present::compliance(LANG, ComplianceState::Late),
        ),
        col(
            "missing",
            pantau_present::compliance(LANG, ComplianceState::Missing),
        ),
        col(
            "open",
            pantau_present::compliance(LANG, ComplianceState::Open),
        ),
        col("reporting_rate", "Tingkat pelaporan"),
        col("on_time_rate", "Tingkat tepat waktu"),
    ]);
    let rows = report
        .evaluation
        .units
        .iter()
        .map(|u| {
            let (name, cluster) = unit_name(report, &u.code);
            let mut row = vec![
                Cell::text(&u.code),
                Cell::text(name),
                Cell::opt_text(cluster),
                Cell::Int(u.targets.into()),
                Cell::pct(u.achievement_pct),
                Cell::rating(u.rating),
                Cell::status(u.status),
                u.final_verdict.map_or(Cell::Empty, |v| {
                    Cell::label(verdict_code(v), pantau_present::final_verdict(LANG, v))
                }),
            ];
            row.extend(status_cells(&u.status_counts));
            row.extend(
                record(u.compliance.iter().map(|c| c.state))
                    .into_iter()
                    .map(|n| Cell::Int(n.into())),
            );
            row.extend([Cell::rate(u.reporting_rate), Cell::rate(u.on_time_rate)]);
            row
        })
        .collect();
    Table {
        name: UNITS,
        columns,
        rows,
    }
}

pub fn verdict_code(verdict: FinalVerdict) -> &'static str {
    match verdict {
        FinalVerdict::Achieved => "achieved",
        FinalVerdict::NotAchieved => "not_achieved",
    }
}

pub fn kind_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Sum => "sum",
        Kind::Last => "last",
        Kind::Milestone => "milestone",
    }
}

pub fn polarity_code(polarity: Polarity) -> &'static str {
    match polarity {
        Polarity::Higher => "higher",
        Polarity::Lower => "lower",
    }
}

pub fn entry_status_code(status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::Submitted => "submitted",
        EntryStatus::Verified => "verified",
        EntryStatus::Returned => "returned",
    }
}

/// An entry's status: its code for the CSV (and the import), its label for people.
pub fn entry_status(status: EntryStatus) -> Cell {
    Cell::label(
        entry_status_code(status),
        pantau_present::entry_status(LANG, status),
    )
}

fn targets(report: &Report) -> Table {
    let columns = vec![
        col("target", "Kode target"),
        col("target_name", "Indikator"),
        col("unit", "Kode OPD"),
        col("priority", "Program prioritas"),
        col("measure", "Satuan"),
        col("kind", "Jenis"),
        col("polarity", "Polaritas"),
        col("baseline", "Baseline"),
        col("target_value", "Target"),
        col("realized", "Realisasi"),
        col("expected", "Seharusnya"),
        col("achievement_pct", "Capaian (%)"),
        col("rating", "Predikat"),
        col("progress", "Rasio kemajuan"),
        col("status", "Status"),
        col("stale", "Tidak diperbarui"),
        col("projected", "Proyeksi akhir"),
        col("likely_to_miss", "Diperkirakan meleset"),
    ];
    let rows = report
        .evaluation
        .targets
        .iter()
        .map(|t| {
            let model = report.program.targets.iter().find(|m| m.code == t.code);
            vec![
                Cell::text(&t.code),
                Cell::opt_text(model.map(|m| m.name.clone())),
                Cell::text(&t.unit),
                Cell::opt_text(t.priority.clone()),
                Cell::opt_text(model.and_then(|m| m.measure.clone())),
                model.map_or(Cell::Empty, |m| {
                    Cell::label(kind_code(m.kind), pantau_present::kind(LANG, m.kind))
                }),
                model.map_or(Cell::Empty, |m| {
                    Cell::label(
                        polarity_code(m.polarity),
                        pantau_present::polarity(LANG, m.polarity),
                    )
                }),
                Cell::num(model.map(|m| m.baseline)),
                Cell::num(model.map(|m| m.target)),
                Cell::num(t.realized),
                Cell::num(t.expected),
                Cell::pct(t.achievement_pct),
                Cell::rating(t.rating),
                Cell::num(t.progress),
                Cell::status(Some(t.status)),
                Cell::Bool(t.stale),
                Cell::num(t.projected),
                t.likely_to_miss.map_or(Cell::Empty, Cell::Bool),
            ]
        })
        .collect();
    Table {
        name: TARGETS,
        columns,
        rows,
    }
}

fn compliance(report: &Report) -> Table {
    let columns = vec![
        col("unit", "Kode OPD"),
        col("unit_name", "Nama OPD"),
        col("period", "Periode"),
        col("period_start", "Awal periode"),
        col("period_end", "Akhir periode"),
        col("deadline", "Batas lapor"),
        col("state", "Kepatuhan"),
    ];
    let e = report.evaluation;
    let timezone = report.program.calendar.timezone;
    let mut rows = Vec::new();
    for u in &e.units {
        let (name, _) = unit_name(report, &u.code);
        for c in &u.compliance {
            let period = e.periods.iter().find(|p| p.index == c.period);
            rows.push(vec![
                Cell::text(&u.code),
                Cell::text(&name),
                Cell::label(
                    c.period.to_string(),
                    pantau_present::period_short(LANG, c.period),
                ),
                period.map_or(Cell::Empty, |p| Cell::Date(p.start)),
                period.map_or(Cell::Empty, |p| Cell::Date(p.end)),
                period
                    .and_then(|p| DateTime::parse_from_rfc3339(&p.deadline).ok())
                    .map_or(Cell::Empty, |d| Cell::moment(d, timezone)),
                Cell::label(c.state.code(), pantau_present::compliance(LANG, c.state)),
            ]);
        }
    }
    Table {
        name: COMPLIANCE,
        columns,
        rows,
    }
}

/// The entries sheet has the entries template's columns (and the unit, which
/// the import ignores), so that an export imports back.
pub fn entry_columns() -> Vec<Column> {
    vec![
        col("program", "Kode program"),
        col("target", "Kode target"),
        col("activity_date", "Tanggal kegiatan"),
        col("submitted_at", "Waktu lapor"),
        col("value", "Nilai"),
        col("status", "Status"),
        col("note", "Keterangan"),
    ]
}

fn entries(report: &Report) -> Table {
    let as_of = DateTime::<FixedOffset>::parse_from_rfc3339(&report.evaluation.as_of).ok();
    let mut columns = entry_columns();
    columns.push(col("unit", "Kode OPD"));
    // The import reads a spreadsheet's date-times in the region's time zone.
    let timezone = report.region.timezone;
    let rows = report
        .entries
        .iter()
        // What was reported by `as_of`: the export shows the data behind its figures.
        .filter(|e| as_of.is_none_or(|as_of| e.submitted_at <= as_of))
        .map(|e| {
            let unit = report
                .program
                .targets
                .iter()
                .find(|t| t.code == e.target)
                .map(|t| report.region.units[t.unit as usize].code.clone());
            vec![
                Cell::text(&report.program.code),
                Cell::text(&e.target),
                Cell::Date(e.activity_date),
                Cell::moment(e.submitted_at, timezone),
                Cell::Num(e.value),
                entry_status(e.status),
                Cell::opt_text(e.note.clone()),
                Cell::opt_text(unit),
            ]
        })
        .collect();
    Table {
        name: ENTRIES,
        columns,
        rows,
    }
}

/// Nil reports with the nil reports template's columns, so that they import back.
fn nil_reports(report: &Report) -> Table {
    let as_of = DateTime::<FixedOffset>::parse_from_rfc3339(&report.evaluation.as_of).ok();
    let timezone = report.region.timezone;
    let rows = report
        .nil_reports
        .iter()
        .filter(|n| as_of.is_none_or(|as_of| n.submitted_at <= as_of))
        .map(|n| {
            vec![
                Cell::text(&report.program.code),
                Cell::text(&n.unit),
                Cell::Date(n.date),
                Cell::moment(n.submitted_at, timezone),
                Cell::opt_text(n.reason.clone()),
            ]
        })
        .collect();
    Table {
        name: NIL_REPORTS,
        columns: vec![
            col("program", "Kode program"),
            col("unit", "OPD"),
            col("date", "Tanggal"),
            col("submitted_at", "Waktu lapor"),
            col("reason", "Alasan"),
        ],
        rows,
    }
}

fn budget(report: &Report) -> Table {
    let columns = vec![
        col("unit", "Kode OPD"),
        col("unit_name", "Nama OPD"),
        col("pagu", "Pagu"),
        col("planned_to_date", "Rencana s.d. bulan ini"),
        col("realised_to_date", "Realisasi s.d. bulan ini"),
        col("absorption_pct", "Serapan (%)"),
        col("against_plan_pct", "Terhadap rencana (%)"),
        col("rating", "Predikat"),
        col("physical_pct", "Fisik (%)"),
        col("flagged", "Ditandai"),
    ];
    let rows = report
        .evaluation
        .units
        .iter()
        .filter_map(|u| {
            let b = u.budget.as_ref()?.as_ref()?;
            let (name, _) = unit_name(report, &u.code);
            Some(vec![
                Cell::text(&u.code),
                Cell::text(name),
                Cell::Money(b.pagu.0),
                Cell::Money(b.planned_to_date.0),
                Cell::Money(b.realised_to_date.0),
                Cell::pct(b.absorption_pct),
                Cell::pct(b.against_plan_pct),
                Cell::rating(b.rating),
                Cell::pct(b.physical_pct),
                Cell::Bool(b.flagged),
            ])
        })
        .collect();
    Table {
        name: BUDGET,
        columns,
        rows,
    }
}
