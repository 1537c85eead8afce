//! E-mail over SMTP with lettre.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::sender::DeliveryError;
use crate::{NotifyError, SmtpSettings};

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(
        settings: &SmtpSettings,
        timeout: std::time::Duration,
    ) -> Result<Mailer, NotifyError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|err| {
                NotifyError::setting(
                    "smtp-url",
                    format!(
                        "\"{}\" is not usable ({err}): write smtp://host:port, smtp://host:587?tls=required or smtps://host:465",
                        settings.url
                    ),
                )
            })?
            .timeout(Some(timeout))
            .build();
        let from = settings.from.parse().map_err(|err| {
            NotifyError::setting(
                "smtp-from",
                format!(
                    "\"{}\" is not an e-mail address ({err}), e.g. Pantau <pantau@example.go.id>",
                    settings.from
                ),
            )
        })?;
        Ok(Mailer { transport, from })
    }

    pub async fn send(
        &self,
        key: &str,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), DeliveryError> {
        let to: Mailbox = to.parse().map_err(|err| {
            DeliveryError::permanent(format!("\"{to}\" is not an e-mail address: {err}"))
        })?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            // Derived from the idempotency key: should a message ever go out
            // twice (a sender dying between the server's reply and its
            // record), mail clients see one message.
            .message_id(Some(message_id(key)))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|err| DeliveryError::permanent(format!("cannot build the message: {err}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(err) if err.is_permanent() => Err(DeliveryError::permanent(err.to_string())),
            Err(err) => Err(DeliveryError::transient(err.to_string())),
        }
    }
}

fn message_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@pantau>")
}
