//! The wording of reminders and notices: Indonesian first, English below.
//! Dates and times are written in the program's time zone with its
//! abbreviation (WIB, WITA, WIT), as people there read them.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

const HARI: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];
const BULAN: [&str; 12] = [
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

/// `28 Februari 2025`.
fn tanggal(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        BULAN[date.month0() as usize],
        date.year()
    )
}

/// `Jumat, 28 Februari 2025 pukul 09.00 WITA`.
pub fn waktu(instant: DateTime<Utc>, tz: Tz) -> String {
    let local = instant.with_timezone(&tz);
    format!(
        "{}, {} pukul {} {}",
        HARI[local.weekday().num_days_from_monday() as usize],
        tanggal(local.date_naive()),
        local.format("%H.%M"),
        local.format("%Z")
    )
}

/// `Friday 28 February 2025, 09:00 WITA`.
pub fn when(instant: DateTime<Utc>, tz: Tz) -> String {
    instant
        .with_timezone(&tz)
        .format("%A %-d %B %Y, %H:%M %Z")
        .to_string()
}

/// A period, as the two languages write it.
pub struct PeriodText {
    pub index: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub deadline: DateTime<Utc>,
    pub tz: Tz,
}

impl PeriodText {
    fn id(&self) -> String {
        format!(
            "periode ke-{} ({} s.d. {})",
            self.index,
            tanggal(self.start),
            tanggal(self.end)
        )
    }

    fn en(&self) -> String {
        format!(
            "period {} ({} to {})",
            self.index,
            self.start.format("%-d %B %Y"),
            self.end.format("%-d %B %Y")
        )
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
    let deadline_id = waktu(period.deadline, period.tz);
    let deadline_en = when(period.deadline, period.tz);
    let subject = format!(
        "[Pantau] Pengingat: laporan {code} {} paling lambat {deadline_id}",
        period.id()
    );
    let body = format!(
        "Yth. {recipient},\n\n\
         {name} ({code}) belum menyampaikan laporan {program} untuk {}.\n\
         Batas waktu: {deadline_id}.\n\n\
         Sampaikan laporan capaian, atau laporan nihil bila tidak ada kegiatan pada periode ini, \
         di Pantau sebelum batas waktu.\n\n\
         ---\n\
         {name} ({code}) has not yet reported on {program} for {}.\n\
         Deadline: {deadline_en}.\n\n\
         Please report your progress, or a nil report if there was no activity in this period, \
         in Pantau before the deadline.\n\n\
         {FOOTER}",
        period.id(),
        period.en(),
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
    let deadline_id = waktu(period.deadline, period.tz);
    let deadline_en = when(period.deadline, period.tz);
    let list: String = units
        .iter()
        .map(|(code, name)| format!("- {code}: {name}\n"))
        .collect();
    let subject = format!(
        "[Pantau] {} OPD belum melapor {} {program}",
        units.len(),
        period.id()
    );
    let body = format!(
        "Yth. {recipient},\n\n\
         Batas waktu pelaporan {program} {} telah lewat ({deadline_id}). \
         OPD berikut belum menyampaikan laporan:\n\n\
         {list}\n\
         ---\n\
         The reporting deadline of {program}, {}, has passed ({deadline_en}). \
         These units have not reported:\n\n\
         {list}\n\
         {FOOTER}",
        period.id(),
        period.en(),
    );
    Text { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_in_the_three_zones() {
        let deadline = DateTime::parse_from_rfc3339("2025-02-28T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            waktu(deadline, chrono_tz::Asia::Jakarta),
            "Jumat, 28 Februari 2025 pukul 08.00 WIB"
        );
        assert_eq!(
            waktu(deadline, chrono_tz::Asia::Makassar),
            "Jumat, 28 Februari 2025 pukul 09.00 WITA"
        );
        assert_eq!(
            when(deadline, chrono_tz::Asia::Jayapura),
            "Friday 28 February 2025, 10:00 WIT"
        );
    }
}
