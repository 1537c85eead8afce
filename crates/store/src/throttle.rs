//! What the log-in throttle remembers, in the database so that every app
//! server sees the same: failed attempts per account and client address, and
//! the addresses an account last logged in from. The policy (how many
//! failures, how long a block) is the web layer's; the store only counts.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `throttle_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

use chrono::{DateTime, Duration, Utc};

/// How long a row is kept after it last changed: the memory of the addresses
/// an account logged in from. Failure-only rows go sooner (see
/// [`ThrottleStore::throttle_failure`]).
pub const THROTTLE_RETENTION: Duration = Duration::days(30);

/// The longest account key kept: a longer name typed is cut, so that a
/// stranger cannot fill the table with huge keys.
const ACCOUNT_KEY_CHARS: usize = 100;

/// What is counted; each kind is counted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThrottleKind {
    /// Failed log-ins.
    LogIn,
    /// Password-reset links asked for (every request counts).
    ResetRequest,
}

impl ThrottleKind {
    pub fn code(self) -> &'static str {
        match self {
            ThrottleKind::LogIn => "login",
            ThrottleKind::ResetRequest => "reset",
        }
    }
}

/// What is remembered of one account from one address. The default is
/// nothing: no failure, never a success.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairState {
    /// Failures since the last success (or since the count was forgotten).
    pub failures: i64,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
}

/// An account's failures from every address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFailures {
    /// Failures of the pairs that failed in the period.
    pub failures: i64,
    /// How many addresses they came from.
    pub addresses: i64,
}

/// The account key of a name typed at log-in: trimmed, lowercased, cut to
/// 100 characters, so that `ASDA1 ` and `asda1` are counted together.
pub fn throttle_account_key(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .take(ACCOUNT_KEY_CHARS)
        .collect()
}

#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync {
    /// What is remembered of `account` (a name as typed) from `address`.
    async fn throttle_pair(
        &self,
        kind: ThrottleKind,
        account: &str,
        address: &str,
    ) -> Result<PairState>;

    /// The failures of `account` from every address whose last failure is at
    /// or after `since`.
    async fn throttle_account(
        &self,
        kind: ThrottleKind,
        account: &str,
        since: DateTime<Utc>,
    ) -> Result<AccountFailures>;

    /// The failures from `address` for every account whose last failure is
    /// at or after `since`.
    async fn throttle_address(
        &self,
        kind: ThrottleKind,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<i64>;

    /// Count one failure of the pair at `now`, in one statement so that
    /// concurrent attempts each get their own count, and return the pair as it
    /// is after. A count whose last failure is before `forget_before` starts
    /// again at one. Also prunes this kind's rows with no success that have not
    /// changed since `forget_before`, and every row older than
    /// [`THROTTLE_RETENTION`].
    async fn throttle_failure(
        &self,
        kind: ThrottleKind,
        account: &str,
        address: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<PairState>;

    /// A success of the pair at `now`: its failures are cleared and the
    /// address is remembered as one the account succeeded from.
    async fn throttle_success(
        &self,
        kind: ThrottleKind,
        account: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
}

pub(crate) fn pair_row<R: sqlx::Row>(row: &R) -> Result<PairState>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(PairState {
        failures: row.try_get("failures")?,
        last_failure_at: row.try_get("last_failure_at")?,
        last_success_at: row.try_get("last_success_at")?,
    })
}

macro_rules! throttle_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::throttle::ThrottleStore for $store {
            async fn throttle_pair(
                &self,
                kind: $crate::throttle::ThrottleKind,
                account: &str,
                address: &str,
            ) -> Result<$crate::throttle::PairState> {
                let row = sqlx::query(
                    "SELECT failures, last_failure_at, last_success_at FROM login_throttle \
                     WHERE kind = $1 AND account = $2 AND address = $3",
                )
                .bind(kind.code())
                .bind($crate::throttle::throttle_account_key(account))
                .bind(address)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| $crate::throttle::pair_row(&row))
                    .transpose()
                    .map(Option::unwrap_or_default)
            }

            async fn throttle_account(
                &self,
                kind: $crate::throttle::ThrottleKind,
                account: &str,
                since: DateTime<Utc>,
            ) -> Result<$crate::throttle::AccountFailures> {
                let (failures, addresses): (i64, i64) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT), COUNT(*) FROM login_throttle \
                     WHERE kind = $1 AND account = $2 AND failures > 0 AND last_failure_at >= $3",
                )
                .bind(kind.code())
                .bind($crate::throttle::throttle_account_key(account))
                .bind(stored_moment(since))
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::throttle::AccountFailures { failures, addresses })
            }

            async fn throttle_address(
                &self,
                kind: $crate::throttle::ThrottleKind,
                address: &str,
                since: DateTime<Utc>,
            ) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM login_throttle \
                     WHERE kind = $1 AND address = $2 AND failures > 0 AND last_failure_at >= $3",
                )
                .bind(kind.code())
                .bind(address)
                .bind(stored_moment(since))
                .fetch_one(&self.pool)
                .await?)
            }

            async fn throttle_failure(
                &self,
                kind: $crate::throttle::ThrottleKind,
                account: &str,
                address: &str,
                now: DateTime<Utc>,
                forget_before: DateTime<Utc>,
            ) -> Result<$crate::throttle::PairState> {
                let now = stored_moment(now);
                let forget_before = stored_moment(forget_before);
                // One statement: the count and the answer cannot be split by
                // another app server's attempt on the same pair.
                let row = sqlx::query(
                    "INSERT INTO login_throttle (kind, account, address, failures, last_failure_at, touched_at) \
                     VALUES ($1, $2, $3, 1, $4, $4) \
                     ON CONFLICT (kind, account, address) DO UPDATE SET \
                     failures = CASE WHEN login_throttle.last_failure_at IS NULL \
                     OR login_throttle.last_failure_at < $5 THEN 1 ELSE login_throttle.failures + 1 END, \
                     last_failure_at = $4, touched_at = $4 \
                     RETURNING failures, last_failure_at, last_success_at",
                )
                .bind(kind.code())
                .bind($crate::throttle::throttle_account_key(account))
                .bind(address)
                .bind(now)
                .bind(forget_before)
                .fetch_one(&self.pool)
                .await?;
                let pair = $crate::throttle::pair_row(&row)?;
                // Failures are what a stranger can make many of: keep the table
                // to what the policy still reads.
                sqlx::query(
                    "DELETE FROM login_throttle WHERE touched_at < $3 \
                     OR (kind = $1 AND last_success_at IS NULL AND touched_at < $2)",
                )
                .bind(kind.code())
                .bind(forget_before)
                .bind(stored_moment(now - $crate::throttle::THROTTLE_RETENTION))
                .execute(&self.pool)
                .await?;
                Ok(pair)
            }

            async fn throttle_success(
                &self,
                kind: $crate::throttle::ThrottleKind,
                account: &str,
                address: &str,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let now = stored_moment(now);
                sqlx::query(
                    "INSERT INTO login_throttle (kind, account, address, failures, last_success_at, touched_at) \
                     VALUES ($1, $2, $3, 0, $4, $4) \
                     ON CONFLICT (kind, account, address) DO UPDATE SET \
                     failures = 0, last_failure_at = NULL, last_success_at = $4, touched_at = $4",
                )
                .bind(kind.code())
                .bind($crate::throttle::throttle_account_key(account))
                .bind(address)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}
