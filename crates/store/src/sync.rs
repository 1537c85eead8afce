//! Exchange between levels (issue 14): a kab/kota's server pushes a complete
//! snapshot of one program of its region to its province's or the nation's
//! server, which applies it as the new truth for that program.
//!
//! Receiver: a push is applied in one transaction. The plan (units,
//! clusters, priorities, the program and its targets, budgets) is merged by
//! code as `pantau import --merge` does; the program's rows (entries and nil
//! reports) are compared with the stored ones on a key and imported, updated,
//! left unchanged or deleted: a row missing from the snapshot is an explicit
//! deletion, and a zero is a value like any other. A row that breaks a rule
//! is refused on its own, with its reason, and its stored copy (if any) is
//! kept. Accepted pushes are kept by their `Idempotency-Key` with their
//! answer, so a push retried after a lost answer is answered again and not
//! applied twice.
//!
//! The key of an entry is (target code, activity date, submitted_at, n): n
//! counts earlier rows with the same three in the order the sender lists
//! them (by id), so that equal reports stay distinct. The sender keeps
//! `submitted_at` when an entry is edited or reviewed, so a changed value or
//! status is an update of the same key. A nil report's key is (unit, date,
//! submitted_at, n).
//!
//! Sender: pushes wait in a queue (`sync_queue`) until delivered, across
//! bad links and restarts; a newer snapshot of the same receiver, region and
//! program replaces an undelivered older one.

#[allow(unused_imports)]
use crate::*;

use std::collections::HashMap;

use chrono::NaiveDate;
use pantau_domain::bundle::Bundle;

/// A row of a snapshot that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConflict {
    /// JSON path of the row in the snapshot, e.g. `programs[0].entries[3]`.
    pub path: String,
    /// What is wrong, in English.
    pub reason: String,
}

/// The receiver's answer to a push: rows (entries and nil reports) counted
/// by what became of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAnswer {
    pub region: String,
    pub program: String,
    /// Checked only; nothing was written.
    pub dry_run: bool,
    /// The answer stored for this Idempotency-Key, given again; nothing was written now.
    pub replayed: bool,
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
    pub refused: usize,
    pub conflicts: Vec<SyncConflict>,
    /// When the push was accepted; none for a dry run.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// A push as the receiver takes it.
#[derive(Debug, Clone)]
pub struct Push {
    /// The region code in the address; the snapshot must be of it.
    pub region: String,
    pub snapshot: Bundle,
    /// Required unless `dry_run`.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the body as received, to tell a retry from a different push.
    pub body_sha256: String,
    pub dry_run: bool,
}

/// A region registered on the receiver, with its last accepted push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRegion {
    pub code: String,
    pub name: String,
    pub registered_at: DateTime<Utc>,
    pub last_push_at: Option<DateTime<Utc>>,
    pub last_program: Option<String>,
}

impl SyncRegion {
    /// Late: no accepted push within `late_after` (counted from the
    /// registration when there was none yet).
    pub fn is_late(&self, now: DateTime<Utc>, late_after: chrono::Duration) -> bool {
        now - self.last_push_at.unwrap_or(self.registered_at) > late_after
    }
}

/// A push waiting on the sender, or delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPush {
    pub id: Id,
    pub url: String,
    pub token: String,
    pub region: String,
    pub program: String,
    pub idempotency_key: String,
    pub body: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What a push queues: one program of a region, as the bundle to send.
#[derive(Debug, Clone)]
pub struct NewPush {
    pub url: String,
    pub token: String,
    pub region: String,
    pub program: String,
    pub idempotency_key: String,
    pub body: String,
}

/// The longest Idempotency-Key taken.
pub const MAX_KEY_CHARS: usize = 200;

/// Check an Idempotency-Key: 1 to 200 visible ASCII characters.
pub fn check_idempotency_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StoreError::invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_CHARS} visible ASCII characters"),
        ));
    }
    Ok(())
}

/// One snapshot per program: the region's plan with that program alone.
pub fn snapshots_of(region: &Bundle) -> Vec<Bundle> {
    region
        .programs
        .iter()
        .map(|program| Bundle {
            programs: vec![program.clone()],
            ..region.clone()
        })
        .collect()
}

/// A row's key in its program; see the module's documentation.
pub(crate) type RowKey = (String, NaiveDate, DateTime<Utc>, u32);

