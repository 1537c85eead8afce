//! Delivery by an HTTP POST of the message's JSON document, for a gateway
//! (WhatsApp, SMS) that knows how to reach the user it names.

use crate::NotifyError;
use crate::sender::DeliveryError;

pub struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl Webhook {
    pub fn new(url: &str, timeout: std::time::Duration) -> Result<Webhook, NotifyError> {
        let url = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                NotifyError::setting("webhook-url", format!("\"{url}\" is not an http(s) URL"))
            })?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|err| NotifyError::setting("webhook-url", err.to_string()))?;
        Ok(Webhook { client, url })
    }

    pub async fn send(&self, key: &str, body: &str) -> Result<(), DeliveryError> {
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            // The gateway can drop a repeat (see the outbox: at least once).
            .header("Idempotency-Key", key)
            .body(body.to_owned())
            .send()
            .await
            .map_err(|err| DeliveryError::transient(format!("webhook: {err}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("webhook answered {status}");
        // A refusal of the request itself will not change by retrying; a
        // timeout, a rate limit or a server error may.
        if status.is_client_error()
            && status != reqwest::StatusCode::REQUEST_TIMEOUT
            && status != reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            Err(DeliveryError::permanent(message))
        } else {
            Err(DeliveryError::transient(message))
        }
    }
}
