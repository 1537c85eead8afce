//! `pantau outbox`: what the reminders' outbox holds for a region, failed
//! messages with their last error included, one tab-separated line each.

use pantau_store::{MessageStatus, StoreError};

use crate::Failure;
use crate::database::{DatabaseArgs, open};

#[derive(clap::Args)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[arg(long)]
    pub region: String,
    /// Only messages in this state.
    #[arg(long, value_enum)]
    pub status: Option<Status>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Status {
    Pending,
    Sent,
    Failed,
}

pub async fn list(args: OutboxArgs) -> Result<(), Failure> {
    let store = open(&args.db.database).await?;
    if !store.regions().await?.iter().any(|r| r.code == args.region) {
        return Err(StoreError::UnknownRegion(args.region).into());
    }
    let status = args.status.map(|s| match s {
        Status::Pending => MessageStatus::Pending,
        Status::Sent => MessageStatus::Sent,
        Status::Failed => MessageStatus::Failed,
    });
    let messages = store
        .outbox_messages(&args.region, status, args.limit.max(0))
        .await?;
    for m in messages {
        let (state, when) = match m.status {
            MessageStatus::Pending => ("pending", m.next_attempt_at),
            MessageStatus::Sent => ("sent", m.sent_at.unwrap_or(m.next_attempt_at)),
            MessageStatus::Failed => ("failed", m.failed_at.unwrap_or(m.next_attempt_at)),
        };
        println!(
            "{}\t{state}\t{}\t{}\t{}\t{}\t{}\t{}",
            m.id,
            when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            m.attempts,
            m.channel.code(),
            m.recipient,
            m.key,
            m.last_error.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}
