//! One sender tick: claim the due messages, deliver each, record the outcome.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pantau_store::{AfterFailure, Channel, Claimed, RetryPolicy, Store};

use crate::email::Mailer;
use crate::webhook::Webhook;
use crate::{NotifyError, Settings};

/// Why a delivery did not happen; `permanent` when retrying cannot help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub message: String,
    pub permanent: bool,
}

impl DeliveryError {
    pub fn permanent(message: impl Into<String>) -> DeliveryError {
        DeliveryError {
            message: crate::redact::redact(&message.into()),
            permanent: true,
        }
    }

    pub fn transient(message: impl Into<String>) -> DeliveryError {
        DeliveryError {
            message: crate::redact::redact(&message.into()),
            permanent: false,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    /// Failed this time, to be tried again later.
    pub retried: usize,
    /// Given up on.
    pub failed: usize,
}

pub struct Sender {
    store: Arc<dyn Store>,
    mailer: Option<Mailer>,
    webhook: Option<Webhook>,
    retry: RetryPolicy,
    lease: chrono::Duration,
    timeout: std::time::Duration,
    batch: i64,
}

impl Sender {
    /// Refuses unusable settings (an SMTP URL or From address, a webhook URL)
    /// with a message naming the setting.
    pub fn new(store: Arc<dyn Store>, settings: &Settings) -> Result<Sender, NotifyError> {
        settings.check_lease()?;
        let mailer = settings
            .smtp
            .as_ref()
            .map(|smtp| Mailer::new(smtp, settings.timeout))
            .transpose()?;
        let webhook = settings
            .webhook_url
            .as_deref()
            .map(|url| Webhook::new(url, settings.timeout))
            .transpose()?;
        Ok(Sender {
            store,
            mailer,
            webhook,
            retry: settings.retry,
            lease: settings.lease,
            timeout: settings.timeout,
            batch: settings.batch.max(1),
        })
    }

    /// Deliver every message due at `now`, batch by batch. A message that
    /// fails is given its next attempt time after `now`, so the tick ends.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<SendReport, NotifyError> {
        let mut report = SendReport::default();
        loop {
            let claimed_at = std::time::Instant::now();
            let claimed = self.store.claim_due(now, self.lease, self.batch).await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            // A slow server must not keep this sender busy past its lease:
            // another sender could then take a message it is still sending.
            // What is left unsent is taken again when the lease has run out.
            let lease = self.lease.to_std().unwrap_or_default();
            for claim in claimed {
                if claimed_at.elapsed() + self.timeout >= lease {
                    tracing::warn!(
                        "the outbox lease is running out: the rest waits for the next tick"
                    );
                    return Ok(report);
                }
                self.deliver(&claim, now, &mut report).await?;
            }
        }
    }

    async fn deliver(
        &self,
        claim: &Claimed,
        now: DateTime<Utc>,
        report: &mut SendReport,
    ) -> Result<(), NotifyError> {
        let message = &claim.message;
        let outcome = match message.channel {
            Channel::Email => match &self.mailer {
                Some(mailer) => {
                    mailer
                        .send(
                            &message.key,
                            &message.recipient,
                            &message.subject,
                            &message.body,
                        )
                        .await
                }
                None => Err(DeliveryError::permanent(
                    "e-mail is not configured on this server (--smtp-url)",
                )),
            },
            Channel::Webhook => match &self.webhook {
                Some(webhook) => webhook.send(&message.key, &message.body).await,
                None => Err(DeliveryError::permanent(
                    "no webhook is configured on this server (--webhook-url)",
                )),
            },
        };
        match outcome {
            Ok(()) => {
                if self.store.mark_sent(message.id, &claim.token, now).await? {
                    report.sent += 1;
                } else {
                    tracing::warn!(
                        key = message.key,
                        "sent, but the claim had run out: another sender may send it too"
                    );
                }
            }
            Err(err) => {
                let after = self
                    .store
                    .mark_failed_attempt(
                        message.id,
                        &claim.token,
                        now,
                        &err.message,
                        err.permanent,
                        &self.retry,
                    )
                    .await?;
                match after {
                    AfterFailure::Retry(next) => {
                        tracing::info!(key = message.key, %next, "delivery failed, retrying: {}", err.message);
                        report.retried += 1;
                    }
                    AfterFailure::Failed => {
                        tracing::warn!(
                            key = message.key,
                            "delivery failed for good: {}",
                            err.message
                        );
                        report.failed += 1;
                    }
                    AfterFailure::ClaimLost => {}
                }
            }
        }
        Ok(())
    }
}
