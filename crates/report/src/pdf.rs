//! PDF through typst, embedded as a library with its own fonts: a typst
//! source, JSON data and named SVG images in, PDF bytes out. The header
//! (region and program), the page numbers and the signature block are a
//! shared preamble (`typ/preamble.typ`) that every document imports, so the
//! weekly minutes, the evaluation report and the final evaluation look alike.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use pantau_domain::evaluation::{FinalVerdict, Status};
use pantau_domain::rating::{Rating, round2};

use crate::final_evaluation::FinalEvaluation;
use crate::{Error, Report, chart};

/// The shared preamble: `pantau-doc` (page header with region and program,
/// page numbers) and `signature-block`. Import it as `"preamble.typ"`.
pub const PREAMBLE: &str = include_str!("typ/preamble.typ");
const EVALUATION: &str = include_str!("typ/evaluation.typ");
const FINAL: &str = include_str!("typ/final.typ");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// A world of virtual files: the main source, the preamble, `data.json` and the images.
struct Memory {
    main: Source,
    preamble: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> FileId {
    FileId::new(None, VirtualPath::new(path))
}

impl World for Memory {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.preamble.id() {
            Ok(self.preamble.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        self.today
    }
}

/// Typeset `source` (which may `#import "preamble.typ": *` and read
/// `json("data.json")`) with `data` and the named SVG images (read with
/// `image("NAME")`) into a PDF.
pub fn render(source: &str, data: &Value, images: &[(&str, String)]) -> Result<Vec<u8>, Error> {
    let mut files = HashMap::new();
    files.insert(
        file_id("/data.json"),
        Bytes::new(serde_json::to_vec(data).map_err(|e| Error::Pdf(e.to_string()))?),
    );
    for (name, svg) in images {
        files.insert(
            file_id(&format!("/{name}")),
            Bytes::new(svg.clone().into_bytes()),
        );
    }
    let world = Memory {
        main: Source::new(file_id("/main.typ"), source.to_owned()),
        preamble: Source::new(file_id("/preamble.typ"), PREAMBLE.to_owned()),
        files,
        // No clock: the same data gives the same document.
        today: None,
    };
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        Error::Pdf(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        Error::Pdf(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// Who signs, where and when; blank lines are left to fill by hand.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Signature {
    pub place: String,
    pub date: String,
    pub role: String,
    pub name: String,
}

/// A number the Indonesian way: `1.234,5` with at most 2 decimals; `-` for none.
pub fn id_number(value: Option<Decimal>) -> String {
    let Some(value) = value else {
        return "-".into();
    };
    let text = round2(value).normalize().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// A percentage: `79,17%`.
pub fn id_pct(value: Option<Decimal>) -> String {
    value.map_or("-".into(), |v| format!("{}%", id_number(Some(v))))
}

/// A rate (0.9) as a percentage: `90%`.
pub fn id_rate(value: Option<Decimal>) -> String {
    id_pct(value.map(|v| v * Decimal::ONE_HUNDRED))
}

/// Whole rupiah: `Rp12.500.000.000`.
pub fn id_money(value: u128) -> String {
    format!(
        "Rp{}",
        id_number(Decimal::from_i128_with_scale(value as i128, 0).into())
    )
}

pub fn rating_label(rating: Option<Rating>) -> &'static str {
    rating.map_or("-", |r| r.label())
}

pub fn status_label(status: Option<Status>) -> &'static str {
    match status {
        None => "-",
        Some(Status::Achieved) => "Tercapai",
        Some(Status::OnTrack) => "Sesuai jalur",
        Some(Status::AtRisk) => "Berisiko",
        Some(Status::OffTrack) => "Tertinggal",
        Some(Status::NoData) => "Tanpa data",
        Some(Status::NotAchieved) => "Tidak tercapai",
    }
}

pub fn verdict_label(verdict: Option<FinalVerdict>) -> &'static str {
    match verdict {
        None => "-",
        Some(FinalVerdict::Achieved) => "TERCAPAI",
        Some(FinalVerdict::NotAchieved) => "TIDAK TERCAPAI",
    }
}

/// `2025-05-20` as `20 Mei 2025`.
pub fn id_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

fn as_of_date(as_of: &str) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(as_of)
        .ok()
        .map(|t| t.date_naive())
}

fn signature_or_default(signature: &Signature, report: &Report) -> Value {
    let date = if signature.date.is_empty() {
        as_of_date(&report.evaluation.as_of)
            .map(id_date)
            .unwrap_or_default()
    } else {
        signature.date.clone()
    };
    json!({
        "place": signature.place,
        "date": date,
        "role": if signature.role.is_empty() { "Kepala Daerah".to_owned() } else { signature.role.clone() },
        "name": signature.name,
    })
}

fn header(report: &Report, title: &str) -> Value {
    let e = report.evaluation;
    json!({
        "region": report.region.name,
        "program": format!("{} ({})", report.program.name, report.program.code),
        "title": title,
        "subtitle": format!(
            "Per {} - hari ke-{} dari {}",
            as_of_date(&e.as_of).map(id_date).unwrap_or_else(|| e.as_of.clone()),
            e.day,
            e.days_total
        ),
    })
}

fn group_charts(report: &Report) -> Vec<(&'static str, String)> {
    let e = report.evaluation;
    vec![
        (
            "clusters.svg",
            chart::achievement_bars(
                "Capaian per Asda (%)",
                &e.clusters
                    .iter()
                    .map(|c| (c.code.clone(), c.achievement_pct))
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "priorities.svg",
            chart::achievement_bars(
                "Capaian per program prioritas (%)",
                &e.priorities
                    .iter()
                    .map(|p| (p.code.clone(), p.achievement_pct))
                    .collect::<Vec<_>>(),
            ),
        ),
    ]
}

fn name_of<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, code: &str) -> String {
    items
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_owned())
        .unwrap_or_default()
}

