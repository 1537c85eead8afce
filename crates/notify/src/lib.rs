//! Reminders before each reporting deadline and the list of missing units
//! after it, through the store's persistent outbox, delivered by SMTP e-mail
//! and, optionally, an HTTP webhook (a WhatsApp gateway, say).
//!
//! Two loops share the work, and any number of app servers may run them:
//! the [`Scheduler`] finds what is due (the domain's reminder schedule, the
//! engine's compliance on the store's data) and enqueues it under an
//! idempotency key, so each message is written once however often it runs; the
//! [`Sender`] claims due messages with a lease, sends them, and marks them sent
//! or schedules a retry. Both take `now` as a parameter; [`run`] drives them
//! with the clock.

mod email;
pub mod redact;
mod scheduler;
mod sender;
mod text;
mod webhook;

use std::future::Future;
use std::sync::Arc;

use pantau_store::{RetryPolicy, Store, StoreError};

pub use scheduler::{ScheduleReport, Scheduler};
pub use sender::{SendReport, Sender};

/// Where e-mail goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// `smtp://host:port` (plain, for a relay on the same machine),
    /// `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465` (TLS);
    /// credentials as `smtp://user:password@host...`.
    pub url: String,
    /// The From address, e.g. `Pantau <pantau@bekasikota.go.id>`.
    pub from: String,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub smtp: Option<SmtpSettings>,
    /// Receives a JSON POST per message and recipient.
    pub webhook_url: Option<String>,
    pub reminders: pantau_domain::reminder::Settings,
    /// How often [`run`] looks for due reminders and messages.
    pub tick: std::time::Duration,
    pub retry: RetryPolicy,
    /// How long claimed messages are held for one sender; longer than
    /// `timeout`: the sender stops taking messages from its batch when the
    /// lease could end during the next delivery.
    pub lease: chrono::Duration,
    /// The limit of one SMTP conversation or webhook call.
    pub timeout: std::time::Duration,
    /// Messages claimed at once.
    pub batch: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            smtp: None,
            webhook_url: None,
            reminders: pantau_domain::reminder::Settings::default(),
            tick: std::time::Duration::from_secs(60),
            retry: RetryPolicy::default(),
            lease: chrono::Duration::minutes(5),
            timeout: std::time::Duration::from_secs(30),
            batch: 20,
        }
    }
}

impl Settings {
    /// True when there is somewhere to deliver to.
    pub fn is_enabled(&self) -> bool {
        self.smtp.is_some() || self.webhook_url.is_some()
    }

    pub(crate) fn check_lease(&self) -> Result<(), NotifyError> {
        if self.lease.to_std().unwrap_or_default() <= self.timeout {
            return Err(NotifyError::setting(
                "lease",
                "the outbox lease must be longer than the delivery timeout",
            ));
        }
        Ok(())
    }

    /// Refuse an unusable SMTP URL, From address or webhook URL, naming the
    /// setting, before anything is scheduled.
    pub fn validate(&self) -> Result<(), NotifyError> {
        self.check_lease()?;
        if let Some(smtp) = &self.smtp {
            email::Mailer::new(smtp, self.timeout)?;
        }
        if let Some(url) = &self.webhook_url {
            webhook::Webhook::new(url, self.timeout)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{field}: {message}")]
    Setting {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NotifyError {
    fn setting(field: &'static str, message: impl Into<String>) -> NotifyError {
        NotifyError::Setting {
            field,
            message: redact::redact(&message.into()),
        }
    }
}

/// Schedule and send every `settings.tick` until `shutdown` completes. A tick
/// that fails (the database away for a moment) is logged and tried again at
/// the next one; a tick under way is finished before shutting down.
pub async fn run(
    store: Arc<dyn Store>,
    settings: Settings,
    shutdown: impl Future<Output = ()>,
) -> Result<(), NotifyError> {
    let scheduler = Scheduler::new(store.clone(), &settings);
    let sender = Sender::new(store, &settings)?;
    tokio::pin!(shutdown);
    loop {
        match scheduler.tick(chrono::Utc::now()).await {
            Ok(report) if report.enqueued > 0 => {
                tracing::info!(enqueued = report.enqueued, "reminders enqueued");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("scheduling reminders failed: {err}"),
        }
        match sender.tick(chrono::Utc::now()).await {
            Ok(report) if report != SendReport::default() => tracing::info!(
                sent = report.sent,
                retried = report.retried,
                failed = report.failed,
                "outbox delivery"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!("sending from the outbox failed: {err}"),
        }
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            _ = tokio::time::sleep(settings.tick) => {}
        }
    }
}
