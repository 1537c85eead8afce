//! The berita acara (minutes) of a closed meeting as one document: every
//! string and label it shows, already written for people in one language,
//! built from the frozen [`Minutes`] alone. The PDF renders it
//! ([`pdf`]); the web page renders the same struct, so the two read alike.

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use pantau_domain::Period;
use pantau_domain::meeting::{FollowUp, MeetingKind, Minutes};
use pantau_domain::role::Role;
use pantau_present::{Lang, NONE};

use crate::{Error, chart, shown};

const TYPST: &str = include_str!("typ/minutes.typ");

/// Who signs the berita acara. The document names a person only by
/// `full_name` (never a username); without one it leaves a line to write it on
/// under the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signatory {
    /// The signer's role in Pantau; its label is the office when `office` is none.
    pub role: Role,
    /// The office signed as, e.g. "Asisten Pemerintahan dan Kesejahteraan Rakyat".
    pub office: Option<String>,
    pub full_name: Option<String>,
    /// Nomor Induk Pegawai.
    pub nip: Option<String>,
}

impl Signatory {
    /// The chair of the meeting when nobody else is named: the cluster's
    /// Asisten Daerah for a weekly meeting (the cluster's name as office), the
    /// region's leaders for the final one.
    pub fn chair_of(minutes: &Minutes) -> Signatory {
        match (&minutes.kind, &minutes.cluster) {
            (MeetingKind::Weekly, Some(cluster)) => Signatory {
                role: Role::Evaluator,
                office: Some(cluster.name.clone()),
                full_name: None,
                nip: None,
            },
            _ => Signatory {
                role: Role::Leader,
                office: None,
                full_name: None,
                nip: None,
            },
        }
    }
}

/// A line of label and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub label: String,
    pub value: String,
}

/// A titled table: its column headers, its rows, and what to say without rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section<R> {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<R>,
    pub empty: String,
}

/// An earlier follow-up the meeting reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpRow {
    pub unit: String,
    pub unit_name: String,
    pub description: String,
    pub due: String,
    pub state: String,
    pub done_note: String,
}

/// A unit that did not report, or reported late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportingRow {
    pub unit: String,
    pub unit_name: String,
    pub this_period: String,
    pub missing_periods: String,
    pub late_periods: String,
}

/// A target that needed a word at the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRow {
    pub target: String,
    pub target_name: String,
    pub unit: String,
    pub status: String,
    pub achievement: String,
    pub flags: String,
}

/// A unit's figures at the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    pub unit: String,
    pub unit_name: String,
    pub status: String,
    pub achievement: String,
    pub rating: String,
    pub reporting_rate: String,
}

/// A note of the meeting (its author's username is not shown: the document
/// names people only as signatories).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteRow {
    pub unit: String,
    pub unit_name: String,
    pub text: String,
}

/// An evaluator's status beside the computed one (without the username).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideRow {
    /// "DP3A" or "DP3A / DP3A-01".
    pub subject: String,
    pub computed: String,
    pub status: String,
    pub justification: String,
}

/// A follow-up the meeting agreed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedRow {
    /// "DP3A Dinas Pemberdayaan ..."
    pub owner: String,
    pub description: String,
    pub due: String,
}

/// One signer's place in the signature block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureLine {
    pub office: String,
    /// The full name, or empty: a line is left to write it on.
    pub name: String,
    /// "NIP 19700101 199003 1 001", or the label alone to fill in by hand.
    pub nip: String,
}

/// "<place>, <meeting day>" and who signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureBlock {
    pub place_date: String,
    pub signatories: Vec<SignatureLine>,
}

/// Who attended the meeting, as recorded in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub name: String,
    /// Position or unit.
    pub office: String,
    pub present: bool,
}

/// A line of the attendance list as written: "Hadir" or "Tidak hadir".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttendanceRow {
    pub number: String,
    pub name: String,
    pub office: String,
    pub presence: String,
}

/// The letterhead as the document shows it (the logo is a file beside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterheadView {
    pub name: String,
    pub place: String,
    pub logo: bool,
}

