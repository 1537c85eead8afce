//! The persistent outbox of reminders and notices: each message is written once, claimed by one sender, retried with backoff, and marked sent so nothing goes out twice.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `outbox_store_impl!` in `backend.rs`.
//!
//! Delivery is at least once: a sender that dies after the SMTP server took a
//! message but before it marked it sent leaves it to be sent again when its
//! lease ends. Everything else goes out exactly once: the idempotency key makes
//! enqueueing idempotent across ticks and app servers, the lease keeps two
//! senders off the same message, and a sent message is never claimed again.

#[allow(unused_imports)]
use crate::*;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How a message is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Sent,
    /// Gave up: too many attempts, refused for good, or expired. Kept, to be seen.
    Failed,
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub region: String,
    /// Unique: a second message with the same key is not added.
    pub key: String,
    pub channel: Channel,
    /// An e-mail address, or for the webhook the user it is meant for.
    pub recipient: String,
    pub subject: String,
    /// Plain text for e-mail; the JSON document for the webhook.
    pub body: String,
    /// Not worth sending after this moment (a reminder after its deadline).
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: Id,
    pub region: String,
    pub key: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: MessageStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// A message claimed for sending, with the token that proves the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub message: Message,
    pub token: String,
}

/// When to try again and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles with each further one ...
    pub base: Duration,
    /// ... up to this.
    pub cap: Duration,
    /// After this many failed attempts the message is marked failed.
    pub max_attempts: i64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            base: Duration::minutes(1),
            cap: Duration::hours(1),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure (1-based): `base * 2^(failures-1)`, at most `cap`.
    pub fn backoff(&self, failures: i64) -> Duration {
        let doublings = failures.saturating_sub(1).clamp(0, 30) as u32;
        let wait = self
            .base
            .checked_mul(2i32.saturating_pow(doublings))
            .unwrap_or(self.cap);
        wait.min(self.cap)
    }
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// To be tried again at this moment.
    Retry(DateTime<Utc>),
    /// Given up.
    Failed,
    /// The claim had been lost (its lease ran out and another sender took
    /// the message): nothing was changed.
    ClaimLost,
}

#[async_trait::async_trait]
pub trait OutboxStore: Send + Sync {
    /// Add a message unless one with its key exists; true when it was added.
    async fn enqueue(&self, message: &NewMessage, now: DateTime<Utc>) -> Result<bool>;

    /// Claim up to `limit` pending messages due at `now` (not claimed by a live
    /// lease), each until `now + lease`. Pending messages past their expiry are
    /// marked failed first.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Claimed>>;

    /// Record a delivery. False when the message was no longer pending under
    /// this claim (it is then left as it is).
    async fn mark_sent(&self, id: Id, token: &str, now: DateTime<Utc>) -> Result<bool>;

    /// Record a failed attempt: retry with backoff, or give up when `permanent`
    /// or after the policy's maximum of attempts.
    async fn mark_failed_attempt(
        &self,
        id: Id,
        token: &str,
        now: DateTime<Utc>,
        error: &str,
        permanent: bool,
        policy: &RetryPolicy,
    ) -> Result<AfterFailure>;

    /// A region's messages, newest first; only those in `status` when given.
    async fn outbox_messages(
        &self,
        region: &str,
        status: Option<MessageStatus>,
        limit: i64,
    ) -> Result<Vec<Message>>;

    /// One message by its key.
    async fn outbox_message(&self, key: &str) -> Result<Option<Message>>;
}

pub(crate) const MESSAGE_SELECT: &str = "SELECT o.id, r.code AS region, o.idempotency_key, o.channel, \
     o.recipient, o.subject, o.body, o.status, o.created_at, o.expires_at, o.attempts, o.next_attempt_at, \
     o.last_error, o.sent_at, o.failed_at FROM outbox o JOIN regions r ON r.id = o.region_id";

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|err| {
        StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("\"{text}\": {err}"),
        }
    })
}

pub(crate) fn message_row<R: sqlx::Row>(row: &R) -> Result<Message>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let code = |column: &str| -> Result<String> { Ok(row.try_get(column)?) };
    let channel = code("channel")?;
    let status = code("status")?;
    Ok(Message {
        id: row.try_get("id")?,
        region: row.try_get("region")?,
        key: row.try_get("idempotency_key")?,
        channel: parse(&channel, "outbox.channel")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        status: parse(&status, "outbox.status")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        sent_at: row.try_get("sent_at")?,
        failed_at: row.try_get("failed_at")?,
    })
}

