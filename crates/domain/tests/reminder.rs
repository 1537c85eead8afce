//! The reminder schedule: exact instants around the deadline in WIB, WITA and
//! WIT, what is dropped, the missing-units notice, who has not reported, the
//! offset setting's parsing, and properties over random calendars.

mod common;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use common::B;
use pantau_domain::reminder::{
    Due, Kind, Offset, OffsetError, Offsets, Settings, due_at, reminder_instant, schedule,
    units_without_report,
};
use pantau_domain::{Calendar, Options, evaluate};
use proptest::prelude::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 moment")
        .with_timezone(&Utc)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a time")
}

/// The Bekasi program's calendar (22 Feb - 20 May 2025, Friday) in `tz`, due at `deadline_time`.
fn calendar(tz: Tz, deadline_time: NaiveTime) -> Calendar {
    Calendar::new(
        date("2025-02-22"),
        date("2025-05-20"),
        tz,
        Weekday::Fri,
        deadline_time,
        None,
    )
    .expect("a calendar")
}

fn reminders_of(items: &[Due], period: u32) -> Vec<(String, DateTime<Utc>)> {
    items
        .iter()
        .filter(|d| d.period == period)
        .filter_map(|d| match d.kind {
            Kind::Reminder(offset) => Some((offset.to_string(), d.at)),
            Kind::MissingNotice => None,
        })
        .collect()
}

fn notice_of(items: &[Due], period: u32) -> &Due {
    items
        .iter()
        .find(|d| d.period == period && d.kind == Kind::MissingNotice)
        .expect("every period has a notice")
}

// ---------------------------------------------------------------------------
// Exact instants around the deadline, in the three Indonesian time zones.

#[test]
fn default_reminders_in_wib() {
    // Period 1 is due Fri 28 Feb 2025 09:00 WIB (02:00 UTC).
    let cal = calendar(chrono_tz::Asia::Jakarta, time(9, 0));
    let items = schedule(&cal, &Settings::default());
    assert_eq!(cal.periods()[0].deadline, utc("2025-02-28T09:00:00+07:00"));
    assert_eq!(
        reminders_of(&items, 1),
        vec![
            ("-1d@15:00".to_owned(), utc("2025-02-27T08:00:00Z")),
            ("0d@07:00".to_owned(), utc("2025-02-28T00:00:00Z")),
        ]
    );
    let notice = notice_of(&items, 1);
    assert_eq!(notice.at, utc("2025-02-28T02:00:00Z"));
    assert_eq!(notice.until, utc("2025-03-01T02:00:00Z"));
}

#[test]
fn default_reminders_in_wita() {
    // The same local times in UTC+8: one hour earlier in UTC than WIB.
    let cal = calendar(chrono_tz::Asia::Makassar, time(9, 0));
    let items = schedule(&cal, &Settings::default());
    assert_eq!(cal.periods()[0].deadline, utc("2025-02-28T01:00:00Z"));
    assert_eq!(
        reminders_of(&items, 1),
        vec![
            ("-1d@15:00".to_owned(), utc("2025-02-27T07:00:00Z")),
            ("0d@07:00".to_owned(), utc("2025-02-27T23:00:00Z")),
        ]
    );
    // The last period (16-20 May) is due the day after the end, Wed 21 May 09:00 WITA.
    assert_eq!(
        reminders_of(&items, 13),
        vec![
            ("-1d@15:00".to_owned(), utc("2025-05-20T15:00:00+08:00")),
            ("0d@07:00".to_owned(), utc("2025-05-21T07:00:00+08:00")),
        ]
    );
}

#[test]
fn default_reminders_in_wit() {
    // UTC+9: the deadline's day at 07:00 WIT is the previous day 22:00 UTC.
    let cal = calendar(chrono_tz::Asia::Jayapura, time(9, 0));
    let items = schedule(&cal, &Settings::default());
    assert_eq!(cal.periods()[0].deadline, utc("2025-02-28T00:00:00Z"));
    assert_eq!(
        reminders_of(&items, 1),
        vec![
            ("-1d@15:00".to_owned(), utc("2025-02-27T06:00:00Z")),
            ("0d@07:00".to_owned(), utc("2025-02-27T22:00:00Z")),
        ]
    );
    assert_eq!(notice_of(&items, 1).at, utc("2025-02-28T00:00:00Z"));
}