/// Give every row its key: the three fields and how many earlier rows share them.
pub(crate) fn keyed<T>(
    rows: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> (String, NaiveDate, DateTime<Utc>),
) -> Vec<(RowKey, T)> {
    let mut seen: HashMap<(String, NaiveDate, DateTime<Utc>), u32> = HashMap::new();
    rows.into_iter()
        .map(|row| {
            let base = key(&row);
            let n = seen.entry(base.clone()).or_default();
            let keyed = ((base.0, base.1, base.2, *n), row);
            *n += 1;
            keyed
        })
        .collect()
}

/// The index of a row named by a problem's path under `programs[0].{list}[i]`.
fn row_of(path: &str, list: &str) -> Option<usize> {
    let rest = path.strip_prefix("programs[0].")?.strip_prefix(list)?;
    let rest = rest.strip_prefix('[')?;
    let end = rest.find(']')?;
    rest[..end].parse().ok()
}

/// Check a snapshot: the whole of it (the region, one program, its plan), then
/// its rows one by one. The rows that break a rule are taken out and listed;
/// a problem of the plan refuses the push whole.
pub fn check_snapshot(push: &Push, limits: pantau_domain::Limits) -> Result<Checked> {
    let snapshot = &push.snapshot;
    if snapshot.region.code != push.region {
        return Err(StoreError::invalid(
            "region.code",
            format!(
                "the snapshot is of region \"{}\" but was pushed to \"{}\"",
                snapshot.region.code, push.region
            ),
        ));
    }
    if snapshot.programs.len() != 1 {
        return Err(StoreError::invalid(
            "programs",
            format!(
                "a push carries exactly one program; this one has {}",
                snapshot.programs.len()
            ),
        ));
    }
    let refused = match pantau_domain::validate_with(snapshot, limits) {
        Ok(_) => {
            return Ok(Checked {
                kept: snapshot.clone(),
                conflicts: Vec::new(),
                bad_entries: Vec::new(),
                bad_nils: Vec::new(),
            });
        }
        Err(refused) => refused,
    };
    let mut conflicts = Vec::new();
    let mut bad_entries = Vec::new();
    let mut bad_nils = Vec::new();
    let mut whole = Vec::new();
    for problem in &refused.problems {
        if let Some(i) = row_of(&problem.path, "entries") {
            bad_entries.push(i);
            conflicts.push(SyncConflict {
                path: format!("programs[0].entries[{i}]"),
                reason: problem.to_string(),
            });
        } else if let Some(i) = row_of(&problem.path, "nil_reports") {
            bad_nils.push(i);
            conflicts.push(SyncConflict {
                path: format!("programs[0].nil_reports[{i}]"),
                reason: problem.to_string(),
            });
        } else {
            whole.push(problem.clone());
        }
    }
    if !whole.is_empty() {
        return Err(StoreError::Refused(pantau_domain::Refused {
            problems: whole,
        }));
    }
    bad_entries.sort_unstable();
    bad_entries.dedup();
    bad_nils.sort_unstable();
    bad_nils.dedup();
    let mut kept = snapshot.clone();
    let program = &mut kept.programs[0];
    program.entries = drop_rows(&program.entries, &bad_entries);
    program.nil_reports = drop_rows(&program.nil_reports, &bad_nils);
    // What is left must hold on its own.
    pantau_domain::validate_with(&kept, limits)?;
    Ok(Checked {
        kept,
        conflicts,
        bad_entries,
        bad_nils,
    })
}

/// A checked snapshot: what is kept of it, and the rows refused (by index, sorted).
pub struct Checked {
    pub kept: Bundle,
    pub conflicts: Vec<SyncConflict>,
    pub bad_entries: Vec<usize>,
    pub bad_nils: Vec<usize>,
}

fn drop_rows<T: Clone>(rows: &[T], dropped: &[usize]) -> Vec<T> {
    rows.iter()
        .enumerate()
        .filter(|(i, _)| dropped.binary_search(i).is_err())
        .map(|(_, row)| row.clone())
        .collect()
}

/// Receiver and sender of pushes between levels.
#[async_trait::async_trait]
pub trait SyncStore: Send + Sync {
    /// Register (or renew the token of) a region that may push here; the
    /// token, shown once. The caller checks the code is below this server's.
    async fn sync_allow(&self, code: &str, name: &str, actor: &Actor) -> Result<String>;

    /// The registered region a push token belongs to, if it is `code`'s.
    async fn sync_token_matches(&self, code: &str, token: &str) -> Result<bool>;

    /// The registered regions with their last accepted push.
    async fn sync_regions(&self) -> Result<Vec<SyncRegion>>;

