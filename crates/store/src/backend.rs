//! The two implementations of [`Store`]. They share every SQL statement (both
//! engines take `$N` parameters, `ON CONFLICT ... DO UPDATE` and `RETURNING`),
//! so one macro body is instantiated once per backend; the migrations, which do
//! differ (types, identity columns), live in `migrations/sqlite` and
//! `migrations/postgres`.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use pantau_domain::bundle::{self, Bundle, EntryStatus, Kind, Polarity, Rupiah};
use rust_decimal::Decimal;
use sqlx::Row;

use crate::*;

fn decimal(text: &str, what: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|err| StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("\"{text}\": {err}"),
    })
}

fn opt_decimal(text: Option<String>, what: &str) -> Result<Option<Decimal>> {
    text.map(|t| decimal(&t, what)).transpose()
}

fn from_code<T: serde::de::DeserializeOwned>(code: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).map_err(|err| {
        StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("\"{code}\": {err}"),
        }
    })
}

fn corrupt(what: &str, code: &str) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("unknown code \"{code}\""),
    }
}

fn entry_status(code: &str) -> Result<EntryStatus> {
    EntryStatus::parse(code).ok_or_else(|| corrupt("entries.status", code))
}

/// Refuse a value the engine would refuse in a bundle (the domain's rule).
fn check_value(kind: &str, value: Decimal) -> Result<()> {
    let kind = Kind::parse(kind).ok_or_else(|| corrupt("targets.kind", kind))?;
    pantau_domain::rules::check_entry_value(kind, value)
        .map_err(|problem| StoreError::invalid("value", problem.to_string()))
}

fn to_code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        other => unreachable!("enums serialize to strings, got {other:?}"),
    }
}

fn amount(value: Rupiah, field: &str) -> Result<i64> {
    i64::try_from(value.0)
        .map_err(|_| StoreError::invalid(field, format!("{value} is too large to store")))
}

fn rupiah(value: i64, what: &str) -> Result<Rupiah> {
    u128::try_from(value)
        .map(Rupiah)
        .map_err(|_| StoreError::Corrupt {
            what: what.to_owned(),
            detail: format!("negative amount {value}"),
        })
}

fn json_text(value: &Option<serde_json::Value>) -> Option<String> {
    value.as_ref().map(|v| v.to_string())
}

fn parse_json(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

const ENTRY_SELECT: &str = "SELECT e.id, p.code AS program, t.code AS target, t.name AS target_name, \
     u.code AS unit, c.code AS cluster, e.activity_date, e.submitted_at, e.value, e.status, e.note, \
     e.return_reason, ru.username AS reviewed_by \
     FROM entries e JOIN regions r ON r.id = e.region_id JOIN targets t ON t.id = e.target_id \
     JOIN programs p ON p.id = t.program_id JOIN units u ON u.id = t.unit_id \
     LEFT JOIN clusters c ON c.id = u.cluster_id LEFT JOIN users ru ON ru.id = e.reviewed_by";

fn entry_row<R: Row>(row: &R) -> Result<EntryRow>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> NaiveDate: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let value: String = row.try_get("value")?;
    let status: String = row.try_get("status")?;
    Ok(EntryRow {
        id: row.try_get("id")?,
        program: row.try_get("program")?,
        target: row.try_get("target")?,
        target_name: row.try_get("target_name")?,
        unit: row.try_get("unit")?,
        cluster: row.try_get("cluster")?,
        activity_date: row.try_get("activity_date")?,
        submitted_at: row.try_get("submitted_at")?,
        value: decimal(&value, "entries.value")?,
        status: entry_status(&status)?,
        note: row.try_get("note")?,
        return_reason: row.try_get("return_reason")?,
        reviewed_by: row.try_get("reviewed_by")?,
    })
}

const EVIDENCE_SELECT: &str = "SELECT v.id, v.entry_id, v.file_name, v.content_type, v.size_bytes, \
     v.stored_path FROM evidence v JOIN regions r ON r.id = v.region_id";

fn evidence_row<R: Row>(row: &R) -> Result<EvidenceRow>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(EvidenceRow {
        id: row.try_get("id")?,
        entry_id: row.try_get("entry_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        stored_path: row.try_get("stored_path")?,
    })
}

/// Moments are kept to the microsecond, PostgreSQL's precision, on both backends.
fn stored_moment(moment: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    moment.trunc_subsecs(6)
}

/// Key that identifies an entry already present when merging an import.
type EntryKey = (i64, NaiveDate, DateTime<Utc>, String);