#[test]
fn reminder_at_or_after_a_midnight_deadline_is_dropped() {
    // Due at 00:00 on the evaluation day: "the deadline's day at 07:00" would
    // be seven hours late, so it is not scheduled; the day before still is.
    for tz in [
        chrono_tz::Asia::Jakarta,
        chrono_tz::Asia::Makassar,
        chrono_tz::Asia::Jayapura,
    ] {
        let cal = calendar(tz, time(0, 0));
        let items = schedule(&cal, &Settings::default());
        for period in cal.periods() {
            let reminders = reminders_of(&items, period.index);
            assert_eq!(reminders.len(), 1, "{tz} period {}", period.index);
            assert_eq!(reminders[0].0, "-1d@15:00");
            assert_eq!(
                reminders[0].1,
                period.deadline - Duration::hours(9),
                "{tz}: 15:00 the day before a 00:00 deadline"
            );
        }
        let deadline = cal.periods()[0].deadline;
        let zero_day = Offset::new(0, time(7, 0));
        assert_eq!(reminder_instant(&cal, deadline, zero_day), None);
    }
}

#[test]
fn reminder_exactly_at_the_deadline_is_dropped() {
    let cal = calendar(chrono_tz::Asia::Jakarta, time(7, 0));
    let deadline = cal.periods()[0].deadline;
    assert_eq!(
        reminder_instant(&cal, deadline, Offset::new(0, time(7, 0))),
        None
    );
    assert_eq!(
        reminder_instant(&cal, deadline, Offset::new(0, time(6, 59))),
        Some(deadline - Duration::minutes(1))
    );
}

#[test]
fn reminder_before_its_period_begins_is_dropped() {
    // Period 1 begins Sat 22 Feb; a reminder ten days before its deadline
    // (Tue 18 Feb) is before anyone can report, and is not scheduled.
    let cal = calendar(chrono_tz::Asia::Jakarta, time(9, 0));
    let settings = Settings {
        offsets: "-10d@10:00".parse().unwrap(),
        ..Settings::default()
    };
    let items = schedule(&cal, &settings);
    assert!(reminders_of(&items, 1).is_empty());
    // Period 2 (28 Feb - 6 Mar, due 7 Mar) begins on 28 Feb: 25 Feb is before it too.
    assert!(reminders_of(&items, 2).is_empty());
    // A six-day one (Sat 1 Mar 10:00 for period 2) is inside the period.
    let settings = Settings {
        offsets: "-6d@10:00".parse().unwrap(),
        ..Settings::default()
    };
    let items = schedule(&cal, &settings);
    assert_eq!(
        reminders_of(&schedule(&cal, &settings), 2),
        vec![("-6d@10:00".to_owned(), utc("2025-03-01T10:00:00+07:00"))]
    );
    // Period 1 started Sat 22 Feb: -6d (Sat 22 Feb) is its first day.
    assert_eq!(
        reminders_of(&items, 1),
        vec![("-6d@10:00".to_owned(), utc("2025-02-22T10:00:00+07:00"))]
    );
}

#[test]
fn notice_delay_and_window() {
    let cal = calendar(chrono_tz::Asia::Makassar, time(9, 0));
    let settings = Settings {
        notice_delay: Duration::minutes(30),
        notice_window: Duration::hours(2),
        ..Settings::default()
    };
    let items = schedule(&cal, &settings);
    let notice = notice_of(&items, 2);
    assert_eq!(notice.deadline, utc("2025-03-07T09:00:00+08:00"));
    assert_eq!(notice.at, utc("2025-03-07T09:30:00+08:00"));
    assert_eq!(notice.until, utc("2025-03-07T11:30:00+08:00"));
    assert!(!notice.is_due(utc("2025-03-07T09:29:59+08:00")));
    assert!(notice.is_due(utc("2025-03-07T09:30:00+08:00")));
    assert!(notice.is_due(utc("2025-03-07T11:29:59+08:00")));
    assert!(!notice.is_due(utc("2025-03-07T11:30:00+08:00")));
}

#[test]
fn due_at_picks_reminders_until_their_deadline() {
    let cal = calendar(chrono_tz::Asia::Jakarta, time(9, 0));
    let items = schedule(&cal, &Settings::default());
    let kinds = |now: &str| -> Vec<(u32, String)> {
        due_at(&items, utc(now))
            .map(|d| {
                let what = match d.kind {
                    Kind::Reminder(offset) => offset.to_string(),
                    Kind::MissingNotice => "notice".to_owned(),
                };
                (d.period, what)
            })
            .collect()
    };
    assert!(kinds("2025-02-27T14:59:59+07:00").is_empty());
    assert_eq!(
        kinds("2025-02-27T15:00:00+07:00"),
        vec![(1, "-1d@15:00".to_owned())]
    );
    assert_eq!(
        kinds("2025-02-28T07:00:00+07:00"),
        vec![(1, "-1d@15:00".to_owned()), (1, "0d@07:00".to_owned())]
    );
    assert_eq!(
        kinds("2025-02-28T08:59:59+07:00"),
        vec![(1, "-1d@15:00".to_owned()), (1, "0d@07:00".to_owned())]
    );
    // At the deadline the reminders are over and the notice is due.
    assert_eq!(
        kinds("2025-02-28T09:00:00+07:00"),
        vec![(1, "notice".to_owned())]
    );
}