/// The berita acara as people read it, on paper or on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinutesDocument {
    /// "id" or "en".
    pub lang: String,
    /// The head of the first page: the region's name and place (and logo).
    pub letterhead: LetterheadView,
    #[serde(skip)]
    pub logo_png: Option<Vec<u8>>,
    /// "Nomor: 7/BA-EVAL/IV/2025"; empty on a draft (no number yet).
    pub number: String,
    /// "DRAF" on a draft printed before closing; empty on the final document.
    pub draft: String,
    /// Who attended.
    pub attendance: Section<AttendanceRow>,
    pub region: String,
    /// "Program 100 Hari Kerja (100HK)".
    pub program: String,
    pub title: String,
    /// The period: "Minggu ke-9 (18–24 April 2025)".
    pub subtitle: String,
    /// "Angka per 25 April 2025 pukul 09.00 WIB".
    pub figures_as_of: String,
    /// Scope, period, reporting deadline, meeting day, closing moment.
    pub details: Vec<Item>,
    /// The figures at the meeting (the cluster's, or the program's).
    pub summary: Section<Item>,
    pub chart_title: String,
    /// The units' achievement as an SVG bar chart; empty without units.
    pub chart_svg: String,
    pub follow_ups_reviewed: Section<FollowUpRow>,
    pub reporting: Section<ReportingRow>,
    pub targets: Section<TargetRow>,
    pub units: Section<UnitRow>,
    pub notes: Section<NoteRow>,
    pub overrides: Section<OverrideRow>,
    pub follow_ups_created: Section<CreatedRow>,
    pub signature: SignatureBlock,
    /// The page footer's words: "Halaman" 1 "dari" 3.
    pub page_label: String,
    pub page_of: String,
}

/// The meeting's day: the local date of the period's deadline, when the
/// meeting looks at the figures (as [`pantau_domain::meeting::MeetingScope::date`]).
pub fn meeting_day(minutes: &Minutes) -> NaiveDate {
    minutes
        .period
        .deadline
        .with_timezone(&timezone(minutes))
        .date_naive()
}

/// The place a region's documents are signed at: its name without "Kota ",
/// "Kabupaten ", "Kab. " or "Provinsi " ("Kota Bekasi" signs at "Bekasi").
pub fn place_of(region_name: &str) -> String {
    let name = region_name.trim();
    ["Kota ", "Kabupaten ", "Kab. ", "Provinsi "]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .unwrap_or(name)
        .trim()
        .to_owned()
}

fn timezone(minutes: &Minutes) -> Tz {
    minutes.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta)
}

fn section<R>(title: String, headers: &[(&str, &str)], rows: Vec<R>, lang: Lang) -> Section<R> {
    Section {
        title,
        headers: headers
            .iter()
            .map(|(id, en)| shown::pick(lang, id, en))
            .collect(),
        rows,
        empty: shown::pick(lang, "Tidak ada.", "None."),
    }
}