macro_rules! store_impl {
    ($store:ident, $db:ty, $pool:ty, $backend:expr, $migrator:expr) => {
        pub struct $store {
            pool: $pool,
        }

        impl $store {
            pub fn from_pool(pool: $pool) -> Self {
                $store { pool }
            }

            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            async fn region_id(
                conn: &mut <$db as sqlx::Database>::Connection,
                code: &str,
            ) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar("SELECT id FROM regions WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *conn)
                    .await?)
            }

            async fn append_audit_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: Option<i64>,
                actor: &Actor,
                record: &NewAudit,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (region_id, at, actor, action, entity, entity_id, before_value, after_value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(region_id)
                .bind(Utc::now())
                .bind(&actor.label)
                .bind(&record.action)
                .bind(&record.entity)
                .bind(&record.entity_id)
                .bind(json_text(&record.before))
                .bind(json_text(&record.after))
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Mark the region changed, in the transaction that changes it.
            async fn bump_version(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                plan_changed: bool,
            ) -> Result<()> {
                let sql = if plan_changed {
                    "UPDATE regions SET plan_version = plan_version + 1, data_version = data_version + 1 WHERE id = $1"
                } else {
                    "UPDATE regions SET data_version = data_version + 1 WHERE id = $1"
                };
                sqlx::query(sql).bind(region_id).execute(&mut *conn).await?;
                Ok(())
            }

            /// Insert or update a coded row (`code`, `name`, `position`) and return its id.
            async fn upsert_named(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &str,
                region_id: i64,
                code: &str,
                name: &str,
                position: usize,
            ) -> Result<i64> {
                let sql = format!(
                    "INSERT INTO {table} (region_id, code, name, position) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (region_id, code) DO UPDATE SET name = excluded.name, position = excluded.position \
                     RETURNING id"
                );
                Ok(sqlx::query_scalar(&sql)
                    .bind(region_id)
                    .bind(code)
                    .bind(name)
                    .bind(position as i32)
                    .fetch_one(&mut *conn)
                    .await?)
            }

            async fn entry_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                id: Id,
            ) -> Result<Option<EntryRow>> {
                let sql = format!("{ENTRY_SELECT} WHERE r.code = $1 AND e.id = $2");
                let row = sqlx::query(&sql).bind(region).bind(id).fetch_optional(&mut *conn).await?;
                row.as_ref().map(entry_row).transpose()
            }

            /// Record an evidence file of an entry of the region, with its audit record.
            async fn add_evidence_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                evidence: &NewEvidence,
                actor: &Actor,
            ) -> Result<Id> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO evidence (region_id, entry_id, file_name, content_type, size_bytes, stored_path) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(region_id)
                .bind(evidence.entry_id)
                .bind(&evidence.file_name)
                .bind(&evidence.content_type)
                .bind(evidence.size_bytes)
                .bind(&evidence.stored_path)
                .fetch_one(&mut *conn)
                .await?;
                let record = NewAudit {
                    action: "create".into(),
                    entity: "evidence".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::to_value(evidence).expect("evidence serializes")),
                };
                Self::append_audit_in(conn, Some(region_id), actor, &record).await?;
                Ok(id)
            }

            /// The entry as it stands, if the region has it and it may still change.
            async fn entry_for_change(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                id: Id,
            ) -> Result<(i64, EntryRow)> {
                let entry = Self::entry_in(conn, region, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "entry", key: id.to_string() })?;
                if entry.status == EntryStatus::Verified {
                    return Err(StoreError::EntryLocked(id));
                }
                let region_id = Self::region_id(conn, region).await?.expect("the entry's region exists");
                Ok((region_id, entry))
            }

            /// Validate and write a bundle in one transaction with one audit
            /// record: `record`, or an import summary.
            async fn import_in(
                &self,
                bundle: &Bundle,
                mode: ImportMode,
                actor: &Actor,
                record: Option<NewAudit>,
            ) -> Result<ImportSummary> {
                pantau_domain::validate(bundle)?;
                let mut tx = self.begin_write().await?;
                let code = &bundle.region.code;
                let timezone = bundle
                    .region
                    .timezone
                    .clone()
                    .unwrap_or_else(|| pantau_domain::validate::DEFAULT_TIMEZONE.name().to_owned());
                let existing = Self::region_id(&mut tx, code).await?;
                if existing.is_some() && mode == ImportMode::NewRegion {
                    return Err(StoreError::RegionExists(code.clone()));
                }
                let margin = bundle.budget_flag_margin.map(|m| m.to_string());
                let region_id: i64 = match existing {
                    Some(id) => {
                        sqlx::query("UPDATE regions SET name = $1, timezone = $2, budget_flag_margin = $3 WHERE id = $4")
                            .bind(&bundle.region.name)
                            .bind(&timezone)
                            .bind(&margin)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        id
                    }
                    None => {
                        sqlx::query_scalar(
                            "INSERT INTO regions (code, name, timezone, budget_flag_margin) VALUES ($1, $2, $3, $4) RETURNING id",
                        )
                        .bind(code)
                        .bind(&bundle.region.name)
                        .bind(&timezone)
                        .bind(&margin)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };

                let mut cluster_ids = HashMap::new();
                for (i, cluster) in bundle.clusters.iter().enumerate() {
                    let id = Self::upsert_named(&mut tx, "clusters", region_id, &cluster.code, &cluster.name, i).await?;
                    cluster_ids.insert(cluster.code.as_str(), id);
                }
                let mut priority_ids = HashMap::new();
                for (i, priority) in bundle.priorities.iter().enumerate() {
                    let id =
                        Self::upsert_named(&mut tx, "priorities", region_id, &priority.code, &priority.name, i).await?;
                    priority_ids.insert(priority.code.as_str(), id);
                }
                let mut unit_ids = HashMap::new();
                for (i, unit) in bundle.units.iter().enumerate() {
                    let cluster_id = unit.cluster.as_deref().and_then(|c| cluster_ids.get(c).copied());
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO units (region_id, code, name, cluster_id, position) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (region_id, code) DO UPDATE SET name = excluded.name, \
                         cluster_id = excluded.cluster_id, position = excluded.position RETURNING id",
                    )
                    .bind(region_id)
                    .bind(&unit.code)
                    .bind(&unit.name)
                    .bind(cluster_id)
                    .bind(i as i32)
                    .fetch_one(&mut *tx)
                    .await?;
                    unit_ids.insert(unit.code.as_str(), id);
                }

                let mut summary = ImportSummary {
                    region: code.clone(),
                    created: existing.is_none(),
                    units: bundle.units.len(),
                    programs: bundle.programs.len(),
                    targets: 0,
                    entries_added: 0,
                    nil_reports_added: 0,
                    budgets: bundle.budgets.len(),
                };
                for (p, program) in bundle.programs.iter().enumerate() {
                    let thresholds = program.thresholds;
                    let program_id: i64 = sqlx::query_scalar(
                        "INSERT INTO programs (region_id, code, name, start_date, end_date, timezone, evaluation_weekday, \
                         deadline_time, final_deadline, on_track, at_risk, position) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (region_id, code) DO UPDATE SET name = excluded.name, start_date = excluded.start_date, \
                         end_date = excluded.end_date, timezone = excluded.timezone, \
                         evaluation_weekday = excluded.evaluation_weekday, deadline_time = excluded.deadline_time, \
                         final_deadline = excluded.final_deadline, on_track = excluded.on_track, \
                         at_risk = excluded.at_risk, position = excluded.position RETURNING id",
                    )
                    .bind(region_id)
                    .bind(&program.code)
                    .bind(&program.name)
                    .bind(program.start)
                    .bind(program.end)
                    .bind(&program.timezone)
                    .bind(program.evaluation_weekday.map(|w| to_code(&w)))
                    .bind(&program.deadline_time)
                    .bind(program.final_deadline.map(|t| t.with_timezone(&Utc)))
                    .bind(thresholds.map(|t| t.on_track.to_string()))
                    .bind(thresholds.map(|t| t.at_risk.to_string()))
                    .bind(p as i32)
                    .fetch_one(&mut *tx)
                    .await?;

                    let mut target_ids = HashMap::new();
                    for (t, target) in program.targets.iter().enumerate() {
                        let plan = target
                            .plan
                            .as_ref()
                            .map(|plan| serde_json::to_string(plan).expect("plan points serialize"));
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO targets (region_id, program_id, code, unit_id, priority_id, name, measure, kind, \
                             polarity, baseline, target, due, plan, position) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                             ON CONFLICT (program_id, code) DO UPDATE SET unit_id = excluded.unit_id, \
                             priority_id = excluded.priority_id, name = excluded.name, measure = excluded.measure, \
                             kind = excluded.kind, polarity = excluded.polarity, baseline = excluded.baseline, \
                             target = excluded.target, due = excluded.due, plan = excluded.plan, \
                             position = excluded.position RETURNING id",
                        )
                        .bind(region_id)
                        .bind(program_id)
                        .bind(&target.code)
                        .bind(unit_ids[target.unit.as_str()])
                        .bind(target.priority.as_deref().map(|c| priority_ids[c]))
                        .bind(&target.name)
                        .bind(&target.measure)
                        .bind(target.kind.code())
                        .bind(target.polarity.code())
                        .bind(target.baseline.map(|d| d.to_string()))
                        .bind(target.target.map(|d| d.to_string()))
                        .bind(target.due)
                        .bind(plan)
                        .bind(t as i32)
                        .fetch_one(&mut *tx)
                        .await?;
                        target_ids.insert(target.code.as_str(), id);
                    }
                    summary.targets += program.targets.len();

                    let mut present: HashSet<EntryKey> = HashSet::new();
                    if existing.is_some() {
                        let rows = sqlx::query(
                            "SELECT e.target_id, e.activity_date, e.submitted_at, e.value FROM entries e \
                             JOIN targets t ON t.id = e.target_id WHERE t.program_id = $1",
                        )
                        .bind(program_id)
                        .fetch_all(&mut *tx)
                        .await?;
                        for row in rows {
                            let value: String = row.try_get("value")?;
                            present.insert((
                                row.try_get("target_id")?,
                                row.try_get("activity_date")?,
                                row.try_get("submitted_at")?,
                                decimal(&value, "entries.value")?.normalize().to_string(),
                            ));
                        }
                    }
                    for entry in &program.entries {
                        let target_id = target_ids[entry.target.as_str()];
                        let submitted_at = stored_moment(entry.submitted_at.with_timezone(&Utc));
                        let key = (target_id, entry.activity_date, submitted_at, entry.value.normalize().to_string());
                        // Only rows already stored are skipped: a bundle may hold equal entries.
                        if present.contains(&key) {
                            continue;
                        }
                        sqlx::query(
                            "INSERT INTO entries (region_id, target_id, activity_date, submitted_at, value, status, note) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(region_id)
                        .bind(target_id)
                        .bind(entry.activity_date)
                        .bind(submitted_at)
                        .bind(entry.value.to_string())
                        .bind(entry.status.code())
                        .bind(&entry.note)
                        .execute(&mut *tx)
                        .await?;
                        summary.entries_added += 1;
                    }

                    let mut present_nil: HashSet<(i64, NaiveDate, DateTime<Utc>)> = HashSet::new();
                    if existing.is_some() {
                        let rows = sqlx::query("SELECT unit_id, date, submitted_at FROM nil_reports WHERE program_id = $1")
                            .bind(program_id)
                            .fetch_all(&mut *tx)
                            .await?;
                        for row in rows {
                            present_nil.insert((row.try_get("unit_id")?, row.try_get("date")?, row.try_get("submitted_at")?));
                        }
                    }
                    for nil in &program.nil_reports {
                        let unit_id = unit_ids[nil.unit.as_str()];
                        let submitted_at = stored_moment(nil.submitted_at.with_timezone(&Utc));
                        if present_nil.contains(&(unit_id, nil.date, submitted_at)) {
                            continue;
                        }
                        sqlx::query(
                            "INSERT INTO nil_reports (region_id, program_id, unit_id, date, submitted_at, reason) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(region_id)
                        .bind(program_id)
                        .bind(unit_id)
                        .bind(nil.date)
                        .bind(submitted_at)
                        .bind(&nil.reason)
                        .execute(&mut *tx)
                        .await?;
                        summary.nil_reports_added += 1;
                    }
                }

                for (b, budget) in bundle.budgets.iter().enumerate() {
                    let budget_id: i64 = sqlx::query_scalar(
                        "INSERT INTO budgets (region_id, unit_id, year, pagu) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (unit_id, year) DO UPDATE SET pagu = excluded.pagu RETURNING id",
                    )
                    .bind(region_id)
                    .bind(unit_ids[budget.unit.as_str()])
                    .bind(budget.year)
                    .bind(amount(budget.pagu, &format!("budgets[{b}].pagu"))?)
                    .fetch_one(&mut *tx)
                    .await?;
                    for (m, month) in budget.months.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO budget_months (budget_id, month, planned, realised, physical_pct) \
                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (budget_id, month) DO UPDATE SET \
                             planned = excluded.planned, realised = excluded.realised, physical_pct = excluded.physical_pct",
                        )
                        .bind(budget_id)
                        .bind(month.month as i32)
                        .bind(amount(month.planned, &format!("budgets[{b}].months[{m}].planned"))?)
                        .bind(amount(month.realised, &format!("budgets[{b}].months[{m}].realised"))?)
                        .bind(month.physical_pct.map(|d| d.to_string()))
                        .execute(&mut *tx)
                        .await?;
                    }
                }

                let record = record.unwrap_or_else(|| NewAudit {
                    action: "import".into(),
                    entity: "region".into(),
                    entity_id: Some(code.clone()),
                    before: None,
                    after: Some(serde_json::to_value(&summary).expect("a summary serializes")),
                });
                Self::bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(summary)
            }

            /// Users with their clusters in one query (one row per cluster), since
            /// every request of a logged-in user reads its account.
            async fn user_rows(&self, filter: &str, arg: &str) -> Result<Vec<User>> {
                let sql = format!(
                    "SELECT u.id, r.code AS region, u.username, u.display_name, u.email, u.password_hash, u.role, \
                            un.code AS unit, u.disabled, u.created_at, u.full_name, u.nip, c.code AS cluster \
                     FROM users u JOIN regions r ON r.id = u.region_id LEFT JOIN units un ON un.id = u.unit_id \
                     LEFT JOIN user_clusters uc ON uc.user_id = u.id LEFT JOIN clusters c ON c.id = uc.cluster_id \
                     WHERE {filter} ORDER BY u.username, c.position"
                );
                let rows = sqlx::query(&sql).bind(arg).fetch_all(&self.pool).await?;
                let mut users: Vec<User> = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: i64 = row.try_get("id")?;
                    let cluster: Option<String> = row.try_get("cluster")?;
                    if let Some(user) = users.last_mut().filter(|u| u.id == id) {
                        user.clusters.extend(cluster);
                        continue;
                    }
                    let role: String = row.try_get("role")?;
                    users.push(User {
                        id,
                        region: row.try_get("region")?,
                        username: row.try_get("username")?,
                        display_name: row.try_get("display_name")?,
                        email: row.try_get("email")?,
                        password_hash: row.try_get("password_hash")?,
                        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                            what: "users.role".into(),
                            detail: role.clone(),
                        })?,
                        unit: row.try_get("unit")?,
                        clusters: cluster.into_iter().collect(),
                        disabled: row.try_get("disabled")?,
                        created_at: row.try_get("created_at")?,
                        full_name: row.try_get("full_name")?,
                        nip: row.try_get("nip")?,
                    });
                }
                Ok(users)
            }

            async fn update_user(
                &self,
                username: &str,
                set: &str,
                bind: impl for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send,
                actor: &Actor,
                record: NewAudit,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let region_id: Option<i64> =
                    sqlx::query_scalar("SELECT region_id FROM users WHERE username = $1")
                        .bind(username)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(region_id) = region_id else {
                    return Err(StoreError::UnknownUser(username.to_owned()));
                };
                sqlx::query(&format!("UPDATE users SET {set} = $1 WHERE username = $2"))
                    .bind(bind)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn import_bundle(
                &self,
                bundle: &Bundle,
                mode: ImportMode,
                actor: &Actor,
            ) -> Result<ImportSummary> {
                self.import_in(bundle, mode, actor, None).await
            }

            async fn apply_plan_change(&self, bundle: &Bundle, actor: &Actor, record: NewAudit) -> Result<()> {
                self.import_in(bundle, ImportMode::Merge, actor, Some(record)).await.map(|_| ())
            }

            async fn region_bundle(&self, code: &str) -> Result<Bundle> {
                let mut conn = self.pool.acquire().await?;
                let region = sqlx::query("SELECT id, name, timezone, budget_flag_margin FROM regions WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(code.to_owned()))?;
                let region_id: i64 = region.try_get("id")?;
                let timezone: String = region.try_get("timezone")?;
                let tz: chrono_tz::Tz = timezone.parse().map_err(|_| StoreError::Corrupt {
                    what: "regions.timezone".into(),
                    detail: timezone.clone(),
                })?;

                let clusters = sqlx::query("SELECT code, name FROM clusters WHERE region_id = $1 ORDER BY position, id")
                    .bind(region_id)
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|row| {
                        Ok(bundle::Cluster {
                            code: row.try_get("code")?,
                            name: row.try_get("name")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let units = sqlx::query(
                    "SELECT u.code, u.name, c.code AS cluster FROM units u LEFT JOIN clusters c ON c.id = u.cluster_id \
                     WHERE u.region_id = $1 ORDER BY u.position, u.id",
                )
                .bind(region_id)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|row| {
                    Ok(bundle::Unit {
                        code: row.try_get("code")?,
                        name: row.try_get("name")?,
                        cluster: row.try_get("cluster")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
                let priorities =
                    sqlx::query("SELECT code, name FROM priorities WHERE region_id = $1 ORDER BY position, id")
                        .bind(region_id)
                        .fetch_all(&mut *conn)
                        .await?
                        .into_iter()
                        .map(|row| {
                            Ok(bundle::Priority {
                                code: row.try_get("code")?,
                                name: row.try_get("name")?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;

                let program_rows = sqlx::query(
                    "SELECT id, code, name, start_date, end_date, timezone, evaluation_weekday, deadline_time, \
                     final_deadline, on_track, at_risk FROM programs WHERE region_id = $1 ORDER BY position, id",
                )
                .bind(region_id)
                .fetch_all(&mut *conn)
                .await?;
                let mut programs = Vec::with_capacity(program_rows.len());
                for row in program_rows {
                    let program_id: i64 = row.try_get("id")?;
                    let program_tz: Option<String> = row.try_get("timezone")?;
                    let local = program_tz
                        .as_deref()
                        .and_then(|name| name.parse::<chrono_tz::Tz>().ok())
                        .unwrap_or(tz);
                    let at_local = |t: DateTime<Utc>| t.with_timezone(&local).fixed_offset();
                    let weekday: Option<String> = row.try_get("evaluation_weekday")?;
                    let on_track: Option<String> = row.try_get("on_track")?;
                    let at_risk: Option<String> = row.try_get("at_risk")?;
                    let thresholds = match (on_track, at_risk) {
                        (Some(on), Some(at)) => Some(bundle::Thresholds {
                            on_track: decimal(&on, "programs.on_track")?,
                            at_risk: decimal(&at, "programs.at_risk")?,
                        }),
                        _ => None,
                    };
                    let final_deadline: Option<DateTime<Utc>> = row.try_get("final_deadline")?;

                    let target_rows = sqlx::query(
                        "SELECT t.id, t.code, u.code AS unit, p.code AS priority, t.name, t.measure, t.kind, t.polarity, \
                         t.baseline, t.target, t.due, t.plan FROM targets t JOIN units u ON u.id = t.unit_id \
                         LEFT JOIN priorities p ON p.id = t.priority_id WHERE t.program_id = $1 ORDER BY t.position, t.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *conn)
                    .await?;
                    let mut targets = Vec::with_capacity(target_rows.len());
                    let mut target_codes = HashMap::new();
                    for row in target_rows {
                        let kind: String = row.try_get("kind")?;
                        let polarity: String = row.try_get("polarity")?;
                        let plan: Option<String> = row.try_get("plan")?;
                        let code: String = row.try_get("code")?;
                        target_codes.insert(row.try_get::<i64, _>("id")?, code.clone());
                        targets.push(bundle::Target {
                            code,
                            unit: row.try_get("unit")?,
                            priority: row.try_get("priority")?,
                            name: row.try_get("name")?,
                            measure: row.try_get("measure")?,
                            kind: Kind::parse(&kind).ok_or_else(|| corrupt("targets.kind", &kind))?,
                            polarity: Polarity::parse(&polarity).ok_or_else(|| corrupt("targets.polarity", &polarity))?,
                            baseline: opt_decimal(row.try_get("baseline")?, "targets.baseline")?,
                            target: opt_decimal(row.try_get("target")?, "targets.target")?,
                            due: row.try_get("due")?,
                            plan: plan
                                .map(|p| serde_json::from_str(&p))
                                .transpose()
                                .map_err(|err| StoreError::Corrupt {
                                    what: "targets.plan".into(),
                                    detail: err.to_string(),
                                })?,
                        });
                    }

                    let entry_rows = sqlx::query(
                        "SELECT e.target_id, e.activity_date, e.submitted_at, e.value, e.status, e.note FROM entries e \
                         JOIN targets t ON t.id = e.target_id WHERE t.program_id = $1 ORDER BY e.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *conn)
                    .await?;
                    let mut entries = Vec::with_capacity(entry_rows.len());
                    for row in entry_rows {
                        let target_id: i64 = row.try_get("target_id")?;
                        let value: String = row.try_get("value")?;
                        let status: String = row.try_get("status")?;
                        entries.push(bundle::Entry {
                            target: target_codes[&target_id].clone(),
                            activity_date: row.try_get("activity_date")?,
                            submitted_at: at_local(row.try_get("submitted_at")?),
                            value: decimal(&value, "entries.value")?,
                            status: entry_status(&status)?,
                            note: row.try_get("note")?,
                        });
                    }
                    let nil_reports = sqlx::query(
                        "SELECT u.code AS unit, n.date, n.submitted_at, n.reason FROM nil_reports n \
                         JOIN units u ON u.id = n.unit_id WHERE n.program_id = $1 ORDER BY n.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|row| {
                        Ok(bundle::NilReport {
                            unit: row.try_get("unit")?,
                            date: row.try_get("date")?,
                            submitted_at: at_local(row.try_get("submitted_at")?),
                            reason: row.try_get("reason")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;

                    programs.push(bundle::Program {
                        code: row.try_get("code")?,
                        name: row.try_get("name")?,
                        start: row.try_get("start_date")?,
                        end: row.try_get("end_date")?,
                        timezone: program_tz,
                        evaluation_weekday: weekday
                            .map(|w| from_code(&w, "programs.evaluation_weekday"))
                            .transpose()?,
                        deadline_time: row.try_get("deadline_time")?,
                        final_deadline: final_deadline.map(at_local),
                        thresholds,
                        targets,
                        entries,
                        nil_reports,
                    });
                }

                let budget_rows = sqlx::query(
                    "SELECT b.id, u.code AS unit, b.year, b.pagu FROM budgets b JOIN units u ON u.id = b.unit_id \
                     WHERE b.region_id = $1 ORDER BY b.id",
                )
                .bind(region_id)
                .fetch_all(&mut *conn)
                .await?;
                let mut budgets = Vec::with_capacity(budget_rows.len());
                for row in budget_rows {
                    let budget_id: i64 = row.try_get("id")?;
                    let months = sqlx::query(
                        // Returned months do not count (budgets.rs): the engine never sees them.
                        "SELECT month, planned, realised, physical_pct FROM budget_months WHERE budget_id = $1 AND status <> 'returned' ORDER BY month",
                    )
                    .bind(budget_id)
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|m| {
                        Ok(bundle::BudgetMonth {
                            month: m.try_get::<i32, _>("month")? as u32,
                            planned: rupiah(m.try_get("planned")?, "budget_months.planned")?,
                            realised: rupiah(m.try_get("realised")?, "budget_months.realised")?,
                            physical_pct: opt_decimal(m.try_get("physical_pct")?, "budget_months.physical_pct")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                    budgets.push(bundle::Budget {
                        unit: row.try_get("unit")?,
                        year: row.try_get("year")?,
                        pagu: rupiah(row.try_get("pagu")?, "budgets.pagu")?,
                        months,
                    });
                }
                let margin: Option<String> = region.try_get("budget_flag_margin")?;

                Ok(Bundle {
                    format: bundle::FORMAT.to_owned(),
                    region: bundle::RegionInfo {
                        code: code.to_owned(),
                        name: region.try_get("name")?,
                        timezone: Some(timezone),
                    },
                    clusters,
                    units,
                    priorities,
                    programs,
                    budget_flag_margin: opt_decimal(margin, "regions.budget_flag_margin")?,
                    budgets,
                })
            }

            async fn regions(&self) -> Result<Vec<RegionRow>> {
                let rows = sqlx::query("SELECT code, name, timezone FROM regions ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok(RegionRow {
                            code: row.try_get("code")?,
                            name: row.try_get("name")?,
                            timezone: row.try_get("timezone")?,
                        })
                    })
                    .collect()
            }

            async fn region_version(&self, region: &str) -> Result<RegionVersion> {
                let row = sqlx::query("SELECT plan_version, data_version FROM regions WHERE code = $1")
                    .bind(region)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                Ok(RegionVersion {
                    plan: row.try_get("plan_version")?,
                    data: row.try_get("data_version")?,
                })
            }

            async fn create_user_with_profile(&self, user: &NewUser, profile: &UserProfile, actor: &Actor) -> Result<Id> {
                if user.username.trim().is_empty() {
                    return Err(StoreError::invalid("username", "must not be empty"));
                }
                let profile = profile.checked()?;
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, &user.region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(user.region.clone()))?;
                let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                    .bind(&user.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(StoreError::UsernameTaken(user.username.clone()));
                }
                let unit_id: Option<i64> = match (&user.unit, user.role) {
                    (Some(unit), _) => Some(
                        sqlx::query_scalar("SELECT id FROM units WHERE region_id = $1 AND code = $2")
                            .bind(region_id)
                            .bind(unit)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::invalid("unit", format!("no unit \"{unit}\" in region {}", user.region)))?,
                    ),
                    (None, Role::Operator) => {
                        return Err(StoreError::invalid("unit", "an operator reports for one unit: name it"));
                    }
                    (None, _) => None,
                };
                if user.role == Role::Evaluator && user.clusters.is_empty() {
                    return Err(StoreError::invalid("clusters", "an evaluator evaluates at least one cluster"));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (region_id, username, display_name, email, password_hash, role, unit_id, disabled, \
                     created_at, full_name, nip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(region_id)
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(user.role.code())
                .bind(unit_id)
                .bind(false)
                .bind(Utc::now())
                .bind(&profile.full_name)
                .bind(&profile.nip)
                .fetch_one(&mut *tx)
                .await?;
                let mut clusters = user.clusters.clone();
                clusters.sort();
                clusters.dedup();
                for cluster in &clusters {
                    let cluster_id: i64 = sqlx::query_scalar("SELECT id FROM clusters WHERE region_id = $1 AND code = $2")
                        .bind(region_id)
                        .bind(cluster)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| {
                            StoreError::invalid("clusters", format!("no cluster \"{cluster}\" in region {}", user.region))
                        })?;
                    sqlx::query("INSERT INTO user_clusters (user_id, cluster_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(cluster_id)
                        .execute(&mut *tx)
                        .await?;
                }
                let mut after = serde_json::json!({
                    "username": user.username, "display_name": user.display_name, "email": user.email,
                    "role": user.role, "unit": user.unit, "clusters": user.clusters,
                });
                if profile != UserProfile::default() {
                    after["full_name"] = serde_json::json!(profile.full_name);
                    after["nip"] = serde_json::json!(profile.nip);
                }
                let record = NewAudit {
                    action: "create".into(),
                    entity: "user".into(),
                    entity_id: Some(user.username.clone()),
                    before: None,
                    after: Some(after),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn set_user_profile(
                &self,
                region: &str,
                username: &str,
                profile: &UserProfile,
                actor: &Actor,
            ) -> Result<()> {
                let profile = profile.checked()?;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT u.id, u.region_id, u.full_name, u.nip FROM users u JOIN regions r ON r.id = u.region_id \
                     WHERE r.code = $1 AND u.username = $2",
                )
                .bind(region)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?;
                let before = UserProfile {
                    full_name: row.try_get("full_name")?,
                    nip: row.try_get("nip")?,
                };
                sqlx::query("UPDATE users SET full_name = $1, nip = $2 WHERE id = $3")
                    .bind(&profile.full_name)
                    .bind(&profile.nip)
                    .bind(row.try_get::<i64, _>("id")?)
                    .execute(&mut *tx)
                    .await?;
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user.profile".into(),
                    entity_id: Some(username.to_owned()),
                    before: Some(serde_json::to_value(&before).expect("a profile serializes")),
                    after: Some(serde_json::to_value(&profile).expect("a profile serializes")),
                };
                Self::append_audit_in(&mut tx, Some(row.try_get("region_id")?), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                Ok(self.user_rows("u.username = $1", username).await?.pop())
            }

            async fn users(&self, region: &str) -> Result<Vec<User>> {
                self.user_rows("r.code = $1", region).await
            }

            async fn set_password_hash(&self, username: &str, hash: &str, actor: &Actor) -> Result<()> {
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user.password".into(),
                    entity_id: Some(username.to_owned()),
                    before: None,
                    after: None,
                };
                self.update_user(username, "password_hash", hash.to_owned(), actor, record).await
            }

            async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
                let before = self
                    .user_by_username(username)
                    .await?
                    .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?
                    .disabled;
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "user.disabled".into(),
                    entity_id: Some(username.to_owned()),
                    before: Some(serde_json::Value::Bool(before)),
                    after: Some(serde_json::Value::Bool(disabled)),
                };
                self.update_user(username, "disabled", disabled, actor, record).await
            }

            async fn create_api_token(&self, username: &str, name: &str, actor: &Actor) -> Result<String> {
                let user = self
                    .user_by_username(username)
                    .await?
                    .ok_or_else(|| StoreError::UnknownUser(username.to_owned()))?;
                let token = crate::password::generate_token();
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(user.id)
                    .bind(name)
                    .bind(crate::password::token_hash(&token))
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?;
                let region_id = Self::region_id(&mut tx, &user.region).await?;
                let record = NewAudit {
                    action: "create".into(),
                    entity: "api_token".into(),
                    entity_id: Some(username.to_owned()),
                    before: None,
                    after: Some(serde_json::json!({"name": name})),
                };
                Self::append_audit_in(&mut tx, region_id, actor, &record).await?;
                tx.commit().await?;
                Ok(token)
            }

            async fn user_by_api_token(&self, token: &str) -> Result<Option<User>> {
                let username: Option<String> = sqlx::query_scalar(
                    "SELECT u.username FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
                )
                .bind(crate::password::token_hash(token))
                .fetch_optional(&self.pool)
                .await?;
                match username {
                    Some(username) => self.user_by_username(&username).await,
                    None => Ok(None),
                }
            }

            async fn append_audit(&self, region: Option<&str>, actor: &Actor, record: NewAudit) -> Result<()> {
                let mut conn = self.pool.acquire().await?;
                let region_id = match region {
                    Some(code) => Some(
                        Self::region_id(&mut conn, code)
                            .await?
                            .ok_or_else(|| StoreError::UnknownRegion(code.to_owned()))?,
                    ),
                    None => None,
                };
                Self::append_audit_in(&mut conn, region_id, actor, &record).await
            }

            async fn create_entry_with_evidence(
                &self,
                region: &str,
                entry: &NewEntry,
                evidence: &[EvidenceFile],
                actor: &Actor,
            ) -> Result<CreatedEntry> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT t.id, t.region_id, t.kind FROM targets t JOIN programs p ON p.id = t.program_id \
                     JOIN regions r ON r.id = t.region_id WHERE r.code = $1 AND p.code = $2 AND t.code = $3",
                )
                .bind(region)
                .bind(&entry.program)
                .bind(&entry.target)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "target",
                    key: format!("{}/{}", entry.program, entry.target),
                })?;
                let target_id: i64 = row.try_get("id")?;
                let region_id: i64 = row.try_get("region_id")?;
                check_value(&row.try_get::<String, _>("kind")?, entry.value)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO entries (region_id, target_id, activity_date, submitted_at, value, status, note, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(region_id)
                .bind(target_id)
                .bind(entry.activity_date)
                .bind(stored_moment(entry.submitted_at))
                .bind(entry.value.to_string())
                .bind(EntryStatus::Submitted.code())
                .bind(&entry.note)
                .bind(actor.user_id)
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "submit".into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "program": entry.program, "target": entry.target, "activity_date": entry.activity_date,
                        "value": entry.value.to_string(), "note": entry.note, "status": EntryStatus::Submitted.code(),
                    })),
                };
                Self::bump_version(&mut tx, region_id, false).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                let mut evidence_ids = Vec::with_capacity(evidence.len());
                for file in evidence {
                    evidence_ids.push(Self::add_evidence_in(&mut tx, region_id, &file.of_entry(id), actor).await?);
                }
                tx.commit().await?;
                Ok(CreatedEntry { entry: id, evidence: evidence_ids })
            }

            async fn update_entry(&self, region: &str, id: Id, change: &EntryChange, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let (region_id, before) = Self::entry_for_change(&mut tx, region, id).await?;
                let kind: String =
                    sqlx::query_scalar("SELECT t.kind FROM entries e JOIN targets t ON t.id = e.target_id WHERE e.id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                check_value(&kind, change.value)?;
                sqlx::query(
                    "UPDATE entries SET activity_date = $1, value = $2, note = $3, submitted_at = $4, status = $5, \
                     return_reason = NULL WHERE id = $6",
                )
                .bind(change.activity_date)
                .bind(change.value.to_string())
                .bind(&change.note)
                .bind(stored_moment(change.submitted_at))
                .bind(EntryStatus::Submitted.code())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "edit".into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::to_value(&before).expect("an entry serializes")),
                    after: Some(serde_json::json!({
                        "activity_date": change.activity_date, "value": change.value.to_string(),
                        "note": change.note, "status": EntryStatus::Submitted.code(),
                    })),
                };
                Self::bump_version(&mut tx, region_id, false).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_entry(&self, region: &str, id: Id, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let (region_id, before) = Self::entry_for_change(&mut tx, region, id).await?;
                sqlx::query("DELETE FROM entries WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let record = NewAudit {
                    action: "delete".into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::to_value(&before).expect("an entry serializes")),
                    after: None,
                };
                Self::bump_version(&mut tx, region_id, false).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_entry(&self, region: &str, id: Id, review: &Review, actor: &Actor) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let before = Self::entry_in(&mut tx, region, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "entry", key: id.to_string() })?;
                if before.status != EntryStatus::Submitted {
                    return Err(StoreError::NotReviewable(id, before.status.code().to_owned()));
                }
                let (status, reason, action) = match review {
                    Review::Verify => (EntryStatus::Verified, None, "verify"),
                    Review::Return { reason } => {
                        if reason.trim().is_empty() {
                            return Err(StoreError::invalid("reason", "a returned entry needs a reason the operator can act on"));
                        }
                        (EntryStatus::Returned, Some(reason.trim().to_owned()), "return")
                    }
                };
                sqlx::query(
                    "UPDATE entries SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5",
                )
                .bind(status.code())
                .bind(&reason)
                .bind(actor.user_id)
                .bind(Utc::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let region_id = Self::region_id(&mut tx, region).await?;
                let record = NewAudit {
                    action: action.into(),
                    entity: "entry".into(),
                    entity_id: Some(id.to_string()),
                    before: Some(serde_json::json!({"status": before.status.code()})),
                    after: Some(serde_json::json!({"status": status.code(), "return_reason": reason})),
                };
                if let Some(region_id) = region_id {
                    Self::bump_version(&mut tx, region_id, false).await?;
                }
                Self::append_audit_in(&mut tx, region_id, actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn entry(&self, region: &str, id: Id) -> Result<Option<EntryRow>> {
                let mut conn = self.pool.acquire().await?;
                Self::entry_in(&mut conn, region, id).await
            }

            async fn entries(&self, region: &str, filter: &EntryFilter) -> Result<Vec<EntryRow>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(ENTRY_SELECT);
                query.push(" WHERE r.code = ").push_bind(region.to_owned());
                if let Some(program) = &filter.program {
                    query.push(" AND p.code = ").push_bind(program.clone());
                }
                if let Some(unit) = &filter.unit {
                    query.push(" AND u.code = ").push_bind(unit.clone());
                }
                if let Some(target) = &filter.target {
                    query.push(" AND t.code = ").push_bind(target.clone());
                }
                if let Some(status) = filter.status {
                    query.push(" AND e.status = ").push_bind(status.code());
                }
                if let Some(clusters) = &filter.clusters {
                    if clusters.is_empty() {
                        return Ok(Vec::new());
                    }
                    query.push(" AND c.code IN (");
                    let mut list = query.separated(", ");
                    for cluster in clusters {
                        list.push_bind(cluster.clone());
                    }
                    list.push_unseparated(")");
                }
                query.push(" ORDER BY e.id DESC");
                if let Some(limit) = filter.limit {
                    query.push(" LIMIT ").push_bind(limit);
                }
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(entry_row).collect()
            }

            async fn add_evidence(&self, region: &str, evidence: &NewEvidence, actor: &Actor) -> Result<Id> {
                let mut tx = self.begin_write().await?;
                let region_id: i64 = sqlx::query_scalar(
                    "SELECT e.region_id FROM entries e JOIN regions r ON r.id = e.region_id WHERE r.code = $1 AND e.id = $2",
                )
                .bind(region)
                .bind(evidence.entry_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound { what: "entry", key: evidence.entry_id.to_string() })?;
                let id = Self::add_evidence_in(&mut tx, region_id, evidence, actor).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn evidence_of_entry(&self, region: &str, entry_id: Id) -> Result<Vec<EvidenceRow>> {
                let sql = format!("{EVIDENCE_SELECT} WHERE r.code = $1 AND v.entry_id = $2 ORDER BY v.id");
                let rows = sqlx::query(&sql).bind(region).bind(entry_id).fetch_all(&self.pool).await?;
                rows.iter().map(evidence_row).collect()
            }

            async fn evidence(&self, region: &str, id: Id) -> Result<Option<EvidenceRow>> {
                let sql = format!("{EVIDENCE_SELECT} WHERE r.code = $1 AND v.id = $2");
                let row = sqlx::query(&sql).bind(region).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(evidence_row).transpose()
            }

            async fn create_nil_report(&self, region: &str, nil: &NewNilReport, actor: &Actor) -> Result<Id> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT p.id AS program_id, u.id AS unit_id, r.id AS region_id FROM regions r \
                     JOIN programs p ON p.region_id = r.id JOIN units u ON u.region_id = r.id \
                     WHERE r.code = $1 AND p.code = $2 AND u.code = $3",
                )
                .bind(region)
                .bind(&nil.program)
                .bind(&nil.unit)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "program or unit",
                    key: format!("{}/{}", nil.program, nil.unit),
                })?;
                let region_id: i64 = row.try_get("region_id")?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO nil_reports (region_id, program_id, unit_id, date, submitted_at, reason, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(region_id)
                .bind(row.try_get::<i64, _>("program_id")?)
                .bind(row.try_get::<i64, _>("unit_id")?)
                .bind(nil.date)
                .bind(stored_moment(nil.submitted_at))
                .bind(&nil.reason)
                .bind(actor.user_id)
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "submit".into(),
                    entity: "nil_report".into(),
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "program": nil.program, "unit": nil.unit, "date": nil.date, "reason": nil.reason,
                    })),
                };
                Self::bump_version(&mut tx, region_id, false).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn session_load(&self, id: &str) -> Result<Option<(String, DateTime<Utc>)>> {
                let row = sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| Ok((row.try_get("data")?, row.try_get("expires_at")?))).transpose()
            }

            async fn session_save(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                )
                .bind(id)
                .bind(data)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_delete(&self, id: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn session_purge(&self, now: DateTime<Utc>) -> Result<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }

            async fn audit_log(&self, region: &str, limit: i64) -> Result<Vec<AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.before_value, a.after_value \
                     FROM audit_log a JOIN regions r ON r.id = a.region_id WHERE r.code = $1 ORDER BY a.id DESC LIMIT $2",
                )
                .bind(region)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok(AuditRecord {
                            id: row.try_get("id")?,
                            at: row.try_get("at")?,
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            entity: row.try_get("entity")?,
                            entity_id: row.try_get("entity_id")?,
                            before: parse_json(row.try_get("before_value")?),
                            after: parse_json(row.try_get("after_value")?),
                        })
                    })
                    .collect()
            }
        }
    };
}

