//! The log-in throttle's policy, over what the store counts
//! ([`pantau_store::ThrottleStore`]). Two promises:
//!
//! - An account from one address (a pair) may fail five times; then that pair
//!   waits a minute, doubling with each further failure up to fifteen minutes.
//!   Failures are forgotten an hour after the last one, and a success clears
//!   them. Other addresses are not affected, nor other accounts from the same
//!   address: many people behind one proxy do not block each other.
//! - An account failing from many addresses is slowed down, never locked: from
//!   ten failures in fifteen minutes on, each attempt on it waits a quarter
//!   second more per failure, at most two seconds, before its password is
//!   checked, except from an address it logged in from before. The right
//!   password always gets in (when its own pair is not blocked).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use pantau_store::{AccountFailures, PairState, THROTTLE_RETENTION};

/// Failures of a pair before it is blocked.
pub const FREE_FAILURES: i64 = 5;
/// The first block, doubled with each further failure ...
const FIRST_BLOCK: Duration = Duration::minutes(1);
/// ... up to this.
const LONGEST_BLOCK: Duration = Duration::minutes(15);
/// A pair's failures are forgotten this long after the last one.
pub const FAILURE_MEMORY: Duration = Duration::hours(1);
/// The account's failures from every address are read over this period.
pub const ACCOUNT_WINDOW: Duration = Duration::minutes(15);
/// Failures of an account in the window before its attempts are slowed.
const CALM_FAILURES: i64 = 9;
const DELAY_STEP: std::time::Duration = std::time::Duration::from_millis(250);
const LONGEST_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

/// The key of a client address: an IPv4 address as it is, an IPv6 address by
/// its /64, the block one subscriber gets (so that walking through it does not
/// give fresh addresses).
pub fn address_key(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", std::net::Ipv6Addr::from(network))
        }
    }
}

/// The pair's failures still remembered at `now`.
pub fn remembered(pair: &PairState, now: DateTime<Utc>) -> i64 {
    match pair.last_failure_at {
        Some(last) if last >= now - FAILURE_MEMORY => pair.failures,
        _ => 0,
    }
}

/// Until when the pair is blocked, if it is at `now`.
pub fn blocked_until(pair: &PairState, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let failures = remembered(pair, now);
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(16) as i32;
    let block = FIRST_BLOCK
        .checked_mul(2i32.pow(doublings as u32))
        .unwrap_or(LONGEST_BLOCK)
        .min(LONGEST_BLOCK);
    let until = pair.last_failure_at? + block;
    (until > now).then_some(until)
}

/// Whether an attempt, counted as `after` on a pair read as `before`, had its
/// turn: either it is within the free failures, or no other attempt on the
/// pair was counted between the read and the count (otherwise two app
/// servers could each let one more through a pair about to be blocked).
pub fn counted_in_turn(before: &PairState, after: &PairState, now: DateTime<Utc>) -> bool {
    after.failures <= FREE_FAILURES || after.failures == remembered(before, now) + 1
}

