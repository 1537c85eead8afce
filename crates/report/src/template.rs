//! The XLSX templates a secretariat fills in a spreadsheet program: the plan
//! (clusters, units, priorities, programs, targets, plan points, budgets) and
//! the entries (realisasi and laporan nihil). Each sheet has a header row of
//! column keys (what the import reads; the Indonesian label is accepted too),
//! a note on every header cell, drop-down lists where the values are fixed,
//! and a `petunjuk` sheet with an example row for each sheet. Filled from a
//! bundle, they hold the region's current plan or reports.

use rust_xlsxwriter::{DataValidation, Note, Workbook, Worksheet};

use pantau_domain::bundle::Bundle;

use crate::Error;
use crate::tables::{Cell, entry_status_code, kind_code, polarity_code};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateColumn {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    /// What to write, shown as the header cell's note.
    pub note: &'static str,
    /// An example value for the `petunjuk` sheet.
    pub example: &'static str,
    /// The only values allowed, offered as a drop-down list.
    pub choices: &'static [&'static str],
}

#[derive(Debug, PartialEq, Eq)]
pub struct SheetSpec {
    pub name: &'static str,
    pub columns: &'static [TemplateColumn],
}

const fn c(
    key: &'static str,
    label: &'static str,
    required: bool,
    note: &'static str,
    example: &'static str,
) -> TemplateColumn {
    TemplateColumn {
        key,
        label,
        required,
        note,
        example,
        choices: &[],
    }
}

const fn choice(
    key: &'static str,
    label: &'static str,
    required: bool,
    note: &'static str,
    example: &'static str,
    choices: &'static [&'static str],
) -> TemplateColumn {
    TemplateColumn {
        key,
        label,
        required,
        note,
        example,
        choices,
    }
}

pub static CLUSTERS: SheetSpec = SheetSpec {
    name: "clusters",
    columns: &[
        c("code", "Kode", true, "Kode Asda, unik", "ASDA1"),
        c(
            "name",
            "Nama",
            true,
            "Nama Asisten Daerah",
            "Asisten Pemerintahan dan Kesra",
        ),
    ],
};

pub static UNITS: SheetSpec = SheetSpec {
    name: "units",
    columns: &[
        c("code", "Kode", true, "Kode OPD, unik", "DP3A"),
        c(
            "name",
            "Nama",
            true,
            "Nama perangkat daerah",
            "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
        ),
        c(
            "cluster",
            "Asda",
            false,
            "Kode Asda dari sheet clusters",
            "ASDA1",
        ),
    ],
};

pub static PRIORITIES: SheetSpec = SheetSpec {
    name: "priorities",
    columns: &[
        c("code", "Kode", true, "Kode program prioritas, unik", "P1"),
        c(
            "name",
            "Nama",
            true,
            "Nama program prioritas",
            "Peningkatan kualitas pelayanan publik",
        ),
    ],
};

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub static PROGRAMS: SheetSpec = SheetSpec {
    name: "programs",
    columns: &[
        c("code", "Kode", true, "Kode program, unik", "100HK"),
        c(
            "name",
            "Nama",
            true,
            "Nama program",
            "Program 100 Hari Kerja",
        ),
        c(
            "start",
            "Mulai",
            true,
            "Tanggal mulai (YYYY-MM-DD), termasuk",
            "2025-02-22",
        ),
        c(
            "end",
            "Selesai",
            true,
            "Tanggal selesai (YYYY-MM-DD), termasuk",
            "2025-05-20",
        ),
        c(
            "timezone",
            "Zona waktu",
            false,
            "IANA; kosong = zona waktu daerah",
            "Asia/Jakarta",
        ),
        choice(
            "evaluation_weekday",
            "Hari evaluasi",
            false,
            "Hari rapat evaluasi mingguan; kosong = friday",
            "friday",
            WEEKDAYS,
        ),
        c(
            "deadline_time",
            "Jam batas lapor",
            false,
            "HH:MM pada hari evaluasi; kosong = 09:00",
            "09:00",
        ),
        c(
            "final_deadline",
            "Batas lapor akhir",
            false,
            "RFC 3339; kosong = sehari setelah selesai",
            "2025-05-21T09:00:00+07:00",
        ),
        c(
            "on_track",
            "Ambang sesuai jalur",
            false,
            "Rasio kemajuan; kosong = 0.9",
            "0.9",
        ),
        c(
            "at_risk",
            "Ambang berisiko",
            false,
            "Rasio kemajuan; kosong = 0.7",
            "0.7",
        ),
    ],
};

