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
use pantau_domain::rating::Rating;
use pantau_present::Lang;

use crate::final_evaluation::FinalEvaluation;
use crate::{Error, Report, chart, shown};

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

/// The head of a document's first page: the region's name and place, and its
/// logo (PNG) when it has one. The web layer fills it from the region's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letterhead {
    /// "Pemerintah Kota Bekasi" or the region's name.
    pub name: String,
    /// "Bekasi": where the region sits.
    pub place: String,
    pub logo_png: Option<Vec<u8>>,
}

impl Letterhead {
    /// The letterhead a region has without anything set: its name and the
    /// place its name says ([`crate::minutes::place_of`]), no logo.
    pub fn of_region(region_name: &str) -> Letterhead {
        Letterhead {
            name: region_name.trim().to_owned(),
            place: crate::minutes::place_of(region_name),
            logo_png: None,
        }
    }

    /// What the typst preamble reads (`letterhead-block`); the logo is the file `logo.png`.
    pub fn data(&self) -> Value {
        json!({
            "name": self.name,
            "place": self.place,
            "logo": self.logo_png.is_some(),
        })
    }

    /// The logo as the file the preamble reads, if any.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.logo_png
            .iter()
            .map(|png| ("logo.png", png.clone()))
            .collect()
    }
}

/// Typeset `source` (which may `#import "preamble.typ": *` and read
/// `json("data.json")`) with `data` and the named SVG images (read with
/// `image("NAME")`) into a PDF.
pub fn render(source: &str, data: &Value, images: &[(&str, String)]) -> Result<Vec<u8>, Error> {
    let files: Vec<(&str, Vec<u8>)> = images
        .iter()
        .map(|(name, svg)| (*name, svg.clone().into_bytes()))
        .collect();
    render_files(source, data, &files)
}

