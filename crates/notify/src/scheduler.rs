//! One scheduler tick: for every region and program, the reminders and
//! notices due now, who they are for, enqueued once each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use pantau_domain::model::{Program, Region};
use pantau_domain::reminder::{self, Due, Kind};
use pantau_domain::{Options, evaluate};
use pantau_store::{Channel, NewMessage, RegionVersion, Role, Store, User};
use serde_json::json;

use crate::text::{self, PeriodText, Text};
use crate::{NotifyError, Settings};

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScheduleReport {
    /// Messages written to the outbox.
    pub enqueued: usize,
    /// Messages that were already there (an earlier tick, another server).
    pub already: usize,
}

pub struct Scheduler {
    store: Arc<dyn Store>,
    reminders: reminder::Settings,
    email: bool,
    webhook: bool,
    /// The model of each region at its version: rebuilt only when it changed.
    regions: Mutex<HashMap<String, (RegionVersion, Arc<Region>)>>,
}

/// One message before it is addressed to a channel.
struct Draft<'a> {
    key: String,
    user: &'a User,
    text: Text,
    /// The webhook's document, less the fields every message has.
    payload: serde_json::Value,
    expires_at: Option<DateTime<Utc>>,
}

impl Scheduler {
    pub fn new(store: Arc<dyn Store>, settings: &Settings) -> Scheduler {
        Scheduler {
            store,
            reminders: settings.reminders.clone(),
            email: settings.smtp.is_some(),
            webhook: settings.webhook_url.is_some(),
            regions: Mutex::new(HashMap::new()),
        }
    }

    /// Enqueue everything due at `now` that is not in the outbox yet.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<ScheduleReport, NotifyError> {
        let mut report = ScheduleReport::default();
        if !self.email && !self.webhook {
            return Ok(report);
        }
        for row in self.store.regions().await? {
            let Some(region) = self.region(&row.code).await? else {
                continue;
            };
            let mut users: Option<Vec<User>> = None;
            for program in &region.programs {
                let items = reminder::schedule(&program.calendar, &self.reminders);
                let due: Vec<&Due> = reminder::due_at(&items, now).collect();
                if due.is_empty() {
                    continue;
                }
                if users.is_none() {
                    let mut all = self.store.users(&row.code).await?;
                    all.retain(|u| !u.disabled);
                    users = Some(all);
                }
                let users = users.as_deref().unwrap_or_default();
                let as_of = program.calendar.as_of_instant(now);
                let evaluation = evaluate(&region, program, &as_of, Options::default());
                for item in due {
                    let missing = reminder::units_without_report(&evaluation, item.period);
                    if missing.is_empty() {
                        continue;
                    }
                    let drafts = match item.kind {
                        Kind::Reminder(offset) => {
                            reminders(&region, program, item, &offset.to_string(), &missing, users)
                        }
                        Kind::MissingNotice => notices(&region, program, item, &missing, users),
                    };
                    for draft in drafts {
                        self.enqueue(&region.code, draft, now, &mut report).await?;
                    }
                }
            }
        }
        Ok(report)
    }

    /// The region's model, rebuilt when its version moved. A region whose
    /// stored plan no longer validates is skipped (and logged), not fatal.
    async fn region(&self, code: &str) -> Result<Option<Arc<Region>>, NotifyError> {
        let version = self.store.region_version(code).await?;
        if let Some((cached, region)) = self.regions.lock().expect("not poisoned").get(code) {
            if *cached == version {
                return Ok(Some(region.clone()));
            }
        }
        let bundle = self.store.region_bundle(code).await?;
        match pantau_domain::validate_with(&bundle, self.store.limits()) {
            Ok(region) => {
                let region = Arc::new(region);
                self.regions
                    .lock()
                    .expect("not poisoned")
                    .insert(code.to_owned(), (version, region.clone()));
                Ok(Some(region))
            }
            Err(refused) => {
                tracing::warn!(
                    region = code,
                    "no reminders: the stored region does not validate ({} problem(s))",
                    refused.problems.len()
                );
                Ok(None)
            }
        }
    }

    async fn enqueue(
        &self,
        region: &str,
        draft: Draft<'_>,
        now: DateTime<Utc>,
        report: &mut ScheduleReport,
    ) -> Result<(), NotifyError> {
        let mut messages = Vec::new();
        if self.email {
            if let Some(email) = draft.user.email.as_deref().filter(|e| !e.trim().is_empty()) {
                messages.push((Channel::Email, email.to_owned(), draft.text.body.clone()));
            }
        }
        if self.webhook {
            let mut payload = draft.payload.clone();
            payload["recipient"] = json!({
                "username": draft.user.username,
                "display_name": draft.user.display_name,
                "email": draft.user.email,
                "role": draft.user.role.code(),
            });
            payload["subject"] = json!(draft.text.subject);
            payload["text"] = json!(draft.text.body);
            messages.push((
                Channel::Webhook,
                draft.user.username.clone(),
                payload.to_string(),
            ));
        }
        for (channel, recipient, body) in messages {
            let message = NewMessage {
                region: region.to_owned(),
                key: format!("{}:{}:{}", draft.key, channel.code(), recipient),
                channel,
                recipient,
                subject: draft.text.subject.clone(),
                body,
                expires_at: draft.expires_at,
            };
            if self.store.enqueue(&message, now).await? {
                report.enqueued += 1;
            } else {
                report.already += 1;
            }
        }
        Ok(())
    }
}