/// The evaluation report at any `as_of` (what the weekly meeting reads):
/// summary, charts, clusters, priorities and units.
pub fn evaluation_report(
    report: &Report,
    signature: &Signature,
    extra_images: &[(&str, String)],
) -> Result<Vec<u8>, Error> {
    let e = report.evaluation;
    let s = &e.summary;
    let region = report.region;
    let data = json!({
        "header": header(report, "LAPORAN EVALUASI PROGRAM"),
        "summary": [
            ["Jumlah target", s.targets.to_string()],
            ["OPD dengan target", s.units_with_targets.to_string()],
            ["Capaian", id_pct(s.achievement_pct)],
            ["Predikat", rating_label(s.rating)],
            ["Tingkat pelaporan", id_rate(s.reporting_rate)],
            ["Tepat waktu", id_rate(s.on_time_rate)],
        ],
        "clusters": e.clusters.iter().map(|c| vec![
            c.code.clone(),
            name_of(region.clusters.iter().map(|x| (x.code.as_str(), x.name.as_str())), &c.code),
            c.units.to_string(),
            c.targets.to_string(),
            id_pct(c.achievement_pct),
            rating_label(c.rating).to_owned(),
            id_rate(c.reporting_rate),
        ]).collect::<Vec<_>>(),
        "priorities": e.priorities.iter().map(|p| vec![
            p.code.clone(),
            name_of(region.priorities.iter().map(|x| (x.code.as_str(), x.name.as_str())), &p.code),
            p.targets.to_string(),
            id_pct(p.achievement_pct),
            rating_label(p.rating).to_owned(),
            status_label(p.status).to_owned(),
        ]).collect::<Vec<_>>(),
        "units": e.units.iter().filter(|u| u.targets > 0).map(|u| {
            let [on_time, late, missing, _] = crate::tables::record(u.compliance.iter().map(|c| c.state));
            vec![
                u.code.clone(),
                u.targets.to_string(),
                id_pct(u.achievement_pct),
                rating_label(u.rating).to_owned(),
                status_label(u.status).to_owned(),
                format!("{on_time}/{late}/{missing}"),
                id_rate(u.reporting_rate),
            ]
        }).collect::<Vec<_>>(),
        "budget": budget_rows(report),
        "signature": signature_or_default(signature, report),
    });
    let mut images = group_charts(report);
    images.extend(extra_images.iter().map(|(n, s)| (*n, s.clone())));
    render(EVALUATION, &data, &images)
}

