//! Regions and their plans: a region imported or exported as a bundle, a
//! changed plan merged, and the version counters by which every app server
//! knows whether its cached model is current.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `region_store_impl!` in `backend.rs`. Every write is one
//! transaction with its audit record.

#[allow(unused_imports)]
use crate::*;

use chrono::NaiveDate;
use pantau_domain::bundle::Bundle;

/// Key that identifies an entry already present when merging an import.
pub(crate) type EntryKey = (i64, NaiveDate, DateTime<Utc>, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// The region must not exist yet.
    NewRegion,
    /// Create the region or merge into it: plan rows are updated by code,
    /// entries and nil reports already present are not added twice.
    Merge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub region: String,
    pub created: bool,
    pub units: usize,
    pub programs: usize,
    pub targets: usize,
    pub entries_added: usize,
    /// Of the entries added, those that arrived already verified.
    pub entries_verified: usize,
    pub nil_reports_added: usize,
    pub budgets: usize,
}

/// The file an import came from, as its audit record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSource {
    /// The file's name as given, if any.
    pub file: Option<String>,
    /// SHA-256 of the file's bytes, in lowercase hex.
    pub sha256: String,
    pub bytes: u64,
}

impl ImportSource {
    /// The source of `bytes`, read from the file called `file`.
    pub fn of(file: Option<&str>, bytes: &[u8]) -> ImportSource {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(bytes);
        ImportSource {
            file: file.filter(|f| !f.is_empty()).map(str::to_owned),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            bytes: bytes.len() as u64,
        }
    }

    /// The audit record's detail: `summary`'s fields with the source's beside them.
    pub(crate) fn detail(
        source: Option<&ImportSource>,
        summary: serde_json::Value,
    ) -> serde_json::Value {
        let mut detail = summary;
        if let (Some(source), serde_json::Value::Object(fields)) = (source, &mut detail) {
            fields.insert(
                "source".into(),
                serde_json::to_value(source).expect("a source serializes"),
            );
        }
        detail
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub timezone: String,
}

/// See [`RegionStore::region_version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RegionVersion {
    /// Units, clusters, priorities, programs, targets, budgets.
    pub plan: i64,
    /// Entries, their reviews, nil reports.
    pub data: i64,
}

/// The row ids of a program's entries and nil reports, in the order the
/// region's bundle lists them (by id), so that a cached model can be brought
/// up to date row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramRowIds {
    pub program: String,
    pub entries: Vec<Id>,
    pub nil_reports: Vec<Id>,
}

/// A region as a bundle, with its version read before its rows (so the rows
/// are at least that new) and the ids of its entries and nil reports.
#[derive(Debug, Clone)]
pub struct RegionSnapshot {
    pub version: RegionVersion,
    pub bundle: Bundle,
    pub ids: Vec<ProgramRowIds>,
}

/// An entry as the engine reads it, as it stands after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedEntry {
    pub id: Id,
    /// The data version of the entry's last change.
    pub changed_in: i64,
    pub program: String,
    pub target: String,
    pub activity_date: NaiveDate,
    pub submitted_at: DateTime<Utc>,
    pub value: rust_decimal::Decimal,
    pub status: pantau_domain::bundle::EntryStatus,
}

/// A nil report, as the engine reads it (nil reports are only ever added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedNilReport {
    pub id: Id,
    pub program: String,
    pub unit: String,
    pub date: NaiveDate,
    pub submitted_at: DateTime<Utc>,
}

/// What changed in a region's reports since a data version: its version
/// (read first; a change may be newer, and applying it twice is harmless),
/// the entries added, edited or reviewed, the entries deleted with the
/// version of their deletion, and the nil reports added.
#[derive(Debug, Clone)]
pub struct DataChanges {
    pub version: RegionVersion,
    pub entries: Vec<ChangedEntry>,
    pub deleted_entries: Vec<(Id, i64)>,
    pub nil_reports: Vec<ChangedNilReport>,
}

/// How many data versions of deletions are kept: a cache older than that
/// reloads its region whole.
pub const CHANGES_KEPT: i64 = 100_000;

/// Regions: their plans as bundles and their version counters.
#[async_trait::async_trait]
pub trait RegionStore: Send + Sync {
    /// Validate a bundle and write it in one transaction, with an audit record.
    async fn import_bundle(
        &self,
        bundle: &Bundle,
        mode: ImportMode,
        actor: &Actor,
    ) -> Result<ImportSummary> {
        self.import_bundle_from(bundle, mode, actor, None).await
    }

