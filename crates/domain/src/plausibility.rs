//! When a reported value looks wrong enough to ask the operator "are you
//! sure?" before it is saved. A doubt is never a refusal: the value may be
//! right (a correction, a recount), so the form asks once and saves on
//! confirmation. What is refused outright is in [`crate::rules`].
//!
//! The rule, for a value `v` of a target with target value `T`, baseline `B`
//! and realisation so far `R` (none before the first counted report):
//! - **negative**: `v < 0`;
//! - **far above the target** (polarity `higher` only, `T > 0`): the
//!   realisation the value leads to is above `1.5 × T`; for a `sum` that is
//!   `(R or B) + v`, for a `last` the level `v` itself. For polarity `lower`
//!   a level above the target is the normal starting point, so no doubt;
//! - **a jump** (`last` only, once there is a latest level `R`): `|v − R|` is
//!   more than half the target, `|T| / 2` (half the baseline, `|B| / 2`, when
//!   `T = 0`; never with both 0).
//!
//! Milestones are a choice of done or not done: no doubt.

use rust_decimal::Decimal;

use crate::bundle::{Kind, Polarity};
use crate::model::Target;

/// What the rule needs of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goal {
    pub kind: Kind,
    pub polarity: Polarity,
    pub baseline: Decimal,
    pub target: Decimal,
}

impl From<&Target> for Goal {
    fn from(t: &Target) -> Goal {
        Goal {
            kind: t.kind,
            polarity: t.polarity,
            baseline: t.baseline,
            target: t.target,
        }
    }
}

/// Why a value asks for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    /// The value is below zero.
    Negative { value: Decimal },
    /// The realisation it leads to is above half again the target.
    FarAboveTarget {
        /// The realisation with this value.
        result: Decimal,
        /// 150% of the target.
        limit: Decimal,
    },
    /// A level that moves by more than half the target from the latest one.
    Jump {
        /// The latest level.
        from: Decimal,
        /// The new level.
        to: Decimal,
    },
}

impl Doubt {
    /// A stable name for the kind of doubt.
    pub fn code(self) -> &'static str {
        match self {
            Doubt::Negative { .. } => "negative",
            Doubt::FarAboveTarget { .. } => "far_above_target",
            Doubt::Jump { .. } => "jump",
        }
    }
}

/// Above the target by half again: 150% of it.
fn limit_of(target: Decimal) -> Decimal {
    target * Decimal::new(15, 1)
}