impl MinutesDocument {
    /// The document of `minutes` in `lang`, signed at `place` (by default the
    /// region's name without its prefix, see [`place_of`]) on the meeting's day
    /// ([`meeting_day`]) by `signatories` (by default the chair,
    /// [`Signatory::chair_of`]). Nothing is recomputed: the figures are the
    /// frozen ones.
    pub fn build(
        minutes: &Minutes,
        lang: Lang,
        place: Option<&str>,
        signatories: &[Signatory],
    ) -> MinutesDocument {
        let t = |id: &str, en: &str| shown::pick(lang, id, en);
        let tz = timezone(minutes);
        let p = &minutes.period;
        let period = Period {
            index: p.index,
            start: p.start,
            end: p.end,
            deadline: p.deadline,
        };
        let title = match minutes.kind {
            MeetingKind::Final => t(
                "BERITA ACARA RAPAT EVALUASI AKHIR",
                "MINUTES OF THE FINAL EVALUATION MEETING",
            ),
            MeetingKind::Weekly => t(
                "BERITA ACARA RAPAT EVALUASI MINGGUAN",
                "MINUTES OF THE WEEKLY EVALUATION MEETING",
            ),
        };
        let scope = match (&minutes.kind, &minutes.cluster) {
            (MeetingKind::Final, _) => t("Semua perangkat daerah", "All units"),
            (MeetingKind::Weekly, Some(c)) => format!("{} ({})", c.name, c.code),
            (MeetingKind::Weekly, None) => NONE.to_owned(),
        };
        let day = meeting_day(minutes);
        let item = |label: String, value: String| Item { label, value };
        let details = vec![
            item(t("Lingkup", "Scope"), scope),
            item(
                t("Periode", "Period"),
                pantau_present::period(lang, &period),
            ),
            item(
                t("Batas lapor", "Reporting deadline"),
                pantau_present::moment(lang, tz, p.deadline),
            ),
            item(
                t("Hari rapat", "Meeting day"),
                pantau_present::date(lang, day),
            ),
            // Who closed it is a username: the document names people only as signatories.
            item(
                t("Ditutup", "Closed"),
                pantau_present::moment(lang, tz, minutes.closed_at),
            ),
        ];

        let figures = |achievement, rating, reporting, on_time, achievement_label: String| {
            vec![
                item(achievement_label, pantau_present::pct(lang, achievement)),
                item(
                    t("Predikat", "Rating"),
                    pantau_present::rating(lang, rating).to_owned(),
                ),
                item(
                    t("Tingkat pelaporan", "Reporting rate"),
                    pantau_present::rate(lang, reporting),
                ),
                item(
                    t("Tepat waktu", "On time"),
                    pantau_present::rate(lang, on_time),
                ),
            ]
        };
        let summary_rows = if let Some(c) = &minutes.cluster_result {
            figures(
                c.achievement_pct,
                c.rating,
                c.reporting_rate,
                c.on_time_rate,
                t("Capaian", "Achievement"),
            )
        } else if let Some(e) = &minutes.evaluation {
            figures(
                e.summary.achievement_pct,
                e.summary.rating,
                e.summary.reporting_rate,
                e.summary.on_time_rate,
                t("Capaian program", "Programme achievement"),
            )
        } else {
            Vec::new()
        };
        let summary = section(
            t("Capaian saat rapat", "Figures at the meeting"),
            &[("Uraian", "Item"), ("Nilai", "Value")],
            summary_rows,
            lang,
        );

        let follow_up = |f: &FollowUp| FollowUpRow {
            unit: f.unit.clone(),
            unit_name: f.unit_name.clone(),
            description: f.description.clone(),
            due: pantau_present::date(lang, f.due),
            state: pantau_present::follow_up_state(lang, f.state).to_owned(),
            done_note: f.done_note.clone().unwrap_or_else(|| NONE.to_owned()),
        };
        let follow_ups_reviewed = section(
            t(
                "Tindak lanjut rapat sebelumnya",
                "Follow-ups of earlier meetings",
            ),
            &[
                ("OPD", "Unit"),
                ("Uraian", "Description"),
                ("Tenggat", "Due"),
                ("Keadaan", "State"),
                ("Catatan penyelesaian", "Completion note"),
            ],
            minutes.follow_ups_reviewed.iter().map(follow_up).collect(),
            lang,
        );

        let mut reporting = section(
            t(
                "Perangkat daerah yang tidak atau terlambat melapor",
                "Units that did not report or reported late",
            ),
            &[
                ("Kode", "Code"),
                ("OPD", "Unit"),
                ("Periode ini", "This period"),
                ("Tidak lapor", "Missing"),
                ("Terlambat", "Late"),
            ],
            minutes
                .agenda
                .reporting
                .iter()
                .map(|r| ReportingRow {
                    unit: r.unit.clone(),
                    unit_name: r.unit_name.clone(),
                    this_period: shown::compliance_at_deadline(lang, r.this_period).to_owned(),
                    missing_periods: shown::periods(lang, &r.missing_periods),
                    late_periods: shown::periods(lang, &r.late_periods),
                })
                .collect(),
            lang,
        );
        reporting.empty = t(
            "Semua perangkat daerah melapor tepat waktu.",
            "Every unit reported on time.",
        );

        let targets = section(
            t("Target yang perlu perhatian", "Targets that need attention"),
            &[
                ("Kode / indikator", "Code / indicator"),
                ("OPD", "Unit"),
                ("Status", "Status"),
                ("Capaian", "Achievement"),
                ("Catatan", "Remarks"),
            ],
            minutes
                .agenda
                .targets
                .iter()
                .map(|l| {
                    let mut flags = Vec::new();
                    if l.stale {
                        flags.push(t("tidak diperbarui", "not updated"));
                    }
                    if l.likely_to_miss {
                        flags.push(t("diperkirakan meleset", "likely to miss"));
                    }
                    TargetRow {
                        target: l.target.clone(),
                        target_name: l.target_name.clone(),
                        unit: l.unit.clone(),
                        status: pantau_present::status(lang, l.status).to_owned(),
                        achievement: pantau_present::pct(lang, l.achievement_pct),
                        flags: if flags.is_empty() {
                            NONE.to_owned()
                        } else {
                            flags.join(", ")
                        },
                    }
                })
                .collect(),
            lang,
        );

        let concerned: Vec<_> = minutes
            .units
            .iter()
            .filter(|u| u.result.targets > 0)
            .collect();
        let units = section(
            t("Capaian perangkat daerah", "Units' achievement"),
            &[
                ("Kode", "Code"),
                ("OPD", "Unit"),
                ("Status", "Status"),
                ("Capaian", "Achievement"),
                ("Predikat", "Rating"),
                ("Pelaporan", "Reporting"),
            ],
            concerned
                .iter()
                .map(|u| UnitRow {
                    unit: u.result.code.clone(),
                    unit_name: u.name.clone(),
                    status: pantau_present::status_opt(lang, u.result.status).to_owned(),
                    achievement: pantau_present::pct(lang, u.result.achievement_pct),
                    rating: pantau_present::rating(lang, u.result.rating).to_owned(),
                    reporting_rate: pantau_present::rate(lang, u.result.reporting_rate),
                })
                .collect(),
            lang,
        );
        let chart_title = t("Capaian per perangkat daerah", "Achievement per unit");
        let bars: Vec<(String, Option<Decimal>)> = concerned
            .iter()
            .map(|u| (u.result.code.clone(), u.result.achievement_pct))
            .collect();
        let chart_svg = if bars.is_empty() {
            String::new()
        } else {
            chart::achievement_bars_in(lang, &chart_title, &bars)
        };

        let notes = section(
            t("Catatan rapat", "Notes"),
            &[("OPD", "Unit"), ("Catatan", "Note")],
            minutes
                .notes
                .iter()
                .map(|n| NoteRow {
                    unit: n.unit.clone(),
                    unit_name: n.unit_name.clone(),
                    text: n.text.clone(),
                })
                .collect(),
            lang,
        );
        let overrides = section(
            t(
                "Penyesuaian status oleh evaluator",
                "Statuses set by the evaluator",
            ),
            &[
                ("OPD / target", "Unit / target"),
                ("Status dihitung", "Computed status"),
                ("Status evaluator", "Evaluator's status"),
                ("Alasan", "Justification"),
            ],
            minutes
                .overrides
                .iter()
                .map(|o| OverrideRow {
                    subject: match &o.target {
                        Some(target) => format!("{} / {target}", o.unit),
                        None => o.unit.clone(),
                    },
                    computed: pantau_present::status_opt(lang, o.computed).to_owned(),
                    status: pantau_present::status(lang, o.status).to_owned(),
                    justification: o.justification.clone(),
                })
                .collect(),
            lang,
        );
        let follow_ups_created = section(
            t("Tindak lanjut yang disepakati", "Follow-ups agreed"),
            &[
                ("Penanggung jawab", "Owner"),
                ("Uraian", "Description"),
                ("Tenggat", "Due"),
            ],
            minutes
                .follow_ups_created
                .iter()
                .map(|f| CreatedRow {
                    owner: format!("{} {}", f.unit, f.unit_name),
                    description: f.description.clone(),
                    due: pantau_present::date(lang, f.due),
                })
                .collect(),
            lang,
        );

        let place = place.map_or_else(|| place_of(&minutes.region.name), str::to_owned);
        let default = [Signatory::chair_of(minutes)];
        let signatories = if signatories.is_empty() {
            &default[..]
        } else {
            signatories
        };
        let nip_label = "NIP";
        let signature = SignatureBlock {
            place_date: format!("{place}, {}", pantau_present::date(lang, day)),
            signatories: signatories
                .iter()
                .map(|s| SignatureLine {
                    office: s
                        .office
                        .clone()
                        .unwrap_or_else(|| pantau_present::role(lang, s.role).to_owned()),
                    name: s.full_name.clone().unwrap_or_default(),
                    nip: match &s.nip {
                        Some(nip) => format!("{nip_label} {nip}"),
                        None => format!("{nip_label}."),
                    },
                })
                .collect(),
        };

        let letterhead = crate::pdf::Letterhead::of_region(&minutes.region.name);
        MinutesDocument {
            lang: lang.code().to_owned(),
            letterhead: LetterheadView {
                name: letterhead.name,
                place: letterhead.place,
                logo: false,
            },
            logo_png: None,
            number: String::new(),
            draft: String::new(),
            attendance: section(
                t("Daftar hadir", "Attendance"),
                &[
                    ("No.", "No."),
                    ("Nama", "Name"),
                    ("Jabatan / unit kerja", "Position / unit"),
                    ("Kehadiran", "Presence"),
                ],
                Vec::new(),
                lang,
            ),
            region: minutes.region.name.clone(),
            program: format!("{} ({})", minutes.program.name, minutes.program.code),
            title,
            subtitle: pantau_present::period(lang, &period),
            figures_as_of: shown::figures_as_of(lang, tz, &minutes.as_of),
            details,
            summary,
            chart_title,
            chart_svg,
            follow_ups_reviewed,
            reporting,
            targets,
            units,
            notes,
            overrides,
            follow_ups_created,
            signature,
            page_label: t("Halaman", "Page"),
            page_of: t("dari", "of"),
        }
    }
}