    /// [`RegionStore::import_bundle`] of a bundle read from a file: the audit
    /// record names the file and its SHA-256 beside the counts.
    async fn import_bundle_from(
        &self,
        bundle: &Bundle,
        mode: ImportMode,
        actor: &Actor,
        source: Option<&ImportSource>,
    ) -> Result<ImportSummary>;

    /// Merge a changed plan (the region's bundle with one thing edited) in one
    /// transaction, recorded as `record` rather than as an import.
    async fn apply_plan_change(
        &self,
        bundle: &Bundle,
        actor: &Actor,
        record: NewAudit,
    ) -> Result<()>;

    /// The region as a bundle: what `pantau export` writes and what the engine
    /// evaluates. Importing it elsewhere evaluates identically.
    async fn region_bundle(&self, region: &str) -> Result<Bundle>;

    async fn regions(&self) -> Result<Vec<RegionRow>>;

    /// Register a province or the nation: a region of the tree with no plan
    /// of its own (a kab/kota comes from an import). Refused, with the field
    /// named, for a code that is not a province's or the nation's, a code
    /// already registered, an empty name or an unknown time zone.
    async fn add_region(&self, region: &RegionRow, actor: &Actor) -> Result<()>;

    /// Every region's programs as `(region code, program code, program name)`,
    /// by region and program order: what the tree of regions lists without
    /// loading any region's entries.
    async fn region_programs(&self) -> Result<Vec<(String, String, String)>>;

    /// Counters that grow with every change the engine reads, so that every app
    /// server can tell whether its cached model or evaluation is current.
    async fn region_version(&self, region: &str) -> Result<RegionVersion>;

    /// The region as a bundle with its version and row ids: what a cache
    /// loads whole.
    async fn region_snapshot(&self, region: &str) -> Result<RegionSnapshot>;

    /// The reports changed since data version `since`, or `None` when that is
    /// too old to tell (older than [`CHANGES_KEPT`]) or the plan changed since:
    /// then the region is loaded whole.
    async fn data_changes_since(
        &self,
        region: &str,
        since: RegionVersion,
    ) -> Result<Option<DataChanges>>;
}