pub static TARGETS: SheetSpec = SheetSpec {
    name: "targets",
    columns: &[
        c(
            "program",
            "Kode program",
            true,
            "Kode program dari sheet programs",
            "100HK",
        ),
        c(
            "code",
            "Kode",
            true,
            "Kode target, unik dalam program",
            "DP3A-01",
        ),
        c("unit", "OPD", true, "Kode OPD dari sheet units", "DP3A"),
        c(
            "priority",
            "Program prioritas",
            false,
            "Kode dari sheet priorities",
            "P1",
        ),
        c(
            "name",
            "Indikator",
            true,
            "Nama indikator",
            "Posyandu direvitalisasi",
        ),
        c("measure", "Satuan", false, "Satuan ukur", "posyandu"),
        choice(
            "kind",
            "Jenis",
            true,
            "sum (kumulatif), last (non-kumulatif), milestone",
            "sum",
            &["sum", "last", "milestone"],
        ),
        choice(
            "polarity",
            "Polaritas",
            true,
            "higher (makin tinggi makin baik) atau lower",
            "higher",
            &["higher", "lower"],
        ),
        c(
            "baseline",
            "Baseline",
            false,
            "Wajib untuk sum dan last; kosong untuk milestone",
            "0",
        ),
        c(
            "target",
            "Target",
            false,
            "Wajib untuk sum dan last; kosong untuk milestone",
            "120",
        ),
        c(
            "due",
            "Tenggat",
            false,
            "Milestone saja: tanggal (YYYY-MM-DD)",
            "",
        ),
    ],
};

pub static PLAN: SheetSpec = SheetSpec {
    name: "plan",
    columns: &[
        c("program", "Kode program", true, "Kode program", "100HK"),
        c(
            "target",
            "Kode target",
            true,
            "Kode target (sum dan last)",
            "DP3A-01",
        ),
        c(
            "date",
            "Tanggal",
            true,
            "Tanggal titik rencana (YYYY-MM-DD)",
            "2025-03-31",
        ),
        c(
            "value",
            "Nilai",
            true,
            "Nilai rencana pada skala realisasi",
            "40",
        ),
    ],
};

pub static BUDGETS: SheetSpec = SheetSpec {
    name: "budgets",
    columns: &[
        c("unit", "OPD", true, "Kode OPD", "DP3A"),
        c("year", "Tahun", true, "Tahun anggaran", "2025"),
        c(
            "pagu",
            "Pagu",
            true,
            "Pagu (rupiah utuh), sama di setiap baris OPD dan tahun",
            "12500000000",
        ),
        c(
            "month",
            "Bulan",
            true,
            "1 sampai 12, satu baris per bulan",
            "1",
        ),
        c(
            "planned",
            "Rencana",
            false,
            "Anggaran kas bulan ini (rupiah utuh)",
            "1000000000",
        ),
        c(
            "realised",
            "Realisasi",
            false,
            "Realisasi bulan ini (rupiah utuh)",
            "800000000",
        ),
        c(
            "physical_pct",
            "Fisik (%)",
            false,
            "Capaian fisik akhir bulan, 0 sampai 100",
            "5",
        ),
    ],
};

pub static ENTRIES: SheetSpec = SheetSpec {
    name: "entries",
    columns: &[
        c("program", "Kode program", true, "Kode program", "100HK"),
        c("target", "Kode target", true, "Kode target", "DP3A-01"),
        c(
            "activity_date",
            "Tanggal kegiatan",
            true,
            "Tanggal kegiatan (YYYY-MM-DD)",
            "2025-03-01",
        ),
        c(
            "submitted_at",
            "Waktu lapor",
            true,
            "RFC 3339 dengan offset, atau tanggal-jam (zona waktu daerah)",
            "2025-03-07T08:30:00+07:00",
        ),
        c(
            "value",
            "Nilai",
            true,
            "Nilai realisasi (angka, titik untuk desimal)",
            "12",
        ),
        choice(
            "status",
            "Status",
            false,
            "submitted, verified (bawaan) atau returned",
            "verified",
            &["submitted", "verified", "returned"],
        ),
        c(
            "note",
            "Keterangan",
            false,
            "Catatan",
            "Revitalisasi posyandu di Bekasi Utara",
        ),
    ],
};