    /// Apply a push (or check it, for a dry run): see the module's documentation.
    async fn apply_push(&self, push: &Push, actor: &Actor) -> Result<PushAnswer>;

    /// Queue a push, replacing an undelivered one of the same receiver, region and program.
    async fn queue_push(&self, push: &NewPush, now: DateTime<Utc>) -> Result<Id>;

    /// The pushes not yet delivered, oldest first.
    async fn waiting_pushes(&self) -> Result<Vec<QueuedPush>>;

    /// A push arrived: its answer is kept.
    async fn push_delivered(&self, id: Id, answer: &str, now: DateTime<Utc>) -> Result<()>;

    /// A push failed; it is tried again from `next_attempt_at`.
    async fn push_failed(&self, id: Id, error: &str, next_attempt_at: DateTime<Utc>) -> Result<()>;
}

/// Rows of a program as the receiver stores them, for the comparison.
pub(crate) struct StoredEntry {
    pub(crate) id: i64,
    pub(crate) value: String,
    pub(crate) status: String,
    pub(crate) note: Option<String>,
}

macro_rules! sync_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::sync::SyncStore for $store {
            async fn sync_allow(&self, code: &str, name: &str, actor: &Actor) -> Result<String> {
                check_chars("name", name, 200)?;
                if name.trim().is_empty() {
                    return Err(StoreError::invalid("name", "must not be empty"));
                }
                let token = crate::password::generate_token().replacen("pantau_", "pantau_sync_", 1);
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO sync_regions (code, name, token_sha256, registered_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, token_sha256 = excluded.token_sha256",
                )
                .bind(code)
                .bind(name)
                .bind(crate::password::token_hash(&token))
                .bind(stored_moment(Utc::now()))
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "sync_allow".into(),
                    entity: "region".into(),
                    entity_id: Some(code.to_owned()),
                    before: None,
                    after: Some(serde_json::json!({"code": code, "name": name})),
                };
                Self::append_audit_in(&mut tx, None, actor, &record).await?;
                tx.commit().await?;
                Ok(token)
            }

            async fn sync_token_matches(&self, code: &str, token: &str) -> Result<bool> {
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT token_sha256 FROM sync_regions WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(stored.is_some_and(|s| s == crate::password::token_hash(token)))
            }

            async fn sync_regions(&self) -> Result<Vec<$crate::sync::SyncRegion>> {
                let rows = sqlx::query(
                    "SELECT code, name, registered_at, last_push_at, last_program FROM sync_regions ORDER BY code",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok($crate::sync::SyncRegion {
                            code: row.try_get("code")?,
                            name: row.try_get("name")?,
                            registered_at: row.try_get("registered_at")?,
                            last_push_at: row.try_get("last_push_at")?,
                            last_program: row.try_get("last_program")?,
                        })
                    })
                    .collect()
            }

            async fn apply_push(
                &self,
                push: &$crate::sync::Push,
                actor: &Actor,
            ) -> Result<$crate::sync::PushAnswer> {
                use $crate::sync::{PushAnswer, keyed};
                let key = match (&push.idempotency_key, push.dry_run) {
                    (Some(key), _) => {
                        $crate::sync::check_idempotency_key(key)?;
                        Some(key.as_str())
                    }
                    (None, true) => None,
                    (None, false) => {
                        return Err(StoreError::invalid(
                            "Idempotency-Key",
                            "a push needs one, the same for every retry of it",
                        ));
                    }
                };
                let mut tx = self.begin_write().await?;
                // Taking the registered region's row first keeps two pushes of
                // one region from comparing against the same stored rows.
                let registered: Option<String> = sqlx::query_scalar(
                    "UPDATE sync_regions SET name = name WHERE code = $1 RETURNING name",
                )
                .bind(&push.region)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(registered_name) = registered else {
                    return Err(StoreError::NotFound {
                        what: "registered region (its admin registers it here first with `pantau sync allow`)",
                        key: push.region.clone(),
                    });
                };
                if let (Some(key), false) = (key, push.dry_run) {
                    let stored = sqlx::query("SELECT body_sha256, answer FROM sync_receipts WHERE idempotency_key = $1")
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(stored) = stored {
                        let sha: String = stored.try_get("body_sha256")?;
                        if sha != push.body_sha256 {
                            return Err(StoreError::invalid(
                                "Idempotency-Key",
                                "was used already for a different push: send a new key with a new snapshot",
                            ));
                        }
                        let answer: String = stored.try_get("answer")?;
                        let mut answer: PushAnswer =
                            serde_json::from_str(&answer).map_err(|err| StoreError::Corrupt {
                                what: "sync_receipts.answer".into(),
                                detail: err.to_string(),
                            })?;
                        answer.replayed = true;
                        return Ok(answer);
                    }
                }

                let $crate::sync::Checked { kept: mut snapshot, conflicts, bad_entries, bad_nils } =
                    $crate::sync::check_snapshot(push, self.limits)?;
                // Region codes and names are defined here, never by a sender.
                snapshot.region.name = registered_name;
                let program = snapshot.programs[0].clone();
                let original = &push.snapshot.programs[0];

                // Keys of every row of the snapshot, refused ones included: a
                // refused row keeps the stored row of its key.
                let entry_keys = keyed(original.entries.iter(), |e| {
                    (e.target.clone(), e.activity_date, stored_moment(e.submitted_at.with_timezone(&Utc)))
                });
                let nil_keys = keyed(original.nil_reports.iter(), |n| {
                    (n.unit.clone(), n.date, stored_moment(n.submitted_at.with_timezone(&Utc)))
                });

                let region_id = Self::region_id(&mut tx, &push.region).await?;
                let program_id: Option<i64> = match region_id {
                    Some(region_id) => {
                        sqlx::query_scalar("SELECT id FROM programs WHERE region_id = $1 AND code = $2")
                            .bind(region_id)
                            .bind(&program.code)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    None => None,
                };
                let mut stored_entries: HashMap<$crate::sync::RowKey, $crate::sync::StoredEntry> = HashMap::new();
                let mut stored_nils: HashMap<$crate::sync::RowKey, (i64, Option<String>)> = HashMap::new();
                if let Some(program_id) = program_id {
                    let rows = sqlx::query(
                        "SELECT e.id, t.code AS target, e.activity_date, e.submitted_at, e.value, e.status, e.note \
                         FROM entries e JOIN targets t ON t.id = e.target_id WHERE t.program_id = $1 ORDER BY e.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut read = Vec::with_capacity(rows.len());
                    for row in rows {
                        let target: String = row.try_get("target")?;
                        let date: NaiveDate = row.try_get("activity_date")?;
                        let at: DateTime<Utc> = row.try_get("submitted_at")?;
                        let value: String = row.try_get("value")?;
                        read.push((target, date, at, $crate::sync::StoredEntry {
                            id: row.try_get("id")?,
                            value: decimal(&value, "entries.value")?.normalize().to_string(),
                            status: row.try_get("status")?,
                            note: row.try_get("note")?,
                        }));
                    }
                    for (key, (_, _, _, entry)) in keyed(read, |r| (r.0.clone(), r.1, r.2)) {
                        stored_entries.insert(key, entry);
                    }
                    let rows = sqlx::query(
                        "SELECT n.id, u.code AS unit, n.date, n.submitted_at, n.reason FROM nil_reports n \
                         JOIN units u ON u.id = n.unit_id WHERE n.program_id = $1 ORDER BY n.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut read = Vec::with_capacity(rows.len());
                    for row in rows {
                        let unit: String = row.try_get("unit")?;
                        let date: NaiveDate = row.try_get("date")?;
                        let at: DateTime<Utc> = row.try_get("submitted_at")?;
                        let id: i64 = row.try_get("id")?;
                        let reason: Option<String> = row.try_get("reason")?;
                        read.push((unit, date, at, (id, reason)));
                    }
                    for (key, (_, _, _, nil)) in keyed(read, |r| (r.0.clone(), r.1, r.2)) {
                        stored_nils.insert(key, nil);
                    }
                }

                let mut answer = PushAnswer {
                    region: push.region.clone(),
                    program: program.code.clone(),
                    dry_run: push.dry_run,
                    replayed: false,
                    imported: 0,
                    updated: 0,
                    unchanged: 0,
                    deleted: 0,
                    refused: bad_entries.len() + bad_nils.len(),
                    conflicts,
                    accepted_at: None,
                };

                // What to write, decided before anything is written.
                let mut entry_inserts = Vec::new();
                let mut entry_updates = Vec::new();
                let mut snapshot_entry_keys = HashSet::new();
                for (i, (key, entry)) in entry_keys.iter().enumerate() {
                    snapshot_entry_keys.insert(key.clone());
                    if bad_entries.binary_search(&i).is_ok() {
                        continue;
                    }
                    match stored_entries.get(key) {
                        None => entry_inserts.push(*entry),
                        Some(stored) => {
                            let same = stored.value == entry.value.normalize().to_string()
                                && stored.status == entry.status.code()
                                && stored.note == entry.note;
                            if same {
                                answer.unchanged += 1;
                            } else {
                                entry_updates.push((stored.id, *entry));
                            }
                        }
                    }
                }
                let entry_deletes: Vec<i64> = stored_entries
                    .iter()
                    .filter(|(key, _)| !snapshot_entry_keys.contains(*key))
                    .map(|(_, stored)| stored.id)
                    .collect();
                let mut nil_inserts = Vec::new();
                let mut nil_updates = Vec::new();
                let mut snapshot_nil_keys = HashSet::new();
                for (i, (key, nil)) in nil_keys.iter().enumerate() {
                    snapshot_nil_keys.insert(key.clone());
                    if bad_nils.binary_search(&i).is_ok() {
                        continue;
                    }
                    match stored_nils.get(key) {
                        None => nil_inserts.push(*nil),
                        Some((_, reason)) if *reason == nil.reason => answer.unchanged += 1,
                        Some((id, _)) => nil_updates.push((*id, *nil)),
                    }
                }
                let nil_deletes: Vec<i64> = stored_nils
                    .iter()
                    .filter(|(key, _)| !snapshot_nil_keys.contains(*key))
                    .map(|(_, (id, _))| *id)
                    .collect();
                answer.imported = entry_inserts.len() + nil_inserts.len();
                answer.updated = entry_updates.len() + nil_updates.len();
                answer.deleted = entry_deletes.len() + nil_deletes.len();

                if push.dry_run {
                    // Nothing written: the transaction ends unapplied.
                    return Ok(answer);
                }
                let now = stored_moment(Utc::now());
                answer.accepted_at = Some(now);

                // The plan first, rows aside: they are written below, by key.
                let mut plan_only = snapshot.clone();
                plan_only.programs[0].entries.clear();
                plan_only.programs[0].nil_reports.clear();
                let mut detail = serde_json::to_value(&answer).expect("an answer serializes");
                if let (Some(key), serde_json::Value::Object(fields)) = (key, &mut detail) {
                    fields.insert("idempotency_key".into(), key.into());
                }
                let record = NewAudit {
                    action: "sync_push".into(),
                    entity: "region".into(),
                    entity_id: Some(push.region.clone()),
                    before: None,
                    after: Some(detail),
                };
                self.import_tx(&mut tx, &plan_only, ImportMode::Merge, actor, Some(record), None)
                    .await?;
                let region_id = Self::region_id(&mut tx, &push.region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(push.region.clone()))?;
                let program_id: i64 =
                    sqlx::query_scalar("SELECT id FROM programs WHERE region_id = $1 AND code = $2")
                        .bind(region_id)
                        .bind(&program.code)
                        .fetch_one(&mut *tx)
                        .await?;
                let mut target_ids: HashMap<String, i64> = HashMap::new();
                for row in sqlx::query("SELECT id, code FROM targets WHERE program_id = $1")
                    .bind(program_id)
                    .fetch_all(&mut *tx)
                    .await?
                {
                    target_ids.insert(row.try_get("code")?, row.try_get("id")?);
                }
                let mut unit_ids: HashMap<String, i64> = HashMap::new();
                for row in sqlx::query("SELECT id, code FROM units WHERE region_id = $1")
                    .bind(region_id)
                    .fetch_all(&mut *tx)
                    .await?
                {
                    unit_ids.insert(row.try_get("code")?, row.try_get("id")?);
                }
                let lookup = |ids: &HashMap<String, i64>, code: &str, what: &str| {
                    ids.get(code).copied().ok_or_else(|| StoreError::Corrupt {
                        what: what.to_owned(),
                        detail: format!("\"{code}\" was merged but is not stored"),
                    })
                };

                for id in &entry_deletes {
                    sqlx::query("DELETE FROM entries WHERE id = $1 AND region_id = $2")
                        .bind(id)
                        .bind(region_id)
                        .execute(&mut *tx)
                        .await?;
                }
                for (id, entry) in &entry_updates {
                    sqlx::query("UPDATE entries SET value = $1, status = $2, note = $3 WHERE id = $4 AND region_id = $5")
                        .bind(entry.value.to_string())
                        .bind(entry.status.code())
                        .bind(&entry.note)
                        .bind(id)
                        .bind(region_id)
                        .execute(&mut *tx)
                        .await?;
                }
                for entry in &entry_inserts {
                    sqlx::query(
                        "INSERT INTO entries (region_id, target_id, activity_date, submitted_at, value, status, note, imported_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(region_id)
                    .bind(lookup(&target_ids, &entry.target, "targets")?)
                    .bind(entry.activity_date)
                    .bind(stored_moment(entry.submitted_at.with_timezone(&Utc)))
                    .bind(entry.value.to_string())
                    .bind(entry.status.code())
                    .bind(&entry.note)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                for id in &nil_deletes {
                    sqlx::query("DELETE FROM nil_reports WHERE id = $1 AND region_id = $2")
                        .bind(id)
                        .bind(region_id)
                        .execute(&mut *tx)
                        .await?;
                }
                for (id, nil) in &nil_updates {
                    sqlx::query("UPDATE nil_reports SET reason = $1 WHERE id = $2 AND region_id = $3")
                        .bind(&nil.reason)
                        .bind(id)
                        .bind(region_id)
                        .execute(&mut *tx)
                        .await?;
                }
                for nil in &nil_inserts {
                    sqlx::query(
                        "INSERT INTO nil_reports (region_id, program_id, unit_id, date, submitted_at, reason) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(region_id)
                    .bind(program_id)
                    .bind(lookup(&unit_ids, &nil.unit, "units")?)
                    .bind(nil.date)
                    .bind(stored_moment(nil.submitted_at.with_timezone(&Utc)))
                    .bind(&nil.reason)
                    .execute(&mut *tx)
                    .await?;
                }
                // The import above moved the plan version on: every cache
                // reloads this region whole, deletions included.

                if let Some(key) = key {
                    sqlx::query(
                        "INSERT INTO sync_receipts (idempotency_key, region_code, program_code, body_sha256, answer, received_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(key)
                    .bind(&push.region)
                    .bind(&program.code)
                    .bind(&push.body_sha256)
                    .bind(serde_json::to_string(&answer).expect("an answer serializes"))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE sync_regions SET last_push_at = $1, last_program = $2 WHERE code = $3")
                    .bind(now)
                    .bind(&program.code)
                    .bind(&push.region)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(answer)
            }

            async fn queue_push(&self, push: &$crate::sync::NewPush, now: DateTime<Utc>) -> Result<Id> {
                let now = stored_moment(now);
                let mut tx = self.begin_write().await?;
                // A complete snapshot makes an older undelivered one of the same program moot.
                sqlx::query(
                    "DELETE FROM sync_queue WHERE delivered_at IS NULL AND url = $1 AND region_code = $2 AND program_code = $3",
                )
                .bind(&push.url)
                .bind(&push.region)
                .bind(&push.program)
                .execute(&mut *tx)
                .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO sync_queue (url, token, region_code, program_code, idempotency_key, body, queued_at, next_attempt_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                )
                .bind(&push.url)
                .bind(&push.token)
                .bind(&push.region)
                .bind(&push.program)
                .bind(&push.idempotency_key)
                .bind(&push.body)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn waiting_pushes(&self) -> Result<Vec<$crate::sync::QueuedPush>> {
                let rows = sqlx::query(
                    "SELECT id, url, token, region_code, program_code, idempotency_key, body, queued_at, attempts, \
                     next_attempt_at, last_error, delivered_at FROM sync_queue WHERE delivered_at IS NULL ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok($crate::sync::QueuedPush {
                            id: row.try_get("id")?,
                            url: row.try_get("url")?,
                            token: row.try_get("token")?,
                            region: row.try_get("region_code")?,
                            program: row.try_get("program_code")?,
                            idempotency_key: row.try_get("idempotency_key")?,
                            body: row.try_get("body")?,
                            queued_at: row.try_get("queued_at")?,
                            attempts: row.try_get("attempts")?,
                            next_attempt_at: row.try_get("next_attempt_at")?,
                            last_error: row.try_get("last_error")?,
                            delivered_at: row.try_get("delivered_at")?,
                        })
                    })
                    .collect()
            }

            async fn push_delivered(&self, id: Id, answer: &str, now: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE sync_queue SET delivered_at = $1, answer = $2, attempts = attempts + 1, last_error = NULL WHERE id = $3")
                    .bind(stored_moment(now))
                    .bind(answer)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn push_failed(&self, id: Id, error: &str, next_attempt_at: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE sync_queue SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
                    .bind(error)
                    .bind(stored_moment(next_attempt_at))
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}