impl MinutesDocument {
    /// The document under `letterhead` (its logo shown when it has one).
    pub fn with_letterhead(mut self, letterhead: &crate::pdf::Letterhead) -> MinutesDocument {
        self.letterhead = LetterheadView {
            name: letterhead.name.clone(),
            place: letterhead.place.clone(),
            logo: letterhead.logo_png.is_some(),
        };
        self.logo_png = letterhead.logo_png.clone();
        self
    }

    /// The document with the number it got when the meeting closed.
    pub fn numbered(mut self, number: &str) -> MinutesDocument {
        let lang = Lang::parse(&self.lang).unwrap_or(Lang::Id);
        self.number = format!("{}: {number}", shown::pick(lang, "Nomor", "Number"));
        self
    }

    /// A draft printed before closing: marked "DRAF"/"DRAFT", without a number.
    pub fn as_draft(mut self) -> MinutesDocument {
        let lang = Lang::parse(&self.lang).unwrap_or(Lang::Id);
        self.draft = shown::pick(lang, "DRAF", "DRAFT");
        self.number.clear();
        // A draft is not closed: its moment is when it was printed.
        let closed = shown::pick(lang, "Ditutup", "Closed");
        for item in self.details.iter_mut().filter(|i| i.label == closed) {
            item.label = shown::pick(lang, "Dicetak (belum ditutup)", "Printed (not yet closed)");
        }
        self
    }