/// The doubts about reporting `value` for a target whose realisation so far
/// is `realized` (see the module's rule); empty when the value is plausible.
pub fn doubts(goal: Goal, realized: Option<Decimal>, value: Decimal) -> Vec<Doubt> {
    let mut doubts = Vec::new();
    if goal.kind == Kind::Milestone {
        return doubts;
    }
    if value < Decimal::ZERO {
        doubts.push(Doubt::Negative { value });
    }
    if goal.polarity == Polarity::Higher && goal.target > Decimal::ZERO {
        let result = match goal.kind {
            Kind::Sum => realized.unwrap_or(goal.baseline).saturating_add(value),
            _ => value,
        };
        let limit = limit_of(goal.target);
        if result > limit {
            doubts.push(Doubt::FarAboveTarget { result, limit });
        }
    }
    if goal.kind == Kind::Last
        && let Some(from) = realized
    {
        let scale = if goal.target.is_zero() {
            goal.baseline.abs()
        } else {
            goal.target.abs()
        };
        let change = value.saturating_sub(from).abs();
        if !scale.is_zero() && change > scale / Decimal::TWO {
            doubts.push(Doubt::Jump { from, to: value });
        }
    }
    doubts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn goal(kind: Kind, polarity: Polarity, baseline: &str, target: &str) -> Goal {
        Goal {
            kind,
            polarity,
            baseline: d(baseline),
            target: d(target),
        }
    }

    #[test]
    fn an_ordinary_weekly_addition_is_plausible() {
        let posyandu = goal(Kind::Sum, Polarity::Higher, "0", "120");
        assert!(doubts(posyandu, Some(d("40")), d("7")).is_empty());
        assert!(doubts(posyandu, None, d("0")).is_empty());
    }

    #[test]
    fn a_sum_that_would_pass_half_again_the_target_is_doubted() {
        let posyandu = goal(Kind::Sum, Polarity::Higher, "0", "120");
        // 175 + 5 = 180 is exactly 150%: still plausible.
        assert!(doubts(posyandu, Some(d("175")), d("5")).is_empty());
        assert_eq!(
            doubts(posyandu, Some(d("175")), d("6")),
            vec![Doubt::FarAboveTarget {
                result: d("181"),
                limit: d("180")
            }]
        );
        // Without a realisation yet, the baseline is the start.
        let from_ten = goal(Kind::Sum, Polarity::Higher, "10", "100");
        assert_eq!(doubts(from_ten, None, d("141")).len(), 1);
        assert!(doubts(from_ten, None, d("140")).is_empty());
    }

    #[test]
    fn a_negative_value_is_doubted() {
        let level = goal(Kind::Last, Polarity::Higher, "35", "80");
        assert!(doubts(level, Some(d("2")), d("-5")).contains(&Doubt::Negative { value: d("-5") }));
    }

    #[test]
    fn a_level_that_jumps_by_more_than_half_the_target_is_doubted() {
        let pkl = goal(Kind::Last, Polarity::Higher, "35", "80");
        assert!(
            doubts(pkl, Some(d("50")), d("90")).is_empty(),
            "+40 is half"
        );
        assert_eq!(
            doubts(pkl, Some(d("50")), d("91")),
            vec![Doubt::Jump {
                from: d("50"),
                to: d("91")
            }]
        );
        assert_eq!(
            doubts(pkl, Some(d("50")), d("9")),
            vec![Doubt::Jump {
                from: d("50"),
                to: d("9")
            }]
        );
        // The first level has nothing to jump from.
        assert!(doubts(pkl, None, d("100")).is_empty());
    }

    #[test]
    fn a_level_far_above_a_higher_target_is_doubted() {
        let pkl = goal(Kind::Last, Polarity::Higher, "35", "80");
        assert_eq!(
            doubts(pkl, None, d("150")),
            vec![Doubt::FarAboveTarget {
                result: d("150"),
                limit: d("120")
            }]
        );
    }

    #[test]
    fn a_lower_target_starts_above_its_target_without_doubt() {
        let floods = goal(Kind::Last, Polarity::Lower, "45", "20");
        assert!(doubts(floods, Some(d("40")), d("38")).is_empty());
        assert!(doubts(floods, None, d("45")).is_empty());
        // From 40 to 20 is 20, more than half of 20: a jump.
        assert_eq!(doubts(floods, Some(d("40")), d("19")).len(), 1);
    }

    #[test]
    fn a_target_of_zero_measures_jumps_against_the_baseline() {
        let zero = goal(Kind::Last, Polarity::Lower, "10", "0");
        assert!(doubts(zero, Some(d("8")), d("4")).is_empty());
        assert_eq!(doubts(zero, Some(d("8")), d("2")).len(), 1);
        let nothing = goal(Kind::Last, Polarity::Lower, "0", "0");
        assert!(doubts(nothing, Some(d("0")), d("5")).is_empty());
    }

    #[test]
    fn a_milestone_is_never_doubted() {
        let perwal = goal(Kind::Milestone, Polarity::Higher, "0", "1");
        assert!(doubts(perwal, Some(d("0")), d("1")).is_empty());
        assert!(doubts(perwal, None, d("0")).is_empty());
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        (-1_000_000i64..1_000_000, 0u32..3).prop_map(|(n, scale)| Decimal::new(n, scale))
    }

    fn any_goal() -> impl Strategy<Value = Goal> {
        (
            prop_oneof![Just(Kind::Sum), Just(Kind::Last), Just(Kind::Milestone)],
            prop_oneof![Just(Polarity::Higher), Just(Polarity::Lower)],
            decimal(),
            decimal(),
        )
            .prop_map(|(kind, polarity, baseline, target)| Goal {
                kind,
                polarity,
                baseline,
                target,
            })
    }

    proptest! {
        #[test]
        fn negative_values_are_always_doubted_except_milestones(
            goal in any_goal(), realized in proptest::option::of(decimal()), value in decimal()
        ) {
            let found = doubts(goal, realized, value);
            let negative = found.iter().any(|d| matches!(d, Doubt::Negative { .. }));
            prop_assert_eq!(negative, value < Decimal::ZERO && goal.kind != Kind::Milestone);
        }

        #[test]
        fn a_value_within_the_target_and_near_the_latest_level_is_plausible(
            target in 1i64..10_000, latest_pct in 0i64..=100, step_pct in 0i64..=50
        ) {
            // A level from 0 to the target, moving by at most half the target.
            let target = Decimal::from(target);
            let latest = target * Decimal::from(latest_pct) / Decimal::ONE_HUNDRED;
            let value = (latest + target * Decimal::from(step_pct) / Decimal::ONE_HUNDRED)
                .min(target);
            let goal = Goal { kind: Kind::Last, polarity: Polarity::Higher, baseline: Decimal::ZERO, target };
            prop_assert!(doubts(goal, Some(latest), value).is_empty());
        }

        #[test]
        fn a_sum_is_doubted_exactly_when_it_passes_half_again_the_target(
            target in 1i64..10_000, realized in 0i64..20_000, value in 0i64..20_000
        ) {
            let goal = Goal {
                kind: Kind::Sum,
                polarity: Polarity::Higher,
                baseline: Decimal::ZERO,
                target: Decimal::from(target),
            };
            let found = doubts(goal, Some(Decimal::from(realized)), Decimal::from(value));
            let over = Decimal::from(realized + value) > Decimal::from(target) * Decimal::new(15, 1);
            prop_assert_eq!(!found.is_empty(), over);
        }
    }
}
