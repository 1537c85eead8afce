//! The outbox on both backends: a key is enqueued once, a claim holds a
//! message against other senders until its lease ends, failures back off
//! exponentially up to a cap and end in `failed` (kept, visible), expired
//! messages are not sent, and a sent message is never claimed again.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use pantau_store::{
    AfterFailure, Channel, ImportMode, MessageStatus, NewMessage, RetryPolicy, StoreError,
};

backend_tests!(
    enqueue_is_idempotent_by_key,
    enqueue_refuses_an_unknown_region_and_an_empty_key,
    claim_takes_due_messages_once_until_the_lease_ends,
    concurrent_claimers_never_share_a_message,
    failures_back_off_and_end_in_failed,
    permanent_failure_fails_at_once,
    expired_messages_are_failed_not_sent,
    a_lost_claim_changes_nothing,
    sent_messages_are_never_claimed_again,
    claim_limit_and_order,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

const T0: &str = "2025-02-27T08:00:00Z";

fn message(key: &str) -> NewMessage {
    NewMessage {
        region: "3275".into(),
        key: key.into(),
        channel: Channel::Email,
        recipient: "op-dp3a@bekasikota.go.id".into(),
        subject: "Pengingat laporan".into(),
        body: "Yth. Operator DP3A, ...".into(),
        expires_at: None,
    }
}

async fn with_region(db: &Db) {
    import(&**db, &sample(), ImportMode::NewRegion).await;
}

const LEASE: Duration = Duration::minutes(5);

async fn enqueue_is_idempotent_by_key(db: Db) {
    with_region(&db).await;
    assert!(db.enqueue(&message("k1"), at(T0)).await.unwrap());
    // Again, later, with other text: the first stays.
    let mut again = message("k1");
    again.body = "other".into();
    assert!(
        !db.enqueue(&again, at(T0) + Duration::hours(1))
            .await
            .unwrap()
    );
    assert!(db.enqueue(&message("k2"), at(T0)).await.unwrap());
    let all = db.outbox_messages("3275", None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(),
        ["k2", "k1"]
    );
    let first = db.outbox_message("k1").await.unwrap().unwrap();
    assert_eq!(first.body, "Yth. Operator DP3A, ...");
    assert_eq!(first.status, MessageStatus::Pending);
    assert_eq!(first.attempts, 0);
    assert_eq!(first.created_at, at(T0));
    assert_eq!(first.next_attempt_at, at(T0));
    assert_eq!(first.channel, Channel::Email);
    assert_eq!(first.region, "3275");
    assert!(db.outbox_message("nope").await.unwrap().is_none());
}

async fn enqueue_refuses_an_unknown_region_and_an_empty_key(db: Db) {
    with_region(&db).await;
    let mut m = message("k1");
    m.region = "9999".into();
    assert!(matches!(
        db.enqueue(&m, at(T0)).await,
        Err(StoreError::UnknownRegion(code)) if code == "9999"
    ));
    let m = message(" ");
    assert!(matches!(
        db.enqueue(&m, at(T0)).await,
        Err(StoreError::Invalid { field, .. }) if field == "key"
    ));
    let mut m = message("k2");
    m.recipient = String::new();
    assert!(matches!(
        db.enqueue(&m, at(T0)).await,
        Err(StoreError::Invalid { field, .. }) if field == "recipient"
    ));
    assert!(
        db.outbox_messages("3275", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn claim_takes_due_messages_once_until_the_lease_ends(db: Db) {
    with_region(&db).await;
    db.enqueue(&message("k1"), at(T0)).await.unwrap();
    // Not due before it was enqueued.
    assert!(
        db.claim_due(at(T0) - Duration::seconds(1), LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = db.claim_due(at(T0), LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message.key, "k1");
    // Another sender finds nothing while the lease holds ...
    let later = at(T0) + LEASE - Duration::seconds(1);
    assert!(db.claim_due(later, LEASE, 10).await.unwrap().is_empty());
    // ... and takes it over once the lease has ended (the first one died).
    let taken = db.claim_due(at(T0) + LEASE, LEASE, 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_ne!(taken[0].token, claimed[0].token);
    // The first sender's claim is gone: it cannot mark the message sent.
    assert!(
        !db.mark_sent(claimed[0].message.id, &claimed[0].token, later)
            .await
            .unwrap()
    );
    assert!(
        db.mark_sent(taken[0].message.id, &taken[0].token, at(T0) + LEASE)
            .await
            .unwrap()
    );
    let sent = db.outbox_message("k1").await.unwrap().unwrap();
    assert_eq!(sent.status, MessageStatus::Sent);
    assert_eq!(sent.sent_at, Some(at(T0) + LEASE));
    assert_eq!(sent.attempts, 1);
}

async fn concurrent_claimers_never_share_a_message(db: Db) {
    with_region(&db).await;
    for i in 0..40 {
        db.enqueue(&message(&format!("k{i:02}")), at(T0))
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim_due(at(T0), LEASE, 3).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed.into_iter().map(|c| c.message.key));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    let expected: Vec<String> = (0..40).map(|i| format!("k{i:02}")).collect();
    assert_eq!(all, expected, "each message claimed exactly once");
}

async fn failures_back_off_and_end_in_failed(db: Db) {
    with_region(&db).await;
    db.enqueue(&message("k1"), at(T0)).await.unwrap();
    let policy = RetryPolicy {
        base: Duration::minutes(1),
        cap: Duration::minutes(5),
        max_attempts: 5,
    };
    assert_eq!(policy.backoff(1), Duration::minutes(1));
    assert_eq!(policy.backoff(2), Duration::minutes(2));
    assert_eq!(policy.backoff(3), Duration::minutes(4));
    assert_eq!(policy.backoff(4), Duration::minutes(5));
    assert_eq!(policy.backoff(60), Duration::minutes(5));
    let mut now = at(T0);
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        let claimed = db.claim_due(now, LEASE, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt} is due at {now}");
        let c = &claimed[0];
        let outcome = db
            .mark_failed_attempt(
                c.message.id,
                &c.token,
                now,
                &format!("451 try again ({attempt})"),
                false,
                &policy,
            )
            .await
            .unwrap();
        match outcome {
            AfterFailure::Retry(next) => {
                // Not due a second before its time.
                assert!(
                    db.claim_due(next - Duration::seconds(1), LEASE, 10)
                        .await
                        .unwrap()
                        .is_empty()
                );
                waits.push(next - now);
                now = next;
            }
            AfterFailure::Failed => {
                assert_eq!(attempt, 5);
                break;
            }
            AfterFailure::ClaimLost => panic!("the claim was ours"),
        }
    }
    assert_eq!(
        waits,
        [1, 2, 4, 5].map(Duration::minutes),
        "exponential backoff with a cap"
    );
    let failed = db.outbox_message("k1").await.unwrap().unwrap();
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.attempts, 5);
    assert_eq!(failed.last_error.as_deref(), Some("451 try again (5)"));
    assert_eq!(failed.failed_at, Some(now));
    // Failed messages stay visible and are not claimed again.
    assert!(
        db.claim_due(now + Duration::days(1), LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.outbox_messages("3275", None, 10).await.unwrap().len(), 1);
    let only = |status| db.outbox_messages("3275", Some(status), 10);
    assert_eq!(only(MessageStatus::Failed).await.unwrap().len(), 1);
    assert!(only(MessageStatus::Pending).await.unwrap().is_empty());
    assert!(only(MessageStatus::Sent).await.unwrap().is_empty());
}

async fn permanent_failure_fails_at_once(db: Db) {
    with_region(&db).await;
    db.enqueue(&message("k1"), at(T0)).await.unwrap();
    let c = db.claim_due(at(T0), LEASE, 10).await.unwrap().remove(0);
    let outcome = db
        .mark_failed_attempt(
            c.message.id,
            &c.token,
            at(T0),
            "550 no such mailbox",
            true,
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
    assert_eq!(outcome, AfterFailure::Failed);
    let m = db.outbox_message("k1").await.unwrap().unwrap();
    assert_eq!((m.status, m.attempts), (MessageStatus::Failed, 1));
}

async fn expired_messages_are_failed_not_sent(db: Db) {
    with_region(&db).await;
    let mut m = message("k1");
    m.expires_at = Some(at(T0) + Duration::hours(1));
    db.enqueue(&m, at(T0)).await.unwrap();
    db.enqueue(&message("k2"), at(T0)).await.unwrap();
    let claimed = db
        .claim_due(at(T0) + Duration::hours(1), LEASE, 10)
        .await
        .unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|c| c.message.key.as_str())
            .collect::<Vec<_>>(),
        ["k2"]
    );
    let expired = db.outbox_message("k1").await.unwrap().unwrap();
    assert_eq!(expired.status, MessageStatus::Failed);
    assert_eq!(expired.attempts, 0);
    assert!(
        expired.last_error.as_deref().unwrap().contains("expired"),
        "{expired:?}"
    );
}

async fn a_lost_claim_changes_nothing(db: Db) {
    with_region(&db).await;
    db.enqueue(&message("k1"), at(T0)).await.unwrap();
    let first = db.claim_due(at(T0), LEASE, 10).await.unwrap().remove(0);
    let second = db
        .claim_due(at(T0) + LEASE, LEASE, 10)
        .await
        .unwrap()
        .remove(0);
    let outcome = db
        .mark_failed_attempt(
            first.message.id,
            &first.token,
            at(T0) + LEASE,
            "timeout",
            false,
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
    assert_eq!(outcome, AfterFailure::ClaimLost);
    let m = db.outbox_message("k1").await.unwrap().unwrap();
    assert_eq!((m.status, m.attempts), (MessageStatus::Pending, 0));
    assert!(m.last_error.is_none());
    assert!(
        db.mark_sent(second.message.id, &second.token, at(T0) + LEASE)
            .await
            .unwrap()
    );
}

async fn sent_messages_are_never_claimed_again(db: Db) {
    with_region(&db).await;
    db.enqueue(&message("k1"), at(T0)).await.unwrap();
    let c = db.claim_due(at(T0), LEASE, 10).await.unwrap().remove(0);
    assert!(db.mark_sent(c.message.id, &c.token, at(T0)).await.unwrap());
    // Marking twice does nothing more.
    assert!(!db.mark_sent(c.message.id, &c.token, at(T0)).await.unwrap());
    for later in [Duration::zero(), LEASE, Duration::days(30)] {
        assert!(
            db.claim_due(at(T0) + later, LEASE, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // Enqueueing it again (the next scheduler tick) adds nothing.
    assert!(!db.enqueue(&message("k1"), at(T0)).await.unwrap());
}

async fn claim_limit_and_order(db: Db) {
    with_region(&db).await;
    db.enqueue(&message("late"), at(T0) + Duration::minutes(2))
        .await
        .unwrap();
    db.enqueue(&message("early"), at(T0)).await.unwrap();
    db.enqueue(&message("middle"), at(T0) + Duration::minutes(1))
        .await
        .unwrap();
    let now = at(T0) + Duration::minutes(5);
    let first = db.claim_due(now, LEASE, 2).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|c| c.message.key.as_str())
            .collect::<Vec<_>>(),
        ["early", "middle"]
    );
    let rest = db.claim_due(now, LEASE, 2).await.unwrap();
    assert_eq!(
        rest.iter()
            .map(|c| c.message.key.as_str())
            .collect::<Vec<_>>(),
        ["late"]
    );
}