pub static NIL_REPORTS: SheetSpec = SheetSpec {
    name: "nil_reports",
    columns: &[
        c("program", "Kode program", true, "Kode program", "100HK"),
        c("unit", "OPD", true, "Kode OPD", "DP3A"),
        c(
            "date",
            "Tanggal",
            true,
            "Tanggal mana pun dalam periode yang dilaporkan nihil",
            "2025-03-10",
        ),
        c(
            "submitted_at",
            "Waktu lapor",
            true,
            "RFC 3339 dengan offset",
            "2025-03-14T08:00:00+07:00",
        ),
        c(
            "reason",
            "Alasan",
            false,
            "Alasan laporan nihil",
            "Tidak ada kegiatan",
        ),
    ],
};

/// The plan template's sheets, in reference order (what is named is defined first).
pub static PLAN_SHEETS: [&SheetSpec; 7] = [
    &CLUSTERS,
    &UNITS,
    &PRIORITIES,
    &PROGRAMS,
    &TARGETS,
    &PLAN,
    &BUDGETS,
];

pub static ENTRY_SHEETS: [&SheetSpec; 2] = [&ENTRIES, &NIL_REPORTS];

/// Rows for data validation: enough for a large region.
const VALIDATED_ROWS: u32 = 10_000;

fn write_sheet(workbook: &mut Workbook, spec: &SheetSpec, rows: &[Vec<Cell>]) -> Result<(), Error> {
    let sheet: &mut Worksheet = workbook.add_worksheet();
    // Headers in words (the import reads a column by its label or its key,
    // so sheets made from older templates still import).
    let headers: Vec<&str> = spec.columns.iter().map(|c| c.label).collect();
    crate::xlsx::write_rows(sheet, spec.name, &headers, rows)?;
    for (i, column) in spec.columns.iter().enumerate() {
        let required = if column.required { " (wajib)" } else { "" };
        let note =
            Note::new(format!("{}{required}: {}", column.label, column.note)).set_author("Pantau");
        sheet.insert_note(0, i as u16, &note)?;
        if !column.choices.is_empty() {
            let validation = DataValidation::new().allow_list_strings(column.choices)?;
            sheet.add_data_validation(1, i as u16, VALIDATED_ROWS, i as u16, &validation)?;
        }
    }
    Ok(())
}

fn write_guide(workbook: &mut Workbook, specs: &[&SheetSpec]) -> Result<(), Error> {
    let rows: Vec<Vec<Cell>> = specs
        .iter()
        .flat_map(|spec| {
            spec.columns.iter().map(|c| {
                vec![
                    Cell::Text(spec.name.to_owned()),
                    Cell::Text(c.key.to_owned()),
                    Cell::Text(c.label.to_owned()),
                    Cell::Text(if c.required { "ya" } else { "" }.to_owned()),
                    Cell::Text(c.note.to_owned()),
                    Cell::Text(c.example.to_owned()),
                ]
            })
        })
        .collect();
    let sheet = workbook.add_worksheet();
    crate::xlsx::write_rows(
        sheet,
        "petunjuk",
        &["sheet", "kolom", "label", "wajib", "keterangan", "contoh"],
        &rows,
    )?;
    Ok(())
}

