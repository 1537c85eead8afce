//! The log-in throttle's memory on both backends: failures are counted per
//! kind, account (as typed, in any case) and address; a count is forgotten
//! after its memory and cleared by a success, which is remembered; the
//! account's and the address's failures add up over the pairs; concurrent
//! failures each get their own count; old rows are pruned.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use pantau_store::{AccountFailures, PairState, ThrottleKind};

backend_tests!(
    failures_are_counted_per_pair,
    account_names_are_counted_whatever_their_case,
    a_forgotten_count_starts_again,
    a_success_clears_the_pair_only_and_is_remembered,
    account_and_address_failures_add_up_over_their_pairs,
    kinds_are_counted_apart,
    concurrent_failures_each_get_a_count,
    old_rows_are_pruned_as_failures_come,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

const T0: &str = "2025-02-27T08:00:00Z";
const LOGIN: ThrottleKind = ThrottleKind::LogIn;

/// A failure at `now`, remembered for an hour.
async fn fail(db: &Db, account: &str, address: &str, now: DateTime<Utc>) -> PairState {
    db.throttle_failure(LOGIN, account, address, now, now - Duration::hours(1))
        .await
        .unwrap()
}

async fn failures_are_counted_per_pair(db: Db) {
    let t0 = at(T0);
    assert_eq!(
        db.throttle_pair(LOGIN, "asda1", "10.0.0.1").await.unwrap(),
        PairState::default(),
        "nothing is remembered of a new pair"
    );
    for n in 1..=3 {
        let now = t0 + Duration::seconds(n);
        let after = fail(&db, "asda1", "10.0.0.1", now).await;
        assert_eq!(
            after,
            PairState {
                failures: n,
                last_failure_at: Some(now),
                last_success_at: None
            }
        );
    }
    assert_eq!(
        db.throttle_pair(LOGIN, "asda1", "10.0.0.1")
            .await
            .unwrap()
            .failures,
        3
    );
    // Another address, another account: pairs of their own.
    assert_eq!(fail(&db, "asda1", "10.0.0.2", t0).await.failures, 1);
    assert_eq!(fail(&db, "leader", "10.0.0.1", t0).await.failures, 1);
    assert_eq!(
        db.throttle_pair(LOGIN, "asda1", "10.0.0.1")
            .await
            .unwrap()
            .failures,
        3
    );
}

async fn account_names_are_counted_whatever_their_case(db: Db) {
    let t0 = at(T0);
    fail(&db, "asda1", "10.0.0.1", t0).await;
    fail(&db, " ASDA1 ", "10.0.0.1", t0).await;
    assert_eq!(fail(&db, "Asda1", "10.0.0.1", t0).await.failures, 3);
    assert_eq!(
        db.throttle_pair(LOGIN, "ASDA1", "10.0.0.1")
            .await
            .unwrap()
            .failures,
        3
    );
    // A very long name is cut, and still counted as one account.
    let long = "x".repeat(5000);
    fail(&db, &long, "10.0.0.1", t0).await;
    assert_eq!(fail(&db, &long, "10.0.0.1", t0).await.failures, 2);
    assert_eq!(
        pantau_store::throttle_account_key(&long).chars().count(),
        100
    );
}

async fn a_forgotten_count_starts_again(db: Db) {
    let t0 = at(T0);
    for _ in 0..4 {
        fail(&db, "asda1", "10.0.0.1", t0).await;
    }
    // Within the memory the count goes on ...
    let later = t0 + Duration::minutes(59);
    assert_eq!(fail(&db, "asda1", "10.0.0.1", later).await.failures, 5);
    // ... past it, it starts again at one.
    let much_later = later + Duration::minutes(61);
    let after = fail(&db, "asda1", "10.0.0.1", much_later).await;
    assert_eq!(after.failures, 1);
    assert_eq!(after.last_failure_at, Some(much_later));
}

async fn a_success_clears_the_pair_only_and_is_remembered(db: Db) {
    let t0 = at(T0);
    for _ in 0..4 {
        fail(&db, "asda1", "10.0.0.1", t0).await;
        fail(&db, "asda1", "10.0.0.2", t0).await;
    }
    let t1 = t0 + Duration::minutes(1);
    db.throttle_success(LOGIN, "ASDA1", "10.0.0.1", t1)
        .await
        .unwrap();
    assert_eq!(
        db.throttle_pair(LOGIN, "asda1", "10.0.0.1").await.unwrap(),
        PairState {
            failures: 0,
            last_failure_at: None,
            last_success_at: Some(t1)
        }
    );
    assert_eq!(
        db.throttle_pair(LOGIN, "asda1", "10.0.0.2")
            .await
            .unwrap()
            .failures,
        4,
        "the other address keeps its failures"
    );
    // A failure after the success counts from one and keeps the success.
    let t2 = t1 + Duration::minutes(1);
    assert_eq!(
        fail(&db, "asda1", "10.0.0.1", t2).await,
        PairState {
            failures: 1,
            last_failure_at: Some(t2),
            last_success_at: Some(t1)
        }
    );
    // A first success from a new address is remembered too.
    db.throttle_success(LOGIN, "leader", "10.0.0.9", t2)
        .await
        .unwrap();
    assert_eq!(
        db.throttle_pair(LOGIN, "leader", "10.0.0.9")
            .await
            .unwrap()
            .last_success_at,
        Some(t2)
    );
}

async fn account_and_address_failures_add_up_over_their_pairs(db: Db) {
    let t0 = at(T0);
    for (account, address, times) in [
        ("asda1", "10.0.0.1", 3),
        ("asda1", "10.0.0.2", 2),
        ("asda1", "10.0.0.3", 1),
        ("leader", "10.0.0.1", 4),
    ] {
        for _ in 0..times {
            fail(&db, account, address, t0).await;
        }
    }
    // An old failure of another pair, before the period read.
    fail(&db, "asda1", "10.0.0.4", t0 - Duration::minutes(30)).await;
    // A pair cleared by a success adds nothing.
    fail(&db, "asda1", "10.0.0.5", t0).await;
    db.throttle_success(LOGIN, "asda1", "10.0.0.5", t0)
        .await
        .unwrap();
    let since = t0 - Duration::minutes(15);
    assert_eq!(
        db.throttle_account(LOGIN, "ASDA1", since).await.unwrap(),
        AccountFailures {
            failures: 6,
            addresses: 3
        }
    );
    assert_eq!(
        db.throttle_account(LOGIN, "nobody", since).await.unwrap(),
        AccountFailures::default()
    );
    assert_eq!(
        db.throttle_address(LOGIN, "10.0.0.1", since).await.unwrap(),
        7
    );
    assert_eq!(
        db.throttle_address(LOGIN, "10.0.0.4", since).await.unwrap(),
        0,
        "too old"
    );
    assert_eq!(
        db.throttle_address(LOGIN, "10.0.0.4", since - Duration::hours(1))
            .await
            .unwrap(),
        1
    );
}

async fn kinds_are_counted_apart(db: Db) {
    let t0 = at(T0);
    fail(&db, "asda1", "10.0.0.1", t0).await;
    let reset = db
        .throttle_failure(
            ThrottleKind::ResetRequest,
            "asda1",
            "10.0.0.1",
            t0,
            t0 - Duration::minutes(15),
        )
        .await
        .unwrap();
    assert_eq!(reset.failures, 1);
    assert_eq!(fail(&db, "asda1", "10.0.0.1", t0).await.failures, 2);
    let since = t0 - Duration::minutes(15);
    assert_eq!(
        db.throttle_account(ThrottleKind::ResetRequest, "asda1", since)
            .await
            .unwrap()
            .failures,
        1
    );
    db.throttle_success(LOGIN, "asda1", "10.0.0.1", t0)
        .await
        .unwrap();
    assert_eq!(
        db.throttle_pair(ThrottleKind::ResetRequest, "asda1", "10.0.0.1")
            .await
            .unwrap()
            .failures,
        1,
        "a log-in clears no reset requests"
    );
}

async fn concurrent_failures_each_get_a_count(db: Db) {
    let t0 = at(T0);
    let store = db.store.clone();
    let attempts = (0..16).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .throttle_failure(LOGIN, "asda1", "10.0.0.1", t0, t0 - Duration::hours(1))
                .await
                .unwrap()
                .failures
        })
    });
    let mut counts = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        counts.push(attempt.await.unwrap());
    }
    counts.sort();
    assert_eq!(
        counts,
        (1..=16).collect::<Vec<i64>>(),
        "no count given twice"
    );
}