/// How long an attempt on an account waits before its password is checked:
/// nothing while the account is calm, or from an address it logged in from in
/// the last [`THROTTLE_RETENTION`]; else a quarter second per failure of the
/// account beyond the calm ones, at most two seconds.
pub fn account_delay(
    account: &AccountFailures,
    pair: &PairState,
    now: DateTime<Utc>,
) -> std::time::Duration {
    let known = pair
        .last_success_at
        .is_some_and(|at| at >= now - THROTTLE_RETENTION);
    let beyond = account.failures - CALM_FAILURES;
    if known || beyond <= 0 {
        return std::time::Duration::ZERO;
    }
    DELAY_STEP
        .checked_mul(u32::try_from(beyond).unwrap_or(u32::MAX))
        .unwrap_or(LONGEST_DELAY)
        .min(LONGEST_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn failed(failures: i64, last: &str) -> PairState {
        PairState {
            failures,
            last_failure_at: Some(at(last)),
            last_success_at: None,
        }
    }

    const T: &str = "2025-03-01T08:00:00Z";

    #[test]
    fn five_failures_are_free_then_the_block_doubles_up_to_fifteen_minutes() {
        let now = at(T);
        assert_eq!(blocked_until(&PairState::default(), now), None);
        assert_eq!(blocked_until(&failed(4, T), now), None);
        let block = |failures| blocked_until(&failed(failures, T), now).map(|u| u - now);
        assert_eq!(block(5), Some(Duration::minutes(1)));
        assert_eq!(block(6), Some(Duration::minutes(2)));
        assert_eq!(block(7), Some(Duration::minutes(4)));
        assert_eq!(block(8), Some(Duration::minutes(8)));
        assert_eq!(block(9), Some(Duration::minutes(15)));
        assert_eq!(block(1000), Some(Duration::minutes(15)));
    }

    #[test]
    fn a_block_ends_and_failures_are_forgotten_after_an_hour() {
        let pair = failed(6, T);
        assert!(blocked_until(&pair, at("2025-03-01T08:01:59Z")).is_some());
        assert_eq!(blocked_until(&pair, at("2025-03-01T08:02:00Z")), None);
        assert_eq!(remembered(&pair, at("2025-03-01T09:00:00Z")), 6);
        assert_eq!(remembered(&pair, at("2025-03-01T09:00:01Z")), 0);
        // Forgotten failures block nothing, whatever their number.
        assert_eq!(
            blocked_until(&failed(1000, T), at("2025-03-01T09:00:01Z")),
            None
        );
    }

    #[test]
    fn a_count_taken_by_another_attempt_is_not_this_ones_turn() {
        let now = at("2025-03-01T08:05:00Z");
        let before = failed(5, T);
        assert!(counted_in_turn(
            &before,
            &failed(6, "2025-03-01T08:05:00Z"),
            now
        ));
        assert!(!counted_in_turn(
            &before,
            &failed(7, "2025-03-01T08:05:00Z"),
            now
        ));
        // Within the free failures every attempt has its turn.
        assert!(counted_in_turn(&failed(0, T), &failed(5, T), now));
        // A forgotten count starts again at one.
        let old = failed(9, "2025-03-01T06:00:00Z");
        assert!(counted_in_turn(&old, &failed(1, T), now));
    }

    #[test]
    fn many_failures_of_an_account_slow_it_down_by_at_most_two_seconds() {
        let now = at(T);
        let account = |failures| AccountFailures {
            failures,
            addresses: failures,
        };
        let stranger = PairState::default();
        let ms = |d: std::time::Duration| d.as_millis();
        assert_eq!(ms(account_delay(&account(0), &stranger, now)), 0);
        assert_eq!(ms(account_delay(&account(9), &stranger, now)), 0);
        assert_eq!(ms(account_delay(&account(10), &stranger, now)), 250);
        assert_eq!(ms(account_delay(&account(12), &stranger, now)), 750);
        assert_eq!(ms(account_delay(&account(17), &stranger, now)), 2000);
        assert_eq!(ms(account_delay(&account(i64::MAX), &stranger, now)), 2000);
    }

    #[test]
    fn an_address_the_account_logged_in_from_is_not_slowed() {
        let now = at(T);
        let busy = AccountFailures {
            failures: 50,
            addresses: 50,
        };
        let known = PairState {
            last_success_at: Some(now - Duration::days(3)),
            ..Default::default()
        };
        assert_eq!(account_delay(&busy, &known, now), std::time::Duration::ZERO);
        let long_ago = PairState {
            last_success_at: Some(now - THROTTLE_RETENTION - Duration::seconds(1)),
            ..Default::default()
        };
        assert_eq!(
            account_delay(&busy, &long_ago, now),
            std::time::Duration::from_secs(2)
        );
    }

    #[test]
    fn addresses_are_keyed_by_ipv4_address_and_ipv6_slash_64() {
        let key = |text: &str| address_key(text.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2:aaaa::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }
}