// ---------------------------------------------------------------------------
// Who has not reported.

fn reporting_bundle() -> B {
    B::new()
        .sum("DP3A-01", "DP3A", 0.0, 100.0)
        .sum("DLH-01", "DLH", 0.0, 100.0)
        .sum("DINKES-01", "DINKES", 0.0, 100.0)
        // DP3A reports period 1 (22-27 Feb) on time, DINKES files a nil report.
        .entry("DP3A-01", "2025-02-24", "2025-02-26T10:00:00+07:00", 5.0)
        .nil("DINKES", "2025-02-25", "2025-02-27T16:00:00+07:00")
        // DLH reports period 1 only after the deadline.
        .entry("DLH-01", "2025-02-26", "2025-02-28T11:00:00+07:00", 3.0)
}

#[test]
fn units_without_report_before_and_after_the_deadline() {
    let region = reporting_bundle().region();
    let program = &region.programs[0];
    let at = |moment: &str| {
        let as_of = program.calendar.as_of_instant(utc(moment));
        evaluate(&region, program, &as_of, Options::default())
    };
    // Before DINKES's nil report: DLH and DINKES owe period 1; BAPPEDA has no targets.
    let eval = at("2025-02-27T15:00:00+07:00");
    assert_eq!(units_without_report(&eval, 1), vec!["DLH", "DINKES"]);
    // The nil report counts as a report.
    let eval = at("2025-02-28T07:00:00+07:00");
    assert_eq!(units_without_report(&eval, 1), vec!["DLH"]);
    // At the deadline exactly, DLH is still without a report.
    let eval = at("2025-02-28T09:00:00+07:00");
    assert_eq!(units_without_report(&eval, 1), vec!["DLH"]);
    // Once DLH has reported (late), nobody is missing for period 1.
    let eval = at("2025-02-28T11:00:00+07:00");
    assert!(units_without_report(&eval, 1).is_empty());
    // Period 2 has begun for everyone with targets; nobody has reported it.
    assert_eq!(
        units_without_report(&eval, 2),
        vec!["DP3A", "DLH", "DINKES"]
    );
    // A period that has not begun lists nobody.
    assert!(units_without_report(&eval, 3).is_empty());
}

// ---------------------------------------------------------------------------
// The offsets setting.

#[test]
fn offsets_parse_and_print() {
    let offsets: Offsets = "-1d@15:00,0d@07:00".parse().unwrap();
    assert_eq!(offsets, Offsets::default());
    assert_eq!(offsets.to_string(), "-1d@15:00,0d@07:00");
    // Order and spaces do not matter; the list is kept earliest first.
    let offsets: Offsets = " 0d@07:00 , -2d@09:30 ,-1d@15:00".parse().unwrap();
    assert_eq!(offsets.to_string(), "-2d@09:30,-1d@15:00,0d@07:00");
}

#[test]
fn offsets_refusals_name_the_item() {
    let err = |text: &str| text.parse::<Offsets>().unwrap_err();
    assert_eq!(err(""), OffsetError::Empty);
    assert_eq!(err(" "), OffsetError::Empty);
    assert_eq!(err("-1d15:00"), OffsetError::Shape("-1d15:00".into()));
    assert_eq!(err("-1@15:00"), OffsetError::Shape("-1@15:00".into()));
    assert_eq!(err("0d@07:00,"), OffsetError::Shape("".into()));
    assert_eq!(err("xd@07:00"), OffsetError::Days("xd@07:00".into()));
    assert_eq!(
        err("1d@07:00"),
        OffsetError::AfterDeadline("1d@07:00".into())
    );
    assert_eq!(
        err("-61d@07:00"),
        OffsetError::TooEarly("-61d@07:00".into())
    );
    assert_eq!(
        err("-1d@25:00"),
        OffsetError::Time("-1d@25:00".into(), "25:00".into())
    );
    assert_eq!(
        err("0d@07:00,0d@7:00"),
        OffsetError::Duplicate("0d@07:00".into())
    );
    let message = err("-1d@15.00").to_string();
    assert!(message.contains("\"-1d@15.00\""), "{message}");
    assert!(message.contains("HH:MM"), "{message}");
}

// ---------------------------------------------------------------------------
// Properties over random calendars and offsets.

