//! The rules of one figure (`pantau_domain::rules`) and the codes of the
//! bundle's enums, which validation, the store and the pages share.

use std::str::FromStr;

use pantau_domain::bundle::{EntryStatus, Kind, Polarity};
use pantau_domain::rules::{
    MonthProblem, OverPagu, PercentageProblem, ValueProblem, check_entry_value, check_month,
    check_percentage, check_within_pagu,
};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn a_sum_takes_zero_or_more() {
    for ok in ["0", "-0", "0.5", "7", "1000000"] {
        assert_eq!(check_entry_value(Kind::Sum, dec(ok)), Ok(()), "{ok}");
    }
    assert_eq!(
        check_entry_value(Kind::Sum, dec("-0.01")),
        Err(ValueProblem::NegativeSum(dec("-0.01")))
    );
}

#[test]
fn a_milestone_takes_zero_or_one() {
    for ok in ["0", "-0", "1", "1.00"] {
        assert_eq!(check_entry_value(Kind::Milestone, dec(ok)), Ok(()), "{ok}");
    }
    for bad in ["0.5", "2", "-1"] {
        assert_eq!(
            check_entry_value(Kind::Milestone, dec(bad)),
            Err(ValueProblem::MilestoneNotBinary(dec(bad))),
            "{bad}"
        );
    }
}

#[test]
fn a_last_takes_any_level() {
    for ok in ["-12.5", "0", "1", "99999"] {
        assert_eq!(check_entry_value(Kind::Last, dec(ok)), Ok(()), "{ok}");
    }
}

#[test]
fn value_problems_read_as_the_bundle_says_them() {
    assert_eq!(
        ValueProblem::NegativeSum(dec("-3")).to_string(),
        "-3 is negative: values of a sum target are >= 0"
    );
    assert_eq!(
        ValueProblem::MilestoneNotBinary(dec("2")).to_string(),
        "2 is not 0 or 1: a milestone is done (1) or not (0)"
    );
}

#[test]
fn a_percentage_is_from_zero_to_a_hundred() {
    for ok in ["0", "-0", "0.01", "55.5", "100", "100.00"] {
        assert_eq!(check_percentage(dec(ok)), Ok(()), "{ok}");
    }
    for bad in ["-0.01", "100.01", "250"] {
        assert_eq!(
            check_percentage(dec(bad)),
            Err(PercentageProblem(dec(bad))),
            "{bad}"
        );
    }
    assert_eq!(
        PercentageProblem(dec("101")).to_string(),
        "101 is not a percentage from 0 to 100"
    );
}

#[test]
fn a_month_is_from_one_to_twelve() {
    for month in 1..=12 {
        assert_eq!(check_month(month), Ok(()));
    }
    for bad in [0, 13, u32::MAX] {
        assert_eq!(check_month(bad), Err(MonthProblem(bad)));
    }
    assert_eq!(
        MonthProblem(13).to_string(),
        "13 is not a month from 1 to 12"
    );
}

#[test]
fn realised_spending_stays_within_the_pagu() {
    assert_eq!(check_within_pagu(100, []), Ok(0));
    assert_eq!(check_within_pagu(100, [40, 60]), Ok(100));
    assert_eq!(
        check_within_pagu(100, [40, 61]),
        Err(OverPagu {
            spent: Some(101),
            pagu: 100
        })
    );
    assert_eq!(
        check_within_pagu(u128::MAX, [u128::MAX, 1]),
        Err(OverPagu {
            spent: None,
            pagu: u128::MAX
        })
    );
    assert_eq!(
        OverPagu {
            spent: Some(101),
            pagu: 100
        }
        .to_string(),
        "realised spending 101 is above the pagu 100"
    );
}

/// `code()` is the serde name, `parse` its inverse, for every variant.
#[test]
fn codes_are_the_bundle_names() {
    fn serde_name<T: serde::Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }
    for kind in Kind::ALL {
        assert_eq!(kind.code(), serde_name(kind));
        assert_eq!(Kind::parse(kind.code()), Some(kind));
    }
    for polarity in Polarity::ALL {
        assert_eq!(polarity.code(), serde_name(polarity));
        assert_eq!(Polarity::parse(polarity.code()), Some(polarity));
    }
    for status in EntryStatus::ALL {
        assert_eq!(status.code(), serde_name(status));
        assert_eq!(EntryStatus::parse(status.code()), Some(status));
    }
    assert_eq!(Kind::ALL.map(Kind::code), ["sum", "last", "milestone"]);
    assert_eq!(Kind::parse("Sum"), None);
    assert_eq!(Polarity::parse(""), None);
    assert_eq!(EntryStatus::parse("draft"), None);
}