/// [`render`] with files of any kind (SVG, PNG) by name.
pub fn render_files(
    source: &str,
    data: &Value,
    named: &[(&str, Vec<u8>)],
) -> Result<Vec<u8>, Error> {
    let mut files = HashMap::new();
    files.insert(
        file_id("/data.json"),
        Bytes::new(serde_json::to_vec(data).map_err(|e| Error::Pdf(e.to_string()))?),
    );
    for (name, bytes) in named {
        files.insert(file_id(&format!("/{name}")), Bytes::new(bytes.clone()));
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
    /// The head of the first page; the region's name without one.
    #[serde(skip)]
    pub letterhead: Option<Letterhead>,
}

/// The evaluation report and the final evaluation are written in Indonesian.
const LANG: Lang = Lang::Id;

fn pct(value: Option<Decimal>) -> String {
    pantau_present::pct(LANG, value)
}

fn rate(value: Option<Decimal>) -> String {
    pantau_present::rate(LANG, value)
}

fn count(value: impl Into<i64>) -> String {
    pantau_present::count(LANG, value.into())
}

fn rating(value: Option<Rating>) -> String {
    pantau_present::rating(LANG, value).to_owned()
}

fn status(value: Option<Status>) -> String {
    pantau_present::status_opt(LANG, value).to_owned()
}

fn verdict(value: Option<FinalVerdict>) -> String {
    value
        .map_or(pantau_present::NONE, |v| {
            pantau_present::final_verdict(LANG, v)
        })
        .to_owned()
}

fn signature_or_default(signature: &Signature, report: &Report) -> Value {
    let timezone = report.program.calendar.timezone;
    let date = if signature.date.is_empty() {
        shown::as_of_date(&report.evaluation.as_of, timezone)
            .map(|d| pantau_present::date(LANG, d))
            .unwrap_or_default()
    } else {
        signature.date.clone()
    };
    json!({
        "place": signature.place,
        "date": date,
        "role": if signature.role.is_empty() { "Kepala Daerah".to_owned() } else { signature.role.clone() },
        "name": signature.name,
        "nip": "",
    })
}

/// The header every report shares: the region, the program, the title, the
/// moment of its figures in words and the program's day.
fn header(report: &Report, title: &str, signature: &Signature) -> Value {
    let e = report.evaluation;
    let timezone = report.program.calendar.timezone;
    json!({
        "letterhead": letterhead_of(report, signature).data(),
        "region": report.region.name,
        "program": format!("{} ({})", report.program.name, report.program.code),
        "title": title,
        "as_of": shown::figures_as_of(LANG, timezone, &e.as_of),
        "subtitle": pantau_present::day_of(LANG, e.day, e.days_total),
    })
}

fn letterhead_of(report: &Report, signature: &Signature) -> Letterhead {
    signature
        .letterhead
        .clone()
        .unwrap_or_else(|| Letterhead::of_region(&report.region.name))
}

/// The charts and the logo, as files for typst.
fn files_of(
    report: &Report,
    signature: &Signature,
    images: Vec<(&'static str, String)>,
) -> Vec<(&'static str, Vec<u8>)> {
    let mut files: Vec<(&'static str, Vec<u8>)> = images
        .into_iter()
        .map(|(name, svg)| (name, svg.into_bytes()))
        .collect();
    files.extend(letterhead_of(report, signature).files());
    files
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
        "header": header(report, "LAPORAN EVALUASI PROGRAM", signature),
        "summary": [
            ["Jumlah target", count(s.targets)],
            ["OPD dengan target", count(s.units_with_targets)],
            ["Capaian", pct(s.achievement_pct)],
            ["Predikat", rating(s.rating)],
            ["Tingkat pelaporan", rate(s.reporting_rate)],
            ["Tepat waktu", rate(s.on_time_rate)],
        ],
        "clusters": e.clusters.iter().map(|c| vec![
            c.code.clone(),
            name_of(region.clusters.iter().map(|x| (x.code.as_str(), x.name.as_str())), &c.code),
            count(c.units),
            count(c.targets),
            pct(c.achievement_pct),
            rating(c.rating),
            rate(c.reporting_rate),
        ]).collect::<Vec<_>>(),
        "priorities": e.priorities.iter().map(|p| vec![
            p.code.clone(),
            name_of(region.priorities.iter().map(|x| (x.code.as_str(), x.name.as_str())), &p.code),
            count(p.targets),
            pct(p.achievement_pct),
            rating(p.rating),
            status(p.status),
        ]).collect::<Vec<_>>(),
        "units": e.units.iter().filter(|u| u.targets > 0).map(|u| {
            let [on_time, late, missing, _] = crate::tables::record(u.compliance.iter().map(|c| c.state));
            vec![
                u.code.clone(),
                count(u.targets),
                pct(u.achievement_pct),
                rating(u.rating),
                status(u.status),
                shown::record(LANG, on_time, late, missing),
                rate(u.reporting_rate),
            ]
        }).collect::<Vec<_>>(),
        "budget": budget_rows(report),
        "record_header": shown::record_header(LANG),
        "signature": signature_or_default(signature, report),
    });
    let mut files: Vec<(&str, Vec<u8>)> = files_of(report, signature, group_charts(report));
    files.extend(
        extra_images
            .iter()
            .map(|(n, s)| (*n, s.clone().into_bytes())),
    );
    render_files(EVALUATION, &data, &files)
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
                shown::rupiah(LANG, b.pagu.0),
                shown::rupiah(LANG, b.realised_to_date.0),
                pct(b.absorption_pct),
                pct(b.against_plan_pct),
                pct(b.physical_pct),
                if b.flagged {
                    "Ya"
                } else {
                    pantau_present::NONE
                }
                .to_owned(),
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
        vec!["Jumlah target".to_owned(), count(s.targets)],
        vec!["OPD dengan target".to_owned(), count(s.units_with_targets)],
        vec!["OPD tercapai".to_owned(), count(s.units_achieved)],
        vec!["OPD tidak tercapai".to_owned(), count(s.units_not_achieved)],
        vec!["Capaian program".to_owned(), pct(s.achievement_pct)],
        vec!["Predikat".to_owned(), rating(s.rating)],
        vec!["Tingkat pelaporan".to_owned(), rate(s.reporting_rate)],
        vec!["Tepat waktu".to_owned(), rate(s.on_time_rate)],
    ];
    if let Some(b) = &s.budget {
        summary.extend([
            vec!["Pagu anggaran".to_owned(), shown::rupiah(LANG, b.pagu.0)],
            vec![
                "Realisasi anggaran".to_owned(),
                shown::rupiah(LANG, b.realised_to_date.0),
            ],
            vec!["Serapan anggaran".to_owned(), pct(b.absorption_pct)],
            vec!["Capaian fisik".to_owned(), pct(b.physical_pct)],
        ]);
    }
    let group = |g: &crate::final_evaluation::FinalGroup, with_rates: bool| {
        let mut row = vec![
            g.code.clone(),
            g.name.clone(),
            count(g.targets),
            count(g.status_counts.get(Status::Achieved)),
            pct(g.achievement_pct),
            rating(g.rating),
        ];
        if with_rates {
            row.push(rate(g.reporting_rate));
        }
        row
    };
    let data = json!({
        "header": header(report, "EVALUASI AKHIR PROGRAM", signature),
        "summary": summary,
        "clusters": fin.clusters.iter().map(|g| group(g, true)).collect::<Vec<_>>(),
        "priorities": fin.priorities.iter().map(|g| group(g, false)).collect::<Vec<_>>(),
        "units": fin.units.iter().filter(|u| u.verdict.is_some()).map(|u| vec![
            u.code.clone(),
            u.name.clone(),
            verdict(u.verdict),
            pct(u.achievement_pct),
            rating(u.rating),
            shown::record(LANG, u.on_time, u.late, u.missing),
            rate(u.reporting_rate),
        ]).collect::<Vec<_>>(),
        "details": fin.units.iter().filter(|u| !u.targets.is_empty()).map(|u| json!({
            "title": format!("{} - {}", u.code, u.name),
            "verdict": verdict(u.verdict),
            "targets": u.targets.iter().map(|t| vec![
                t.code.clone(),
                t.name.clone(),
                format!("{}{}", pantau_present::number(LANG, Some(t.target)), t.measure.as_ref().map(|m| format!(" {m}")).unwrap_or_default()),
                pantau_present::number(LANG, t.realized),
                pct(t.achievement_pct),
                rating(t.rating),
                status(Some(t.status)),
            ]).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "budget": budget_rows(report),
        "record_header": shown::record_header(LANG),
        "signature": signature_or_default(signature, report),
    });
    render_files(
        FINAL,
        &data,
        &files_of(report, signature, group_charts(report)),
    )
}

/// The berita acara of a closed meeting, typeset from its frozen minutes only:
/// nothing is recomputed, so the PDF says what the meeting saw. Kept for its
/// callers: a non-empty `signature.place` is the place signed at, a
/// non-empty `signature.role` the chair's office and `signature.name` the
/// chair's full name; `signature.date` is not used, since the berita acara is
/// signed on the meeting's day ([`crate::minutes::meeting_day`]). See
/// [`crate::minutes::MinutesDocument`] for the document itself.
pub fn minutes_report(
    minutes: &pantau_domain::meeting::Minutes,
    signature: &Signature,
) -> Result<Vec<u8>, Error> {
    let place = (!signature.place.is_empty()).then_some(signature.place.as_str());
    let mut chair = crate::minutes::Signatory::chair_of(minutes);
    if !signature.role.is_empty() {
        chair.office = Some(signature.role.clone());
    }
    if !signature.name.is_empty() {
        chair.full_name = Some(signature.name.clone());
    }
    let document = crate::minutes::MinutesDocument::build(minutes, Lang::Id, place, &[chair]);
    crate::minutes::pdf(&document)
}
