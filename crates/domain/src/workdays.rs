//! Working days (hari kerja) of a region: Monday to Friday, less its holidays
//! (national holidays and cuti bersama, which the admin may edit, and the
//! region's own). Service deadlines owed to citizens count in working days.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Hari libur nasional.
    National,
    /// Cuti bersama: a day off for civil servants set with the holidays.
    CutiBersama,
    /// Set by the region itself.
    Regional,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
}

/// The days a region's offices are closed besides weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeMap<NaiveDate, Holiday>,
}

/// National holidays and cuti bersama as decreed by the joint ministerial
/// decree (SKB 3 Menteri) for 2025 and 2026: the list a new region starts
/// with. Dates of the Islamic and lunar holidays follow the decree, not an
/// astronomical rule, so a changed decree is an admin's edit, not a new build.
const NATIONAL: &[(&str, &str, HolidayKind)] = {
    use HolidayKind::{CutiBersama as C, National as N};
    &[
        ("2025-01-01", "Tahun Baru 2025 Masehi", N),
        ("2025-01-27", "Isra Mikraj Nabi Muhammad SAW", N),
        ("2025-01-28", "Cuti bersama Tahun Baru Imlek", C),
        ("2025-01-29", "Tahun Baru Imlek 2576 Kongzili", N),
        ("2025-03-28", "Cuti bersama Hari Suci Nyepi", C),
        ("2025-03-29", "Hari Suci Nyepi (Tahun Baru Saka 1947)", N),
        ("2025-03-31", "Idul Fitri 1446 Hijriah", N),
        ("2025-04-01", "Idul Fitri 1446 Hijriah", N),
        ("2025-04-02", "Cuti bersama Idul Fitri", C),
        ("2025-04-03", "Cuti bersama Idul Fitri", C),
        ("2025-04-04", "Cuti bersama Idul Fitri", C),
        ("2025-04-07", "Cuti bersama Idul Fitri", C),
        ("2025-04-18", "Wafat Yesus Kristus", N),
        ("2025-04-20", "Kebangkitan Yesus Kristus (Paskah)", N),
        ("2025-05-01", "Hari Buruh Internasional", N),
        ("2025-05-12", "Hari Raya Waisak 2569 BE", N),
        ("2025-05-13", "Cuti bersama Hari Raya Waisak", C),
        ("2025-05-29", "Kenaikan Yesus Kristus", N),
        ("2025-05-30", "Cuti bersama Kenaikan Yesus Kristus", C),
        ("2025-06-01", "Hari Lahir Pancasila", N),
        ("2025-06-06", "Idul Adha 1446 Hijriah", N),
        ("2025-06-09", "Cuti bersama Idul Adha", C),
        ("2025-06-27", "Tahun Baru Islam 1447 Hijriah", N),
        ("2025-08-17", "Hari Kemerdekaan Republik Indonesia", N),
        ("2025-09-05", "Maulid Nabi Muhammad SAW", N),
        ("2025-12-25", "Hari Raya Natal", N),
        ("2025-12-26", "Cuti bersama Hari Raya Natal", C),
        ("2026-01-01", "Tahun Baru 2026 Masehi", N),
        ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW", N),
        ("2026-02-16", "Cuti bersama Tahun Baru Imlek", C),
        ("2026-02-17", "Tahun Baru Imlek 2577 Kongzili", N),
        ("2026-03-18", "Cuti bersama Hari Suci Nyepi", C),
        ("2026-03-19", "Hari Suci Nyepi (Tahun Baru Saka 1948)", N),
        ("2026-03-20", "Cuti bersama Idul Fitri", C),
        ("2026-03-21", "Idul Fitri 1447 Hijriah", N),
        ("2026-03-22", "Idul Fitri 1447 Hijriah", N),
        ("2026-03-23", "Cuti bersama Idul Fitri", C),
        ("2026-03-24", "Cuti bersama Idul Fitri", C),
        ("2026-04-03", "Wafat Yesus Kristus", N),
        ("2026-04-05", "Kebangkitan Yesus Kristus (Paskah)", N),
        ("2026-05-01", "Hari Buruh Internasional", N),
        ("2026-05-14", "Kenaikan Yesus Kristus", N),
        ("2026-05-15", "Cuti bersama Kenaikan Yesus Kristus", C),
        ("2026-05-27", "Idul Adha 1447 Hijriah", N),
        ("2026-05-28", "Cuti bersama Idul Adha", C),
        ("2026-05-31", "Hari Raya Waisak 2570 BE", N),
        ("2026-06-01", "Hari Lahir Pancasila", N),
        ("2026-06-16", "Tahun Baru Islam 1448 Hijriah", N),
        ("2026-08-17", "Hari Kemerdekaan Republik Indonesia", N),
        ("2026-08-25", "Maulid Nabi Muhammad SAW", N),
        ("2026-12-24", "Cuti bersama Hari Raya Natal", C),
        ("2026-12-25", "Hari Raya Natal", N),
    ]
};