macro_rules! outbox_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::outbox::OutboxStore for $store {
            async fn enqueue(
                &self,
                message: &$crate::outbox::NewMessage,
                now: DateTime<Utc>,
            ) -> Result<bool> {
                if message.key.trim().is_empty() {
                    return Err(StoreError::invalid("key", "an outbox message needs a key"));
                }
                if message.recipient.trim().is_empty() {
                    return Err(StoreError::invalid("recipient", "an outbox message needs a recipient"));
                }
                let mut conn = self.pool.acquire().await?;
                let region_id = Self::region_id(&mut conn, &message.region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(message.region.clone()))?;
                let now = stored_moment(now);
                // ON CONFLICT DO NOTHING: however many ticks or app servers
                // enqueue the same message, one row holds it.
                let done = sqlx::query(
                    "INSERT INTO outbox (region_id, idempotency_key, channel, recipient, subject, body, status, \
                     created_at, expires_at, attempts, next_attempt_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, 0, $7) \
                     ON CONFLICT (idempotency_key) DO NOTHING",
                )
                .bind(region_id)
                .bind(&message.key)
                .bind(message.channel.code())
                .bind(&message.recipient)
                .bind(&message.subject)
                .bind(&message.body)
                .bind(now)
                .bind(message.expires_at.map(stored_moment))
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_due(
                &self,
                now: DateTime<Utc>,
                lease: chrono::Duration,
                limit: i64,
            ) -> Result<Vec<$crate::outbox::Claimed>> {
                let now = stored_moment(now);
                let until = stored_moment(now + lease);
                let token = $crate::password::generate_token();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE outbox SET status = 'failed', failed_at = $1, claimed_until = NULL, claim_token = NULL, \
                     last_error = COALESCE(last_error || '; ', '') || 'expired before it could be sent' \
                     WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= $1 \
                     AND (claimed_until IS NULL OR claimed_until <= $1)",
                )
                .bind(now)
                .execute(&mut *tx)
                .await?;
                // The lease conditions are repeated on the updated row: on
                // PostgreSQL a concurrent claimer re-checks them after the
                // first commits and skips what it lost; SQLite's write lock
                // serialises claimers outright.
                let ids: Vec<i64> = sqlx::query_scalar(
                    "UPDATE outbox SET claimed_until = $1, claim_token = $2 \
                     WHERE status = 'pending' AND next_attempt_at <= $3 \
                     AND (claimed_until IS NULL OR claimed_until <= $3) \
                     AND id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 \
                         AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY next_attempt_at, id LIMIT $4) \
                     RETURNING id",
                )
                .bind(until)
                .bind(&token)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = sqlx::query(&format!(
                    "{} WHERE o.claim_token = $1 ORDER BY o.next_attempt_at, o.id",
                    $crate::outbox::MESSAGE_SELECT
                ))
                .bind(&token)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::outbox::Claimed {
                            message: $crate::outbox::message_row(row)?,
                            token: token.clone(),
                        })
                    })
                    .collect()
            }

            async fn mark_sent(&self, id: Id, token: &str, now: DateTime<Utc>) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, \
                     claimed_until = NULL, claim_token = NULL \
                     WHERE id = $2 AND status = 'pending' AND claim_token = $3",
                )
                .bind(stored_moment(now))
                .bind(id)
                .bind(token)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn mark_failed_attempt(
                &self,
                id: Id,
                token: &str,
                now: DateTime<Utc>,
                error: &str,
                permanent: bool,
                policy: &$crate::outbox::RetryPolicy,
            ) -> Result<$crate::outbox::AfterFailure> {
                use $crate::outbox::AfterFailure;
                let now = stored_moment(now);
                let mut tx = self.begin_write().await?;
                let attempts: Option<i64> = sqlx::query_scalar(
                    "SELECT attempts FROM outbox WHERE id = $1 AND status = 'pending' AND claim_token = $2",
                )
                .bind(id)
                .bind(token)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(attempts) = attempts else {
                    return Ok(AfterFailure::ClaimLost);
                };
                let attempts = attempts + 1;
                let outcome = if permanent || attempts >= policy.max_attempts {
                    sqlx::query(
                        "UPDATE outbox SET status = 'failed', failed_at = $1, attempts = $2, last_error = $3, \
                         claimed_until = NULL, claim_token = NULL WHERE id = $4",
                    )
                    .bind(now)
                    .bind(attempts)
                    .bind(error)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    AfterFailure::Failed
                } else {
                    let next = stored_moment(now + policy.backoff(attempts));
                    sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $1, attempts = $2, last_error = $3, \
                         claimed_until = NULL, claim_token = NULL WHERE id = $4",
                    )
                    .bind(next)
                    .bind(attempts)
                    .bind(error)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    AfterFailure::Retry(next)
                };
                tx.commit().await?;
                Ok(outcome)
            }

            async fn outbox_messages(
                &self,
                region: &str,
                status: Option<$crate::outbox::MessageStatus>,
                limit: i64,
            ) -> Result<Vec<$crate::outbox::Message>> {
                let filter = if status.is_some() { "AND o.status = $3" } else { "" };
                let sql = format!(
                    "{} WHERE r.code = $1 {filter} ORDER BY o.id DESC LIMIT $2",
                    $crate::outbox::MESSAGE_SELECT
                );
                let mut query = sqlx::query(&sql).bind(region).bind(limit);
                if let Some(status) = status {
                    query = query.bind(to_code(&status));
                }
                let rows = query
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map($crate::outbox::message_row).collect()
            }

            async fn outbox_message(&self, key: &str) -> Result<Option<$crate::outbox::Message>> {
                let row = sqlx::query(&format!(
                    "{} WHERE o.idempotency_key = $1",
                    $crate::outbox::MESSAGE_SELECT
                ))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map($crate::outbox::message_row).transpose()
            }
        }
    };
}