    /// The attendance list recorded in the meeting.
    pub fn with_attendance(mut self, attendees: &[Attendee]) -> MinutesDocument {
        let lang = Lang::parse(&self.lang).unwrap_or(Lang::Id);
        self.attendance.rows = attendees
            .iter()
            .enumerate()
            .map(|(i, a)| AttendanceRow {
                number: pantau_present::count(lang, (i + 1) as i64),
                name: a.name.clone(),
                office: if a.office.is_empty() {
                    NONE.to_owned()
                } else {
                    a.office.clone()
                },
                presence: if a.present {
                    shown::pick(lang, "Hadir", "Present")
                } else {
                    shown::pick(lang, "Tidak hadir", "Absent")
                },
            })
            .collect();
        self
    }
}

/// The berita acara as a PDF to sign.
pub fn pdf(document: &MinutesDocument) -> Result<Vec<u8>, Error> {
    let data = serde_json::to_value(document).map_err(|e| Error::Pdf(e.to_string()))?;
    let data = json!({ "doc": data });
    let mut files = Vec::new();
    if !document.chart_svg.is_empty() {
        files.push(("units.svg", document.chart_svg.clone().into_bytes()));
    }
    if let Some(png) = &document.logo_png {
        files.push(("logo.png", png.clone()));
    }
    crate::pdf::render_files(TYPST, &data, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_signs_at_its_name_without_the_prefix() {
        assert_eq!(place_of("Kota Bekasi"), "Bekasi");
        assert_eq!(place_of("Kabupaten Bekasi"), "Bekasi");
        assert_eq!(place_of("Bekasi"), "Bekasi");
    }
}