/// The most working days a deadline may count: a year and a half of them,
/// far beyond any service standard, so a bad setting cannot loop for long.
pub const MAX_WORKING_DAYS: u32 = 400;

impl WorkCalendar {
    pub fn new(holidays: impl IntoIterator<Item = Holiday>) -> WorkCalendar {
        WorkCalendar {
            holidays: holidays.into_iter().map(|h| (h.date, h)).collect(),
        }
    }

    /// The national holidays and cuti bersama a region starts with.
    pub fn national_holidays() -> Vec<Holiday> {
        NATIONAL
            .iter()
            .map(|(date, name, kind)| Holiday {
                date: date.parse().expect("a valid date in the national list"),
                name: (*name).to_owned(),
                kind: *kind,
            })
            .collect()
    }

    pub fn holidays(&self) -> impl Iterator<Item = &Holiday> {
        self.holidays.values()
    }

    pub fn holiday(&self, date: NaiveDate) -> Option<&Holiday> {
        self.holidays.get(&date)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains_key(&date)
    }

    /// The `n`-th working day after `from` (`from` itself never counts: a
    /// case received on Friday evening and one received on Monday morning
    /// both start counting on the next working day). `n` = 0 gives `from`.
    /// `n` is capped at [`MAX_WORKING_DAYS`].
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n.min(MAX_WORKING_DAYS);
        while left > 0 {
            day = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
            if day == NaiveDate::MAX {
                return day;
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn weekends_and_holidays_do_not_count() {
        let cal = WorkCalendar::new(WorkCalendar::national_holidays());
        // Friday 28 March 2025 (cuti bersama) before Nyepi and Idul Fitri:
        // the offices reopen on Tuesday 8 April.
        assert_eq!(cal.add_working_days(d("2025-03-27"), 1), d("2025-04-08"));
        // An ordinary week: Monday + 3 = Thursday; Friday + 1 = Monday.
        assert_eq!(cal.add_working_days(d("2025-02-03"), 3), d("2025-02-06"));
        assert_eq!(cal.add_working_days(d("2025-02-07"), 1), d("2025-02-10"));
        assert_eq!(cal.add_working_days(d("2025-02-07"), 0), d("2025-02-07"));
        assert_eq!(
            cal.working_days_between(d("2025-03-27"), d("2025-04-08")),
            1
        );
        assert_eq!(
            cal.holiday(d("2025-08-17")).unwrap().kind,
            HolidayKind::National
        );
    }

    #[test]
    fn the_national_list_is_sorted_and_without_doubles() {
        let list = WorkCalendar::national_holidays();
        assert!(list.windows(2).all(|w| w[0].date < w[1].date));
    }

    proptest! {
        #[test]
        fn adding_working_days_lands_on_a_working_day_that_many_days_on(
            start in 0u32..800, n in 1u32..40, extra in proptest::collection::vec(0u32..800, 0..30),
        ) {
            let base = d("2025-01-01");
            let mut holidays = WorkCalendar::national_holidays();
            holidays.extend(extra.iter().map(|k| Holiday {
                date: base + Days::new(u64::from(*k)),
                name: "libur daerah".into(),
                kind: HolidayKind::Regional,
            }));
            let cal = WorkCalendar::new(holidays);
            let from = base + Days::new(u64::from(start));
            let due = cal.add_working_days(from, n);
            prop_assert!(due > from);
            prop_assert!(cal.is_working_day(due));
            prop_assert_eq!(cal.working_days_between(from, due), n);
            prop_assert!(cal.add_working_days(from, n + 1) > due);
        }
    }
}