macro_rules! region_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The region's version as committed (the version board may know a
            /// newer one that this server is still writing).
            async fn stored_version(&self, region: &str) -> Result<RegionVersion> {
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

            /// The region as a bundle, with the ids of its entries and nil reports.
            async fn load_bundle(&self, code: &str) -> Result<(Bundle, Vec<ProgramRowIds>)> {
                let mut conn = self.pool.acquire().await?;
                let mut ids = Vec::new();
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
                        "SELECT e.id, e.target_id, e.activity_date, e.submitted_at, e.value, e.status, e.note FROM entries e \
                         JOIN targets t ON t.id = e.target_id WHERE t.program_id = $1 ORDER BY e.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *conn)
                    .await?;
                    let mut entries = Vec::with_capacity(entry_rows.len());
                    let mut entry_ids = Vec::with_capacity(entry_rows.len());
                    for row in entry_rows {
                        entry_ids.push(row.try_get::<i64, _>("id")?);
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
                    let mut nil_ids = Vec::new();
                    let nil_reports = sqlx::query(
                        "SELECT n.id, u.code AS unit, n.date, n.submitted_at, n.reason FROM nil_reports n \
                         JOIN units u ON u.id = n.unit_id WHERE n.program_id = $1 ORDER BY n.id",
                    )
                    .bind(program_id)
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|row| {
                        nil_ids.push(row.try_get::<i64, _>("id")?);
                        Ok(bundle::NilReport {
                            unit: row.try_get("unit")?,
                            date: row.try_get("date")?,
                            submitted_at: at_local(row.try_get("submitted_at")?),
                            reason: row.try_get("reason")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;

                    ids.push(ProgramRowIds {
                        program: row.try_get("code")?,
                        entries: entry_ids,
                        nil_reports: nil_ids,
                    });
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

                let bundle = Bundle {
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
                };
                Ok((bundle, ids))
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

            /// Validate and write a bundle in one transaction with one audit
            /// record: `record`, or an import summary.
            async fn import_in(
                &self,
                bundle: &Bundle,
                mode: ImportMode,
                actor: &Actor,
                record: Option<NewAudit>,
                source: Option<&$crate::regions::ImportSource>,
            ) -> Result<ImportSummary> {
                pantau_domain::validate_with(bundle, self.limits)?;
                let mut tx = self.begin_write().await?;
                let summary = self.import_tx(&mut tx, bundle, mode, actor, record, source).await?;
                tx.commit().await?;
                Ok(summary)
            }

            /// [`Self::import_in`]'s writes inside a transaction of the
            /// caller's (a sync push adds its own rows to it); the bundle is
            /// validated already.
            pub(crate) async fn import_tx(
                &self,
                tx: &mut <$db as sqlx::Database>::Connection,
                bundle: &Bundle,
                mode: ImportMode,
                actor: &Actor,
                record: Option<NewAudit>,
                source: Option<&$crate::regions::ImportSource>,
            ) -> Result<ImportSummary> {
                let code = &bundle.region.code;
                let timezone = bundle
                    .region
                    .timezone
                    .clone()
                    .unwrap_or_else(|| pantau_domain::validate::DEFAULT_TIMEZONE.name().to_owned());
                let existing = Self::region_id(&mut *tx, code).await?;
                // Entries written by a plan change are the region's own; by an import, imported.
                let imported_at = record.is_none().then(|| stored_moment(Utc::now()));
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
                    let id = Self::upsert_named(&mut *tx, "clusters", region_id, &cluster.code, &cluster.name, i).await?;
                    cluster_ids.insert(cluster.code.as_str(), id);
                }
                let mut priority_ids = HashMap::new();
                for (i, priority) in bundle.priorities.iter().enumerate() {
                    let id =
                        Self::upsert_named(&mut *tx, "priorities", region_id, &priority.code, &priority.name, i).await?;
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
                    entries_verified: 0,
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
                            "INSERT INTO entries (region_id, target_id, activity_date, submitted_at, value, status, note, imported_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(region_id)
                        .bind(target_id)
                        .bind(entry.activity_date)
                        .bind(submitted_at)
                        .bind(entry.value.to_string())
                        .bind(entry.status.code())
                        .bind(&entry.note)
                        .bind(imported_at)
                        .execute(&mut *tx)
                        .await?;
                        summary.entries_added += 1;
                        if entry.status == pantau_domain::bundle::EntryStatus::Verified {
                            summary.entries_verified += 1;
                        }
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
                    after: Some($crate::regions::ImportSource::detail(
                        source,
                        serde_json::to_value(&summary).expect("a summary serializes"),
                    )),
                });
                self.bump_version(&mut *tx, region_id, true).await?;
                Self::append_audit_in(&mut *tx, Some(region_id), actor, &record).await?;
                Ok(summary)
            }
        }

        #[async_trait::async_trait]
        impl $crate::regions::RegionStore for $store {
            async fn import_bundle_from(
                &self,
                bundle: &Bundle,
                mode: ImportMode,
                actor: &Actor,
                source: Option<&$crate::regions::ImportSource>,
            ) -> Result<ImportSummary> {
                self.import_in(bundle, mode, actor, None, source).await
            }

            async fn apply_plan_change(&self, bundle: &Bundle, actor: &Actor, record: NewAudit) -> Result<()> {
                self.import_in(bundle, ImportMode::Merge, actor, Some(record), None).await.map(|_| ())
            }

            async fn region_bundle(&self, code: &str) -> Result<Bundle> {
                Ok(self.load_bundle(code).await?.0)
            }

            async fn region_snapshot(&self, code: &str) -> Result<RegionSnapshot> {
                // The version first: the rows read after it are at least as new.
                let version = self.stored_version(code).await?;
                let (bundle, ids) = self.load_bundle(code).await?;
                Ok(RegionSnapshot { version, bundle, ids })
            }

            async fn data_changes_since(
                &self,
                code: &str,
                since: RegionVersion,
            ) -> Result<Option<DataChanges>> {
                let version = self.stored_version(code).await?;
                if version.plan != since.plan || version.data - since.data > CHANGES_KEPT {
                    return Ok(None);
                }
                let mut conn = self.pool.acquire().await?;
                let region_id = Self::region_id(&mut conn, code)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(code.to_owned()))?;
                let entries = sqlx::query(
                    "SELECT e.id, e.data_version, p.code AS program, t.code AS target, e.activity_date, \
                     e.submitted_at, e.value, e.status FROM entries e JOIN targets t ON t.id = e.target_id \
                     JOIN programs p ON p.id = t.program_id WHERE e.region_id = $1 AND e.data_version > $2 ORDER BY e.id",
                )
                .bind(region_id)
                .bind(since.data)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|row| {
                    let value: String = row.try_get("value")?;
                    let status: String = row.try_get("status")?;
                    Ok(ChangedEntry {
                        id: row.try_get("id")?,
                        changed_in: row.try_get("data_version")?,
                        program: row.try_get("program")?,
                        target: row.try_get("target")?,
                        activity_date: row.try_get("activity_date")?,
                        submitted_at: row.try_get("submitted_at")?,
                        value: decimal(&value, "entries.value")?,
                        status: entry_status(&status)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
                let deleted_entries = sqlx::query(
                    "SELECT entry_id, data_version FROM entry_deletions WHERE region_id = $1 AND data_version > $2 \
                     ORDER BY data_version",
                )
                .bind(region_id)
                .bind(since.data)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|row| Ok((row.try_get("entry_id")?, row.try_get("data_version")?)))
                .collect::<Result<Vec<_>>>()?;
                let nil_reports = sqlx::query(
                    "SELECT n.id, p.code AS program, u.code AS unit, n.date, n.submitted_at FROM nil_reports n \
                     JOIN programs p ON p.id = n.program_id JOIN units u ON u.id = n.unit_id \
                     WHERE n.region_id = $1 AND n.data_version > $2 ORDER BY n.id",
                )
                .bind(region_id)
                .bind(since.data)
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|row| {
                    Ok(ChangedNilReport {
                        id: row.try_get("id")?,
                        program: row.try_get("program")?,
                        unit: row.try_get("unit")?,
                        date: row.try_get("date")?,
                        submitted_at: row.try_get("submitted_at")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
                Ok(Some(DataChanges {
                    version,
                    entries,
                    deleted_entries,
                    nil_reports,
                }))
            }


            async fn add_region(&self, region: &RegionRow, actor: &Actor) -> Result<()> {
                let code = pantau_domain::RegionCode::parse(&region.code)
                    .map_err(|err| StoreError::invalid("code", err.to_string()))?;
                if code.level() == pantau_domain::RegionLevel::KabKota {
                    return Err(StoreError::invalid(
                        "code",
                        format!("{code} is a kab/kota: a kab/kota comes with its plan from `pantau import`"),
                    ));
                }
                let name = region.name.trim();
                if name.is_empty() {
                    return Err(StoreError::invalid("name", "must not be empty"));
                }
                $crate::check_chars("name", name, self.limits.max_name_chars)?;
                if region.timezone.parse::<chrono_tz::Tz>().is_err() {
                    return Err(StoreError::invalid(
                        "timezone",
                        format!("\"{}\" is not an IANA time zone (e.g. Asia/Jakarta)", region.timezone),
                    ));
                }
                let mut tx = self.begin_write().await?;
                if let Some(existing) = sqlx::query_scalar::<_, String>("SELECT name FROM regions WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                {
                    return Err(StoreError::invalid(
                        "code",
                        format!("region {code} is already registered, as \"{existing}\""),
                    ));
                }
                let region_id: i64 = sqlx::query_scalar(
                    "INSERT INTO regions (code, name, timezone) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(code.as_str())
                .bind(name)
                .bind(&region.timezone)
                .fetch_one(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "create".into(),
                    entity: "region".into(),
                    entity_id: Some(code.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "code": code, "name": name, "timezone": region.timezone, "level": code.level(),
                    })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn region_programs(&self) -> Result<Vec<(String, String, String)>> {
                let rows = sqlx::query(
                    "SELECT r.code AS region, p.code, p.name FROM programs p JOIN regions r ON r.id = p.region_id \
                     ORDER BY r.code, p.position, p.id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| Ok((row.try_get("region")?, row.try_get("code")?, row.try_get("name")?)))
                    .collect()
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
                if let Some(known) = self.versions.known(region) {
                    return Ok(known);
                }
                let version = self.stored_version(region).await?;
                self.versions.learn(region, version);
                Ok(version)
            }
        }
    };
}