async fn old_rows_are_pruned_as_failures_come(db: Db) {
    let t0 = at(T0);
    // A failure-only pair, a pair that succeeded, and a reset request.
    fail(&db, "stranger", "10.0.0.1", t0).await;
    db.throttle_success(LOGIN, "asda1", "10.0.0.2", t0)
        .await
        .unwrap();
    db.throttle_failure(
        ThrottleKind::ResetRequest,
        "asda1",
        "10.0.0.3",
        t0,
        t0 - Duration::minutes(15),
    )
    .await
    .unwrap();
    // Two hours on, a failure prunes the forgotten failure-only log-in pair;
    // the success and the other kind are kept.
    let t1 = t0 + Duration::hours(2);
    fail(&db, "someone", "10.0.0.9", t1).await;
    assert_eq!(
        db.throttle_pair(LOGIN, "stranger", "10.0.0.1")
            .await
            .unwrap(),
        PairState::default()
    );
    let success = db.throttle_pair(LOGIN, "asda1", "10.0.0.2").await.unwrap();
    assert_eq!(success.last_success_at, Some(t0));
    let reset = |address: &'static str| {
        let db = &db;
        async move {
            db.throttle_pair(ThrottleKind::ResetRequest, "asda1", address)
                .await
                .unwrap()
        }
    };
    assert_eq!(reset("10.0.0.3").await.failures, 1);
    // Past the retention, the success goes too, whatever the kind.
    let t2 = t0 + pantau_store::THROTTLE_RETENTION + Duration::minutes(1);
    db.throttle_failure(
        ThrottleKind::ResetRequest,
        "x",
        "10.0.0.9",
        t2,
        t2 - Duration::minutes(15),
    )
    .await
    .unwrap();
    assert_eq!(
        db.throttle_pair(LOGIN, "asda1", "10.0.0.2").await.unwrap(),
        PairState::default()
    );
    assert_eq!(reset("10.0.0.3").await, PairState::default());
    // A reset request prunes only its own kind's forgotten failures.
    assert_eq!(
        db.throttle_pair(LOGIN, "someone", "10.0.0.9")
            .await
            .unwrap()
            .failures,
        1
    );
}