fn period_text<'a>(program: &'a Program, item: &Due) -> PeriodText<'a> {
    PeriodText {
        period: &program.calendar.periods()[item.period as usize - 1],
        tz: program.calendar.timezone,
    }
}

fn unit_name<'a>(region: &'a Region, code: &'a str) -> &'a str {
    region
        .units
        .iter()
        .find(|u| u.code == code)
        .map(|u| u.name.as_str())
        .unwrap_or(code)
}

fn base_payload(kind: &str, region: &Region, program: &Program, item: &Due) -> serde_json::Value {
    let period = &program.calendar.periods()[item.period as usize - 1];
    json!({
        "kind": kind,
        "region": region.code,
        "program": program.code,
        "program_name": program.name,
        "period": period.index,
        "period_start": period.start,
        "period_end": period.end,
        "deadline": program.calendar.format_instant(period.deadline),
    })
}

/// To each operator (with an account that is not disabled) of each unit that
/// has not reported: one reminder per offset.
fn reminders<'a>(
    region: &Region,
    program: &Program,
    item: &Due,
    offset: &str,
    missing: &[&str],
    users: &'a [User],
) -> Vec<Draft<'a>> {
    let period = period_text(program, item);
    let mut drafts = Vec::new();
    for unit in missing {
        let name = unit_name(region, unit);
        for user in users
            .iter()
            .filter(|u| u.role == Role::Operator && u.unit.as_deref() == Some(*unit))
        {
            let mut payload = base_payload("reminder", region, program, item);
            payload["offset"] = json!(offset);
            payload["units"] = json!([{"code": unit, "name": name}]);
            drafts.push(Draft {
                key: format!(
                    "reminder:{}:{}:{}:{}:{}",
                    region.code, program.code, item.period, unit, offset
                ),
                user,
                text: text::reminder(&user.display_name, &program.name, (unit, name), &period),
                payload,
                // After the deadline a reminder only confuses: it is dropped.
                expires_at: Some(item.deadline),
            });
        }
    }
    drafts
}

/// To each evaluator: the units of their clusters that did not report.
/// Units in no cluster have no evaluator to tell.
fn notices<'a>(
    region: &Region,
    program: &Program,
    item: &Due,
    missing: &[&str],
    users: &'a [User],
) -> Vec<Draft<'a>> {
    let period = period_text(program, item);
    let cluster_of = |code: &str| {
        region
            .units
            .iter()
            .find(|u| u.code == code)
            .and_then(|u| u.cluster)
            .map(|c| region.clusters[c].code.as_str())
    };
    let mut drafts = Vec::new();
    for user in users.iter().filter(|u| u.role == Role::Evaluator) {
        let units: Vec<(&str, &str)> = missing
            .iter()
            .filter(|unit| cluster_of(unit).is_some_and(|c| user.clusters.iter().any(|uc| uc == c)))
            .map(|unit| (*unit, unit_name(region, unit)))
            .collect();
        if units.is_empty() {
            continue;
        }
        let mut payload = base_payload("missing_units", region, program, item);
        payload["units"] = units
            .iter()
            .map(|(code, name)| json!({"code": code, "name": name}))
            .collect();
        drafts.push(Draft {
            key: format!("missing:{}:{}:{}", region.code, program.code, item.period),
            user,
            text: text::missing_units(&user.display_name, &program.name, &units, &period),
            payload,
            expires_at: None,
        });
    }
    drafts
}