impl SqliteStore {
    /// SQLite write transactions take the write lock at once: a deferred one
    /// that reads first fails with SQLITE_BUSY_SNAPSHOT under concurrent writers
    /// instead of waiting for the busy timeout.
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'_, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl PostgresStore {
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'_, sqlx::Postgres>> {
        self.pool.begin().await
    }
}

store_impl!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    Backend::Sqlite,
    sqlx::migrate!("./migrations/sqlite")
);

store_impl!(
    PostgresStore,
    sqlx::Postgres,
    sqlx::PgPool,
    Backend::Postgres,
    sqlx::migrate!("./migrations/postgres")
);

meeting_store_impl!(SqliteStore, sqlx::Sqlite);
meeting_store_impl!(PostgresStore, sqlx::Postgres);
outbox_store_impl!(SqliteStore, sqlx::Sqlite);
outbox_store_impl!(PostgresStore, sqlx::Postgres);
budget_store_impl!(SqliteStore, sqlx::Sqlite);
budget_store_impl!(PostgresStore, sqlx::Postgres);

impl SqliteStore {
    /// Open (creating if missing) a SQLite database in WAL mode.
    pub async fn connect(url: &str) -> Result<Self> {
        use sqlx::sqlite::{
            SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(SqliteStore::from_pool(pool))
    }
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        Ok(PostgresStore::from_pool(pool))
    }
}