fn budget_rows(report: &Report) -> Vec<Vec<String>> {
    report
        .evaluation
        .units
        .iter()
        .filter_map(|u| {
            let b = u.budget.as_ref()?.as_ref()?;
            Some(vec![
                u.code.clone(),
                id_money(b.pagu.0),
                id_money(b.realised_to_date.0),
                id_pct(b.absorption_pct),
                id_pct(b.against_plan_pct),
                id_pct(b.physical_pct),
                if b.flagged { "Ya" } else { "-" }.to_owned(),
            ])
        })
        .collect()
}

/// The final evaluation as a document to sign.
pub fn final_report(
    report: &Report,
    fin: &FinalEvaluation,
    signature: &Signature,
) -> Result<Vec<u8>, Error> {
    let s = &fin.summary;
    let mut summary = vec![
        vec!["Jumlah target".to_owned(), s.targets.to_string()],
        vec![
            "OPD dengan target".to_owned(),
            s.units_with_targets.to_string(),
        ],
        vec!["OPD tercapai".to_owned(), s.units_achieved.to_string()],
        vec![
            "OPD tidak tercapai".to_owned(),
            s.units_not_achieved.to_string(),
        ],
        vec!["Capaian program".to_owned(), id_pct(s.achievement_pct)],
        vec!["Predikat".to_owned(), rating_label(s.rating).to_owned()],
        vec!["Tingkat pelaporan".to_owned(), id_rate(s.reporting_rate)],
        vec!["Tepat waktu".to_owned(), id_rate(s.on_time_rate)],
    ];
    if let Some(b) = &s.budget {
        summary.extend([
            vec!["Pagu anggaran".to_owned(), id_money(b.pagu.0)],
            vec![
                "Realisasi anggaran".to_owned(),
                id_money(b.realised_to_date.0),
            ],
            vec!["Serapan anggaran".to_owned(), id_pct(b.absorption_pct)],
            vec!["Capaian fisik".to_owned(), id_pct(b.physical_pct)],
        ]);
    }
    let group = |g: &crate::final_evaluation::FinalGroup, with_rates: bool| {
        let mut row = vec![
            g.code.clone(),
            g.name.clone(),
            g.targets.to_string(),
            g.status_counts.get(Status::Achieved).to_string(),
            id_pct(g.achievement_pct),
            rating_label(g.rating).to_owned(),
        ];
        if with_rates {
            row.push(id_rate(g.reporting_rate));
        }
        row
    };
    let data = json!({
        "header": header(report, "EVALUASI AKHIR PROGRAM"),
        "summary": summary,
        "clusters": fin.clusters.iter().map(|g| group(g, true)).collect::<Vec<_>>(),
        "priorities": fin.priorities.iter().map(|g| group(g, false)).collect::<Vec<_>>(),
        "units": fin.units.iter().filter(|u| u.verdict.is_some()).map(|u| vec![
            u.code.clone(),
            u.name.clone(),
            verdict_label(u.verdict).to_owned(),
            id_pct(u.achievement_pct),
            rating_label(u.rating).to_owned(),
            format!("{}/{}/{}", u.on_time, u.late, u.missing),
            id_rate(u.reporting_rate),
        ]).collect::<Vec<_>>(),
        "details": fin.units.iter().filter(|u| !u.targets.is_empty()).map(|u| json!({
            "title": format!("{} - {}", u.code, u.name),
            "verdict": verdict_label(u.verdict),
            "targets": u.targets.iter().map(|t| vec![
                t.code.clone(),
                t.name.clone(),
                format!("{}{}", id_number(Some(t.target)), t.measure.as_ref().map(|m| format!(" {m}")).unwrap_or_default()),
                id_number(t.realized),
                id_pct(t.achievement_pct),
                rating_label(t.rating).to_owned(),
                status_label(Some(t.status)).to_owned(),
            ]).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "budget": budget_rows(report),
        "signature": signature_or_default(signature, report),
    });
    render(FINAL, &data, &group_charts(report))
}

const MINUTES: &str = include_str!("typ/minutes.typ");

fn compliance_label(state: pantau_domain::evaluation::ComplianceState) -> &'static str {
    use pantau_domain::evaluation::ComplianceState;
    match state {
        ComplianceState::OnTime => "Tepat waktu",
        ComplianceState::Late => "Terlambat",
        // At the deadline an `open` period had nothing by then: not reported.
        ComplianceState::Missing | ComplianceState::Open => "Tidak lapor",
    }
}

fn follow_up_label(state: pantau_domain::meeting::FollowUpState) -> &'static str {
    use pantau_domain::meeting::FollowUpState;
    match state {
        FollowUpState::Open => "Terbuka",
        FollowUpState::Done => "Selesai",
        FollowUpState::Overdue => "Lewat tenggat",
    }
}

fn periods_list(periods: &[u32]) -> String {
    if periods.is_empty() {
        "-".to_owned()
    } else {
        periods
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The berita acara of a closed meeting, typeset from its frozen minutes only:
/// nothing is recomputed, so the PDF says what the meeting saw.
pub fn minutes_report(
    minutes: &pantau_domain::meeting::Minutes,
    signature: &Signature,
) -> Result<Vec<u8>, Error> {
    use pantau_domain::meeting::MeetingKind;
    let timezone: chrono_tz::Tz = minutes.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta);
    let local = |instant: chrono::DateTime<chrono::Utc>| {
        let t = instant.with_timezone(&timezone);
        format!("{} {}", id_date(t.date_naive()), t.format("%H:%M %Z"))
    };
    let period = &minutes.period;
    let (title, scope) = match (&minutes.kind, &minutes.cluster) {
        (MeetingKind::Final, _) => (
            "BERITA ACARA RAPAT EVALUASI AKHIR",
            "Semua perangkat daerah".to_owned(),
        ),
        (MeetingKind::Weekly, Some(c)) => (
            "BERITA ACARA RAPAT EVALUASI MINGGUAN",
            format!("{} ({})", c.name, c.code),
        ),
        (MeetingKind::Weekly, None) => ("BERITA ACARA RAPAT EVALUASI MINGGUAN", "-".to_owned()),
    };
    let meta = vec![
        vec!["Lingkup".to_owned(), scope],
        vec![
            "Periode".to_owned(),
            format!(
                "Minggu ke-{}: {} s.d. {}",
                period.index,
                id_date(period.start),
                id_date(period.end)
            ),
        ],
        vec!["Batas lapor".to_owned(), local(period.deadline)],
        vec!["Angka per".to_owned(), minutes.as_of.clone()],
        vec![
            "Ditutup".to_owned(),
            format!("{} oleh {}", local(minutes.closed_at), minutes.closed_by),
        ],
    ];
    let mut summary = Vec::new();
    if let Some(c) = &minutes.cluster_result {
        summary = vec![
            vec!["Capaian".to_owned(), id_pct(c.achievement_pct)],
            vec!["Predikat".to_owned(), rating_label(c.rating).to_owned()],
            vec!["Tingkat pelaporan".to_owned(), id_rate(c.reporting_rate)],
            vec!["Tepat waktu".to_owned(), id_rate(c.on_time_rate)],
        ];
    } else if let Some(e) = &minutes.evaluation {
        summary = vec![
            vec![
                "Capaian program".to_owned(),
                id_pct(e.summary.achievement_pct),
            ],
            vec![
                "Predikat".to_owned(),
                rating_label(e.summary.rating).to_owned(),
            ],
            vec![
                "Tingkat pelaporan".to_owned(),
                id_rate(e.summary.reporting_rate),
            ],
            vec!["Tepat waktu".to_owned(), id_rate(e.summary.on_time_rate)],
        ];
    }
    let follow_up_row = |f: &pantau_domain::meeting::FollowUp| {
        vec![
            f.unit.clone(),
            f.description.clone(),
            id_date(f.due),
            follow_up_label(f.state).to_owned(),
            f.done_note.clone().unwrap_or_else(|| "-".to_owned()),
        ]
    };
    let units: Vec<_> = minutes
        .units
        .iter()
        .filter(|u| u.result.targets > 0)
        .collect();
    let data = json!({
        "header": {
            "region": minutes.region.name,
            "program": format!("{} ({})", minutes.program.name, minutes.program.code),
            "title": title,
            "subtitle": format!("Minggu ke-{} · {}", period.index, id_date(period.end)),
        },
        "meta": meta,
        "summary": summary,
        "reviewed": minutes.follow_ups_reviewed.iter().map(follow_up_row).collect::<Vec<_>>(),
        "reporting": minutes.agenda.reporting.iter().map(|r| vec![
            r.unit.clone(),
            r.unit_name.clone(),
            compliance_label(r.this_period).to_owned(),
            periods_list(&r.missing_periods),
            periods_list(&r.late_periods),
        ]).collect::<Vec<_>>(),
        "targets": minutes.agenda.targets.iter().map(|t| {
            let mut flags = Vec::new();
            if t.stale { flags.push("tidak diperbarui"); }
            if t.likely_to_miss { flags.push("diperkirakan meleset"); }
            vec![
                t.target.clone(),
                t.target_name.clone(),
                t.unit.clone(),
                status_label(Some(t.status)).to_owned(),
                id_pct(t.achievement_pct),
                if flags.is_empty() { "-".to_owned() } else { flags.join(", ") },
            ]
        }).collect::<Vec<_>>(),
        "units": units.iter().map(|u| vec![
            u.result.code.clone(),
            u.name.clone(),
            status_label(u.result.status).to_owned(),
            id_pct(u.result.achievement_pct),
            rating_label(u.result.rating).to_owned(),
            id_rate(u.result.reporting_rate),
        ]).collect::<Vec<_>>(),
        "notes": minutes.notes.iter().map(|n| vec![n.unit.clone(), n.text.clone(), n.by.clone()]).collect::<Vec<_>>(),
        "overrides": minutes.overrides.iter().map(|o| vec![
            match &o.target { Some(t) => format!("{} / {t}", o.unit), None => o.unit.clone() },
            status_label(o.computed).to_owned(),
            status_label(Some(o.status)).to_owned(),
            o.justification.clone(),
            o.by.clone(),
        ]).collect::<Vec<_>>(),
        "created": minutes.follow_ups_created.iter().map(|f| vec![
            format!("{} {}", f.unit, f.unit_name),
            f.description.clone(),
            id_date(f.due),
        ]).collect::<Vec<_>>(),
        "signature": {
            "place": signature.place,
            "date": if signature.date.is_empty() {
                id_date(minutes.closed_at.with_timezone(&timezone).date_naive())
            } else {
                signature.date.clone()
            },
            "role": if signature.role.is_empty() { "Pimpinan rapat".to_owned() } else { signature.role.clone() },
            "name": if signature.name.is_empty() { minutes.closed_by.clone() } else { signature.name.clone() },
        },
    });
    let bars: Vec<(String, Option<Decimal>)> = units
        .iter()
        .map(|u| (u.result.code.clone(), u.result.achievement_pct))
        .collect();
    render(
        MINUTES,
        &data,
        &[(
            "units.svg",
            chart::achievement_bars("Capaian per perangkat daerah", &bars),
        )],
    )
}