const ZONES: [Tz; 3] = [
    chrono_tz::Asia::Jakarta,
    chrono_tz::Asia::Makassar,
    chrono_tz::Asia::Jayapura,
];
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn arb_calendar() -> impl Strategy<Value = Calendar> {
    (
        0usize..3,
        0i64..400,
        0i64..120,
        0usize..7,
        0u32..24,
        0u32..4,
    )
        .prop_map(|(zone, start, len, weekday, hour, quarter)| {
            let start = date("2025-01-01") + Duration::days(start);
            Calendar::new(
                start,
                start + Duration::days(len),
                ZONES[zone],
                WEEKDAYS[weekday],
                time(hour, quarter * 15),
                None,
            )
            .expect("start <= end")
        })
}

fn arb_settings() -> impl Strategy<Value = Settings> {
    (
        proptest::collection::btree_set((-8i32..=0, 0u32..24, 0u32..60), 1..5),
        0i64..180,
        1i64..72,
    )
        .prop_map(|(offsets, delay, window)| Settings {
            offsets: Offsets::new(
                offsets
                    .into_iter()
                    .map(|(d, h, m)| Offset::new(d, time(h, m)))
                    .collect(),
            )
            .expect("distinct offsets"),
            notice_delay: Duration::minutes(delay),
            notice_window: Duration::hours(window),
        })
}

proptest! {
    #[test]
    fn every_reminder_is_before_its_deadline_and_in_its_period(cal in arb_calendar(), settings in arb_settings()) {
        for item in schedule(&cal, &settings) {
            let period = &cal.periods()[item.period as usize - 1];
            prop_assert_eq!(item.deadline, period.deadline);
            match item.kind {
                Kind::Reminder(offset) => {
                    prop_assert!(item.at < item.deadline);
                    prop_assert_eq!(item.until, item.deadline);
                    prop_assert!(item.at >= cal.start_of_day(period.start));
                    // At the offset's local time, on the offset's day before the deadline's local date.
                    let local = item.at.with_timezone(&cal.timezone);
                    prop_assert_eq!(local.time(), offset.time);
                    prop_assert_eq!(
                        (cal.local_date(item.deadline) - local.date_naive()).num_days(),
                        -i64::from(offset.days)
                    );
                }
                Kind::MissingNotice => {
                    prop_assert_eq!(item.at, item.deadline + settings.notice_delay);
                    prop_assert_eq!(item.until, item.at + settings.notice_window);
                }
            }
        }
    }

    #[test]
    fn schedule_is_ordered_and_complete(cal in arb_calendar(), settings in arb_settings()) {
        let items = schedule(&cal, &settings);
        prop_assert!(items.windows(2).all(|w| (w[0].at, w[0].period) <= (w[1].at, w[1].period)));
        // One notice per period; per period and offset at most one reminder, and
        // exactly one whenever its instant lies in the period and before the deadline.
        for period in cal.periods() {
            let of_period: Vec<&Due> = items.iter().filter(|d| d.period == period.index).collect();
            prop_assert_eq!(of_period.iter().filter(|d| d.kind == Kind::MissingNotice).count(), 1);
            for offset in settings.offsets.as_slice() {
                let n = of_period.iter().filter(|d| d.kind == Kind::Reminder(*offset)).count();
                let expected = reminder_instant(&cal, period.deadline, *offset)
                    .is_some_and(|at| at >= cal.start_of_day(period.start));
                prop_assert_eq!(n, usize::from(expected));
            }
            // Within a period, later offsets never fall earlier.
            let reminders: Vec<&&Due> = of_period.iter().filter(|d| matches!(d.kind, Kind::Reminder(_))).collect();
            let in_order = reminders.windows(2).all(|w| match (w[0].kind, w[1].kind) {
                (Kind::Reminder(a), Kind::Reminder(b)) => (a <= b) == (w[0].at <= w[1].at),
                _ => true,
            });
            prop_assert!(in_order, "reminders of period {} out of order", period.index);
        }
    }

    #[test]
    fn due_items_are_exactly_those_whose_window_holds_now(cal in arb_calendar(), settings in arb_settings(), minutes in 0i64..(200 * 24 * 60)) {
        let items = schedule(&cal, &settings);
        let now = cal.start_of_day(cal.start) + Duration::minutes(minutes);
        let due: Vec<&Due> = due_at(&items, now).collect();
        for item in &items {
            let expected = item.at <= now && now < item.until;
            prop_assert_eq!(due.contains(&item), expected);
        }
        // No reminder is due once its deadline has passed.
        let timely = due.iter().all(|d| match d.kind {
            Kind::Reminder(_) => now < d.deadline,
            Kind::MissingNotice => now >= d.deadline,
        });
        prop_assert!(timely, "a reminder after its deadline or a notice before it");
    }

    #[test]
    fn offsets_print_and_parse_back(settings in arb_settings()) {
        let text = settings.offsets.to_string();
        prop_assert_eq!(text.parse::<Offsets>().unwrap(), settings.offsets);
    }
}