/// The zone a spreadsheet's date-times are read in: the region's, as the import reads them.
fn timezone(bundle: &Bundle) -> chrono_tz::Tz {
    bundle
        .region
        .timezone
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(pantau_domain::validate::DEFAULT_TIMEZONE)
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn opt(value: &Option<String>) -> Cell {
    value
        .as_ref()
        .map_or(Cell::Empty, |v| Cell::Text(v.clone()))
}

fn num(value: Option<rust_decimal::Decimal>) -> Cell {
    value.map_or(Cell::Empty, Cell::Num)
}

/// The plan template; with a bundle, filled with its plan.
pub fn plan(bundle: Option<&Bundle>) -> Result<Vec<u8>, Error> {
    let mut workbook = Workbook::new();
    let empty = Vec::new();
    let b = |f: &dyn Fn(&Bundle) -> Vec<Vec<Cell>>| bundle.map_or_else(|| empty.clone(), f);
    write_sheet(
        &mut workbook,
        &CLUSTERS,
        &b(&|b| {
            b.clusters
                .iter()
                .map(|x| vec![text(&x.code), text(&x.name)])
                .collect()
        }),
    )?;
    write_sheet(
        &mut workbook,
        &UNITS,
        &b(&|b| {
            b.units
                .iter()
                .map(|x| vec![text(&x.code), text(&x.name), opt(&x.cluster)])
                .collect()
        }),
    )?;
    write_sheet(
        &mut workbook,
        &PRIORITIES,
        &b(&|b| {
            b.priorities
                .iter()
                .map(|x| vec![text(&x.code), text(&x.name)])
                .collect()
        }),
    )?;
    write_sheet(
        &mut workbook,
        &PROGRAMS,
        &b(&|b| {
            b.programs
                .iter()
                .map(|p| {
                    vec![
                        text(&p.code),
                        text(&p.name),
                        Cell::Date(p.start),
                        Cell::Date(p.end),
                        opt(&p.timezone),
                        p.evaluation_weekday.map_or(Cell::Empty, |d| {
                            text(WEEKDAYS[chrono::Weekday::from(d).num_days_from_monday() as usize])
                        }),
                        opt(&p.deadline_time),
                        p.final_deadline
                            .map_or(Cell::Empty, |t| Cell::moment(t, timezone(b))),
                        num(p.thresholds.map(|t| t.on_track)),
                        num(p.thresholds.map(|t| t.at_risk)),
                    ]
                })
                .collect()
        }),
    )?;
    write_sheet(
        &mut workbook,
        &TARGETS,
        &b(&|b| {
            b.programs
                .iter()
                .flat_map(|p| {
                    p.targets.iter().map(|t| {
                        vec![
                            text(&p.code),
                            text(&t.code),
                            text(&t.unit),
                            opt(&t.priority),
                            text(&t.name),
                            opt(&t.measure),
                            text(kind_code(t.kind)),
                            text(polarity_code(t.polarity)),
                            num(t.baseline),
                            num(t.target),
                            t.due.map_or(Cell::Empty, Cell::Date),
                        ]
                    })
                })
                .collect()
        }),
    )?;
    write_sheet(
        &mut workbook,
        &PLAN,
        &b(&|b| {
            b.programs
                .iter()
                .flat_map(|p| {
                    p.targets.iter().flat_map(move |t| {
                        t.plan.iter().flatten().map(move |point| {
                            vec![
                                text(&p.code),
                                text(&t.code),
                                Cell::Date(point.date),
                                Cell::Num(point.value),
                            ]
                        })
                    })
                })
                .collect()
        }),
    )?;
    write_sheet(
        &mut workbook,
        &BUDGETS,
        &b(&|b| {
            b.budgets
                .iter()
                .flat_map(|budget| {
                    budget.months.iter().map(move |m| {
                        vec![
                            text(&budget.unit),
                            Cell::Int(budget.year.into()),
                            Cell::Money(budget.pagu.0),
                            Cell::Int(m.month.into()),
                            Cell::Money(m.planned.0),
                            Cell::Money(m.realised.0),
                            num(m.physical_pct),
                        ]
                    })
                })
                .collect()
        }),
    )?;
    write_guide(&mut workbook, &PLAN_SHEETS)?;
    Ok(workbook.save_to_buffer()?)
}

/// The entries template; with a bundle, filled with its entries and nil reports.
pub fn entries(bundle: Option<&Bundle>) -> Result<Vec<u8>, Error> {
    let mut workbook = Workbook::new();
    let entries: Vec<Vec<Cell>> = bundle
        .iter()
        .flat_map(|b| b.programs.iter().map(move |p| (b, p)))
        .flat_map(|(b, p)| {
            p.entries.iter().map(move |e| {
                vec![
                    text(&p.code),
                    text(&e.target),
                    Cell::Date(e.activity_date),
                    Cell::moment(e.submitted_at, timezone(b)),
                    Cell::Num(e.value),
                    text(entry_status_code(e.status)),
                    opt(&e.note),
                ]
            })
        })
        .collect();
    let nils: Vec<Vec<Cell>> = bundle
        .iter()
        .flat_map(|b| b.programs.iter().map(move |p| (b, p)))
        .flat_map(|(b, p)| {
            p.nil_reports.iter().map(move |n| {
                vec![
                    text(&p.code),
                    text(&n.unit),
                    Cell::Date(n.date),
                    Cell::moment(n.submitted_at, timezone(b)),
                    opt(&n.reason),
                ]
            })
        })
        .collect();
    write_sheet(&mut workbook, &ENTRIES, &entries)?;
    write_sheet(&mut workbook, &NIL_REPORTS, &nils)?;
    write_guide(&mut workbook, &ENTRY_SHEETS)?;
    Ok(workbook.save_to_buffer()?)
}
