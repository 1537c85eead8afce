//! The wording of reminders and notices: Indonesian first, English below.
//! Every date, moment and period is written by `pantau-present`, in the
//! program's time zone with its Indonesian name (WIB, WITA, WIT), as people
//! there read them.

use chrono_tz::Tz;
use pantau_domain::Period;
use pantau_present::{self as present, Lang};

/// A period of a program, with the zone its deadline is read in.
pub struct PeriodText<'a> {
    pub period: &'a Period,
    pub tz: Tz,
}

impl PeriodText<'_> {
    /// "Minggu ke-1 (22–27 Februari 2025)" / "Week 1 (22–27 February 2025)".
    fn label(&self, lang: Lang) -> String {
        present::period(lang, self.period)
    }

    /// "Jumat, 28 Februari 2025 pukul 09.00 WITA" / "Friday, 28 February 2025, 09:00 WITA".
    fn deadline(&self, lang: Lang) -> String {
        present::moment_with_weekday(lang, self.tz, self.period.deadline)
    }
}

pub struct Text {
    pub subject: String,
    pub body: String,
}

const FOOTER: &str = "Pesan otomatis dari Pantau. / An automatic message from Pantau.\n";

/// To an operator whose unit has not reported yet.
pub fn reminder(recipient: &str, program: &str, unit: (&str, &str), period: &PeriodText) -> Text {
    let (code, name) = unit;
    let (period_id, period_en) = (period.label(Lang::Id), period.label(Lang::En));
    let (deadline_id, deadline_en) = (period.deadline(Lang::Id), period.deadline(Lang::En));
    let subject =
        format!("[Pantau] Pengingat: laporan {code} {period_id} paling lambat {deadline_id}");
    let body = format!(
        "Yth. {recipient},\n\n\
         {name} ({code}) belum menyampaikan laporan {program} untuk {period_id}.\n\
         Batas waktu: {deadline_id}.\n\n\
         Sampaikan laporan capaian, atau laporan nihil bila tidak ada kegiatan pada periode ini, \
         di Pantau sebelum batas waktu.\n\n\
         ---\n\
         {name} ({code}) has not yet reported on {program} for {period_en}.\n\
         Deadline: {deadline_en}.\n\n\
         Please report your progress, or a nil report if there was no activity in this period, \
         in Pantau before the deadline.\n\n\
         {FOOTER}",
    );
    Text { subject, body }
}

/// To an evaluator: the units of their clusters that did not report by the deadline.
pub fn missing_units(
    recipient: &str,
    program: &str,
    units: &[(&str, &str)],
    period: &PeriodText,
) -> Text {
    let (period_id, period_en) = (period.label(Lang::Id), period.label(Lang::En));
    let (deadline_id, deadline_en) = (period.deadline(Lang::Id), period.deadline(Lang::En));
    let list: String = units
        .iter()
        .map(|(code, name)| format!("- {code}: {name}\n"))
        .collect();
    let subject = format!(
        "[Pantau] {} OPD belum melapor {period_id} {program}",
        present::count(Lang::Id, units.len() as i64)
    );
    let body = format!(
        "Yth. {recipient},\n\n\
         Batas waktu pelaporan {program} {period_id} telah lewat ({deadline_id}). \
         OPD berikut belum menyampaikan laporan:\n\n\
         {list}\n\
         ---\n\
         The reporting deadline of {program}, {period_en}, has passed ({deadline_en}). \
         These units have not reported:\n\n\
         {list}\n\
         {FOOTER}",
    );
    Text { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};

    fn period() -> Period {
        Period {
            index: 1,
            start: NaiveDate::from_ymd_opt(2025, 2, 22).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 2, 27).unwrap(),
            deadline: DateTime::parse_from_rfc3339("2025-02-28T01:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn deadlines_in_the_three_zones() {
        let period = period();
        let at = |tz, lang| {
            PeriodText {
                period: &period,
                tz,
            }
            .deadline(lang)
        };
        assert_eq!(
            at(chrono_tz::Asia::Jakarta, Lang::Id),
            "Jumat, 28 Februari 2025 pukul 08.00 WIB"
        );
        assert_eq!(
            at(chrono_tz::Asia::Makassar, Lang::Id),
            "Jumat, 28 Februari 2025 pukul 09.00 WITA"
        );
        assert_eq!(
            at(chrono_tz::Asia::Jayapura, Lang::En),
            "Friday, 28 February 2025, 10:00 WIT"
        );
    }

    #[test]
    fn a_reminder_names_the_period_and_deadline_in_both_languages() {
        let period = period();
        let text = reminder(
            "Operator DLH",
            "Program 100 Hari Kerja",
            ("DLH", "Dinas Lingkungan Hidup"),
            &PeriodText {
                period: &period,
                tz: chrono_tz::Asia::Makassar,
            },
        );
        assert_eq!(
            text.subject,
            "[Pantau] Pengingat: laporan DLH Minggu ke-1 (22–27 Februari 2025) \
             paling lambat Jumat, 28 Februari 2025 pukul 09.00 WITA"
        );
        assert!(
            text.body.contains(
                "for Week 1 (22–27 February 2025).\nDeadline: Friday, 28 February 2025, 09:00 WITA."
            ),
            "{}",
            text.body
        );
        // No machine moment reaches a person.
        assert!(!text.body.contains("2025-02"), "{}", text.body);
    }
}
