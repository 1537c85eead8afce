//! A program's reporting by calendar week (the supervisors' heat strips):
//! every unit's record lands in the week of its period's deadline, and the
//! weeks add up to the program's record.

use chrono::{Datelike, NaiveDate, Weekday};
use pantau_domain::evaluation::ComplianceTally;
use pantau_domain::rollup::{WeekTally, merge_weeks, week_of, weekly_tallies};

fn sample() -> pantau_domain::model::Region {
    pantau_domain::load(include_str!("../../../examples/bekasi-100hk.json"))
        .expect("the sample bundle is valid")
}

fn sum(weeks: &[WeekTally]) -> ComplianceTally {
    let mut total = ComplianceTally::default();
    for week in weeks {
        total.merge(&week.tally);
    }
    total
}

#[test]
fn the_weeks_add_up_to_the_programs_record() {
    let region = sample();
    for program in &region.programs {
        for as_of in ["2025-03-10", "2025-04-25", "2025-06-30"] {
            let as_of = program.calendar.parse_as_of(as_of).expect("a date");
            let evaluation = pantau_domain::evaluate(&region, program, &as_of, Default::default());
            let weeks = weekly_tallies(program, &evaluation);
            assert_eq!(
                sum(&weeks),
                evaluation.tally(),
                "{} at {as_of:?}",
                program.code
            );
            assert!(weeks.iter().all(|w| w.week.weekday() == Weekday::Mon));
            assert!(weeks.windows(2).all(|w| w[0].week < w[1].week));
            // One period a week: each week's record is at most one per unit.
            let units = evaluation.units.len() as u32;
            for week in &weeks {
                let t = week.tally;
                assert!(t.on_time + t.late + t.missing + t.open <= units, "{week:?}");
            }
        }
    }
}

#[test]
fn early_weeks_are_reported_and_later_ones_still_open() {
    let region = sample();
    let program = &region.programs[0];
    let as_of = program.calendar.parse_as_of("2025-03-20").expect("a date");
    let evaluation = pantau_domain::evaluate(&region, program, &as_of, Default::default());
    let weeks = weekly_tallies(program, &evaluation);
    let first = weeks.first().expect("the program has weeks").tally;
    assert!(
        first.open == 0,
        "the first week is due by 20 March: {first:?}"
    );
    assert!(
        first.on_time + first.late > 0,
        "the sample reports its first week"
    );
    let last = weeks.last().expect("the program has weeks").tally;
    // Not yet due: nothing is missing, and some units still owe it.
    assert_eq!(last.missing, 0, "{last:?}");
    assert!(last.open > 0, "{last:?}");
}

#[test]
fn merging_adds_week_by_week_in_any_order() {
    let monday = |d| NaiveDate::from_ymd_opt(2025, 3, d).expect("a date");
    let tally = |on_time, missing| ComplianceTally {
        on_time,
        late: 0,
        missing,
        open: 0,
    };
    let a = [
        WeekTally {
            week: monday(3),
            tally: tally(2, 1),
        },
        WeekTally {
            week: monday(10),
            tally: tally(1, 0),
        },
    ];
    let b = [
        WeekTally {
            week: monday(10),
            tally: tally(0, 3),
        },
        WeekTally {
            week: monday(17),
            tally: tally(4, 0),
        },
    ];
    let merged = merge_weeks([&a[..], &b[..]]);
    assert_eq!(merged, merge_weeks([&b[..], &a[..]]));
    assert_eq!(
        merged,
        [
            WeekTally {
                week: monday(3),
                tally: tally(2, 1)
            },
            WeekTally {
                week: monday(10),
                tally: tally(1, 3)
            },
            WeekTally {
                week: monday(17),
                tally: tally(4, 0)
            },
        ]
    );
    assert_eq!(
        week_of(NaiveDate::from_ymd_opt(2025, 3, 16).unwrap()),
        monday(10)
    );
    assert_eq!(week_of(monday(17)), monday(17));
}
