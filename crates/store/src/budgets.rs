//! Budget figures per unit and fiscal year: pagu, monthly plan (anggaran kas), realised spending and physical progress, entered or imported by the finance role (BPKAD) or a unit.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `budget_store_impl!` in `backend.rs`.
//!
//! Review, as with entries: a month a unit enters is `submitted` and counts at
//! once; BPKAD verifies it (then the unit can no longer change it) or returns
//! it with a reason, and a returned month does not count (`region_bundle`
//! leaves it out) until it is entered again. What BPKAD enters or imports, and
//! what a bundle brings, is verified. The pagu and the monthly plan (anggaran
//! kas) are BPKAD's alone: a unit reports realised spending and physical progress.

#[allow(unused_imports)]
use crate::*;

use chrono::{DateTime, Utc};
use pantau_domain::bundle::Rupiah;
use rust_decimal::Decimal;
use serde::Serialize;

/// Where a budget month's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetStatus {
    Submitted,
    Verified,
    Returned,
}

impl BudgetStatus {
    pub fn code(self) -> &'static str {
        match self {
            BudgetStatus::Submitted => "submitted",
            BudgetStatus::Verified => "verified",
            BudgetStatus::Returned => "returned",
        }
    }

    pub fn parse(code: &str) -> Option<BudgetStatus> {
        [
            BudgetStatus::Submitted,
            BudgetStatus::Verified,
            BudgetStatus::Returned,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// One stored month of a unit's year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetMonthRow {
    pub unit: String,
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    pub planned: Rupiah,
    pub realised: Rupiah,
    pub physical_pct: Option<Decimal>,
    pub status: BudgetStatus,
    pub entered_by: Option<String>,
    pub entered_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub return_reason: Option<String>,
}

/// A unit's fiscal year as stored: its pagu and the months it has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetYear {
    pub unit: String,
    pub year: i32,
    pub pagu: Rupiah,
    /// Only the months stored, in order.
    pub months: Vec<BudgetMonthRow>,
}

/// A month's figures as BPKAD enters or imports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthFigures {
    pub planned: Rupiah,
    pub realised: Rupiah,
    pub physical_pct: Option<Decimal>,
}

/// Who writes a month, and so what may change and the status it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthEntry {
    /// BPKAD: every figure; the month is verified.
    Finance(MonthFigures),
    /// The unit itself: realised spending and physical progress; the plan
    /// stays as BPKAD set it, and the month waits for verification.
    Unit {
        realised: Rupiah,
        physical_pct: Option<Decimal>,
    },
}

/// One unit's year in an import: it replaces what the unit had that year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedYear {
    pub unit: String,
    pub pagu: Rupiah,
    /// `(month, figures)`, months 1 to 12, each at most once.
    pub months: Vec<(u32, MonthFigures)>,
}

#[async_trait::async_trait]
pub trait BudgetStore: Send + Sync {
    /// A unit's year, if it has a pagu that year.
    async fn budget_year(&self, region: &str, unit: &str, year: i32) -> Result<Option<BudgetYear>>;

    /// Every unit's year that has a budget, in unit order.
    async fn budget_years(&self, region: &str, year: i32) -> Result<Vec<BudgetYear>>;

    /// Set (or create) a unit's pagu for a year; never below what it has spent.
    async fn set_budget_pagu(
        &self,
        region: &str,
        unit: &str,
        year: i32,
        pagu: Rupiah,
        actor: &Actor,
    ) -> Result<()>;

    /// Write one month of a unit's year (which must have a pagu).
    async fn set_budget_month(
        &self,
        region: &str,
        unit: &str,
        year: i32,
        month: u32,
        entry: &MonthEntry,
        actor: &Actor,
    ) -> Result<()>;

    /// Verify or return a month a unit submitted.
    async fn review_budget_month(
        &self,
        region: &str,
        unit: &str,
        year: i32,
        month: u32,
        review: &Review,
        actor: &Actor,
    ) -> Result<()>;

    /// Replace the year's figures of every unit listed, all or nothing, as one
    /// import; units not listed keep theirs. Returns the months written. The
    /// audit record names `source`, the file read, beside the counts.
    async fn replace_budget_years(
        &self,
        region: &str,
        year: i32,
        years: &[ImportedYear],
        actor: &Actor,
        source: Option<&crate::regions::ImportSource>,
    ) -> Result<usize>;

    /// Months units submitted that wait for BPKAD, oldest entry first.
    async fn budget_months_waiting(&self, region: &str) -> Result<Vec<BudgetMonthRow>>;
}

/// The key of a unit's month in messages and the audit log: `DP3A/2025/10`.
pub fn month_key(unit: &str, year: i32, month: u32) -> String {
    format!("{unit}/{year}/{month}")
}

/// Refuse figures the engine would refuse in a bundle (the domain's rules),
/// naming the field.
pub(crate) fn check_month(month: u32, physical_pct: Option<Decimal>) -> Result<()> {
    use pantau_domain::rules;
    rules::check_month(month).map_err(|p| StoreError::invalid("month", p.to_string()))?;
    if let Some(pct) = physical_pct {
        rules::check_percentage(pct)
            .map_err(|p| StoreError::invalid("physical_pct", p.to_string()))?;
    }
    Ok(())
}

/// Realised spending of a year must stay within its pagu (bundle.md, budgets).
pub(crate) fn check_within_pagu(
    key: &str,
    pagu: u128,
    realised: impl Iterator<Item = u128>,
) -> Result<()> {
    pantau_domain::rules::check_within_pagu(pagu, realised).map_err(|over| {
        let spent = over
            .spent
            .map_or_else(|| format!("above {}", u128::MAX), |s| s.to_string());
        StoreError::invalid(
            "realised",
            format!("{key}: realised spending {spent} would exceed the pagu {pagu}"),
        )
    })?;
    Ok(())
}

pub(crate) const MONTH_SELECT: &str = "SELECT u.code AS unit, b.year, m.month, m.planned, m.realised, m.physical_pct, \
     m.status, m.entered_by, m.entered_at, m.reviewed_by, m.return_reason \
     FROM budget_months m JOIN budgets b ON b.id = m.budget_id JOIN units u ON u.id = b.unit_id \
     JOIN regions r ON r.id = b.region_id";

macro_rules! budget_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            fn budget_month_row(row: &<$db as sqlx::Database>::Row) -> Result<$crate::budgets::BudgetMonthRow> {
                let status: String = row.try_get("status")?;
                Ok($crate::budgets::BudgetMonthRow {
                    unit: row.try_get("unit")?,
                    year: row.try_get("year")?,
                    month: row.try_get::<i32, _>("month")? as u32,
                    planned: rupiah(row.try_get("planned")?, "budget_months.planned")?,
                    realised: rupiah(row.try_get("realised")?, "budget_months.realised")?,
                    physical_pct: opt_decimal(row.try_get("physical_pct")?, "budget_months.physical_pct")?,
                    status: $crate::budgets::BudgetStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                        what: "budget_months.status".into(),
                        detail: status.clone(),
                    })?,
                    entered_by: row.try_get("entered_by")?,
                    entered_at: row.try_get("entered_at")?,
                    reviewed_by: row.try_get("reviewed_by")?,
                    return_reason: row.try_get("return_reason")?,
                })
            }

            /// The region's and the unit's ids, or NotFound naming what is missing.
            async fn budget_unit_ids(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                unit: &str,
            ) -> Result<(i64, i64)> {
                let region_id = Self::region_id(conn, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let unit_id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE region_id = $1 AND code = $2")
                    .bind(region_id)
                    .bind(unit)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "unit", key: unit.to_owned() })?;
                Ok((region_id, unit_id))
            }

            /// Hold the unit's year until the transaction ends, so that two writers
            /// cannot both pass the pagu check (PostgreSQL row lock; SQLite's
            /// immediate transaction already holds the database).
            async fn lock_budget(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                unit: &str,
                year: i32,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE budgets SET pagu = pagu WHERE region_id = $1 AND year = $2 \
                     AND unit_id = (SELECT id FROM units WHERE region_id = $1 AND code = $3)",
                )
                .bind(region_id)
                .bind(year)
                .bind(unit)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn budget_years_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region: &str,
                unit: Option<&str>,
                year: i32,
            ) -> Result<Vec<$crate::budgets::BudgetYear>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT u.code AS unit, b.year, b.pagu FROM budgets b JOIN units u ON u.id = b.unit_id \
                     JOIN regions r ON r.id = b.region_id WHERE r.code = ",
                );
                query.push_bind(region.to_owned()).push(" AND b.year = ").push_bind(year);
                if let Some(unit) = unit {
                    query.push(" AND u.code = ").push_bind(unit.to_owned());
                }
                query.push(" ORDER BY u.position, u.code");
                let rows = query.build().fetch_all(&mut *conn).await?;
                let mut years = Vec::with_capacity(rows.len());
                for row in rows {
                    years.push($crate::budgets::BudgetYear {
                        unit: row.try_get("unit")?,
                        year: row.try_get("year")?,
                        pagu: rupiah(row.try_get("pagu")?, "budgets.pagu")?,
                        months: Vec::new(),
                    });
                }
                let mut query = sqlx::QueryBuilder::<$db>::new($crate::budgets::MONTH_SELECT);
                query.push(" WHERE r.code = ").push_bind(region.to_owned()).push(" AND b.year = ").push_bind(year);
                if let Some(unit) = unit {
                    query.push(" AND u.code = ").push_bind(unit.to_owned());
                }
                query.push(" ORDER BY m.month");
                for row in query.build().fetch_all(&mut *conn).await? {
                    let month = Self::budget_month_row(&row)?;
                    if let Some(year) = years.iter_mut().find(|y| y.unit == month.unit) {
                        year.months.push(month);
                    }
                }
                Ok(years)
            }
        }

        #[async_trait::async_trait]
        impl $crate::budgets::BudgetStore for $store {
            async fn budget_year(&self, region: &str, unit: &str, year: i32) -> Result<Option<$crate::budgets::BudgetYear>> {
                let mut conn = self.pool.acquire().await?;
                Ok(Self::budget_years_in(&mut conn, region, Some(unit), year).await?.pop())
            }

            async fn budget_years(&self, region: &str, year: i32) -> Result<Vec<$crate::budgets::BudgetYear>> {
                let mut conn = self.pool.acquire().await?;
                Self::budget_years_in(&mut conn, region, None, year).await
            }

            async fn set_budget_pagu(
                &self,
                region: &str,
                unit: &str,
                year: i32,
                pagu: Rupiah,
                actor: &Actor,
            ) -> Result<()> {
                let key = format!("{unit}/{year}");
                let stored = amount(pagu, "pagu")?;
                let mut tx = self.begin_write().await?;
                let (region_id, unit_id) = Self::budget_unit_ids(&mut tx, region, unit).await?;
                Self::lock_budget(&mut tx, region_id, unit, year).await?;
                let before = Self::budget_years_in(&mut tx, region, Some(unit), year).await?.pop();
                if let Some(before) = &before {
                    $crate::budgets::check_within_pagu(
                        &key,
                        pagu.0,
                        before.months.iter().filter(|m| m.status != $crate::budgets::BudgetStatus::Returned).map(|m| m.realised.0),
                    )
                    .map_err(|_| StoreError::invalid("pagu", format!("{key}: {pagu} is below what has been spent")))?;
                }
                sqlx::query(
                    "INSERT INTO budgets (region_id, unit_id, year, pagu) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (unit_id, year) DO UPDATE SET pagu = excluded.pagu",
                )
                .bind(region_id)
                .bind(unit_id)
                .bind(year)
                .bind(stored)
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "set_pagu".into(),
                    entity: "budget".into(),
                    entity_id: Some(key),
                    before: before.map(|b| serde_json::json!({"pagu": b.pagu})),
                    after: Some(serde_json::json!({"pagu": pagu})),
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_budget_month(
                &self,
                region: &str,
                unit: &str,
                year: i32,
                month: u32,
                entry: &$crate::budgets::MonthEntry,
                actor: &Actor,
            ) -> Result<()> {
                use $crate::budgets::{BudgetStatus, MonthEntry};
                let key = $crate::budgets::month_key(unit, year, month);
                let physical = match entry {
                    MonthEntry::Finance(f) => f.physical_pct,
                    MonthEntry::Unit { physical_pct, .. } => *physical_pct,
                };
                $crate::budgets::check_month(month, physical)?;
                let mut tx = self.begin_write().await?;
                let (region_id, _) = Self::budget_unit_ids(&mut tx, region, unit).await?;
                Self::lock_budget(&mut tx, region_id, unit, year).await?;
                let year_row = Self::budget_years_in(&mut tx, region, Some(unit), year)
                    .await?
                    .pop()
                    .ok_or_else(|| StoreError::invalid("pagu", format!("{unit} has no pagu for {year}: BPKAD sets it first")))?;
                let before = year_row.months.iter().find(|m| m.month == month).cloned();
                let (planned, realised, status) = match entry {
                    MonthEntry::Finance(f) => (f.planned, f.realised, BudgetStatus::Verified),
                    MonthEntry::Unit { realised, .. } => {
                        // Verified actual figures are settled; a month with only BPKAD's plan is open for the unit's actuals.
                        if let Some(b) = &before
                            && b.status == BudgetStatus::Verified
                            && (b.realised.0 > 0 || b.physical_pct.is_some())
                        {
                            return Err(StoreError::invalid("month", format!("{key} is verified and can no longer change: ask BPKAD")));
                        }
                        (before.as_ref().map(|b| b.planned).unwrap_or_default(), *realised, BudgetStatus::Submitted)
                    }
                };
                $crate::budgets::check_within_pagu(
                    &key,
                    year_row.pagu.0,
                    year_row
                        .months
                        .iter()
                        .filter(|m| m.month != month && m.status != BudgetStatus::Returned)
                        .map(|m| m.realised.0)
                        .chain(std::iter::once(realised.0)),
                )?;
                let budget_id: i64 = sqlx::query_scalar("SELECT id FROM budgets WHERE region_id = $1 AND year = $2 AND unit_id = (SELECT id FROM units WHERE region_id = $1 AND code = $3)")
                    .bind(region_id)
                    .bind(year)
                    .bind(unit)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO budget_months (budget_id, month, planned, realised, physical_pct, status, entered_by, entered_at, reviewed_by, reviewed_at, return_reason) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL) ON CONFLICT (budget_id, month) DO UPDATE SET \
                     planned = excluded.planned, realised = excluded.realised, physical_pct = excluded.physical_pct, \
                     status = excluded.status, entered_by = excluded.entered_by, entered_at = excluded.entered_at, \
                     reviewed_by = NULL, reviewed_at = NULL, return_reason = NULL",
                )
                .bind(budget_id)
                .bind(month as i32)
                .bind(amount(planned, "planned")?)
                .bind(amount(realised, "realised")?)
                .bind(physical.map(|d| d.normalize().to_string()))
                .bind(status.code())
                .bind(&actor.label)
                .bind(stored_moment(Utc::now()))
                .execute(&mut *tx)
                .await?;
                let figures = |planned: Rupiah, realised: Rupiah, physical: Option<Decimal>, status: BudgetStatus| {
                    serde_json::json!({
                        "planned": planned, "realised": realised,
                        "physical_pct": physical.map(|d| d.normalize().to_string()), "status": status,
                    })
                };
                let record = NewAudit {
                    action: if status == BudgetStatus::Verified { "set_month" } else { "submit" }.into(),
                    entity: "budget_month".into(),
                    entity_id: Some(key),
                    before: before.map(|b| figures(b.planned, b.realised, b.physical_pct, b.status)),
                    after: Some(figures(planned, realised, physical, status)),
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_budget_month(
                &self,
                region: &str,
                unit: &str,
                year: i32,
                month: u32,
                review: &Review,
                actor: &Actor,
            ) -> Result<()> {
                use $crate::budgets::BudgetStatus;
                if let Review::Return { reason } = review {
                    $crate::check_chars("reason", reason, self.limits.max_note_chars)?;
                }
                let key = $crate::budgets::month_key(unit, year, month);
                let mut tx = self.begin_write().await?;
                let (region_id, _) = Self::budget_unit_ids(&mut tx, region, unit).await?;
                let before = Self::budget_years_in(&mut tx, region, Some(unit), year)
                    .await?
                    .pop()
                    .and_then(|y| y.months.into_iter().find(|m| m.month == month))
                    .ok_or_else(|| StoreError::NotFound { what: "budget month", key: key.clone() })?;
                if before.status != BudgetStatus::Submitted {
                    return Err(StoreError::invalid("month", format!("{key} is {} and cannot be reviewed", before.status.code())));
                }
                let (status, reason, action) = match review {
                    Review::Verify => (BudgetStatus::Verified, None, "verify"),
                    Review::Return { reason } => {
                        if reason.trim().is_empty() {
                            return Err(StoreError::invalid("reason", "a returned month needs a reason the unit can act on"));
                        }
                        (BudgetStatus::Returned, Some(reason.trim().to_owned()), "return")
                    }
                };
                sqlx::query(
                    "UPDATE budget_months SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4 \
                     WHERE month = $5 AND budget_id = (SELECT b.id FROM budgets b JOIN units u ON u.id = b.unit_id \
                     WHERE b.region_id = $6 AND b.year = $7 AND u.code = $8)",
                )
                .bind(status.code())
                .bind(&reason)
                .bind(&actor.label)
                .bind(stored_moment(Utc::now()))
                .bind(month as i32)
                .bind(region_id)
                .bind(year)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: action.into(),
                    entity: "budget_month".into(),
                    entity_id: Some(key),
                    before: Some(serde_json::json!({"status": before.status})),
                    after: Some(serde_json::json!({"status": status, "return_reason": reason})),
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn replace_budget_years(
                &self,
                region: &str,
                year: i32,
                years: &[$crate::budgets::ImportedYear],
                actor: &Actor,
                source: Option<&$crate::regions::ImportSource>,
            ) -> Result<usize> {
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let mut seen = std::collections::HashSet::new();
                let mut written = 0;
                for imported in years {
                    let unit = imported.unit.as_str();
                    if !seen.insert(unit) {
                        return Err(StoreError::invalid("unit", format!("{unit} is listed twice for {year}")));
                    }
                    let mut months = std::collections::HashSet::new();
                    for (month, figures) in &imported.months {
                        $crate::budgets::check_month(*month, figures.physical_pct)?;
                        if !months.insert(*month) {
                            return Err(StoreError::invalid("month", format!("{}: month {month} is listed twice", $crate::budgets::month_key(unit, year, *month))));
                        }
                    }
                    $crate::budgets::check_within_pagu(
                        &format!("{unit}/{year}"),
                        imported.pagu.0,
                        imported.months.iter().map(|(_, f)| f.realised.0),
                    )?;
                    let (_, unit_id) = Self::budget_unit_ids(&mut tx, region, unit).await?;
                    let budget_id: i64 = sqlx::query_scalar(
                        "INSERT INTO budgets (region_id, unit_id, year, pagu) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (unit_id, year) DO UPDATE SET pagu = excluded.pagu RETURNING id",
                    )
                    .bind(region_id)
                    .bind(unit_id)
                    .bind(year)
                    .bind(amount(imported.pagu, "pagu")?)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM budget_months WHERE budget_id = $1")
                        .bind(budget_id)
                        .execute(&mut *tx)
                        .await?;
                    for (month, figures) in &imported.months {
                        sqlx::query(
                            "INSERT INTO budget_months (budget_id, month, planned, realised, physical_pct, status, entered_by, entered_at) \
                             VALUES ($1, $2, $3, $4, $5, 'verified', $6, $7)",
                        )
                        .bind(budget_id)
                        .bind(*month as i32)
                        .bind(amount(figures.planned, "planned")?)
                        .bind(amount(figures.realised, "realised")?)
                        .bind(figures.physical_pct.map(|d| d.normalize().to_string()))
                        .bind(&actor.label)
                        .bind(stored_moment(Utc::now()))
                        .execute(&mut *tx)
                        .await?;
                        written += 1;
                    }
                }
                let record = NewAudit {
                    action: "import".into(),
                    entity: "budget".into(),
                    entity_id: Some(year.to_string()),
                    before: None,
                    after: Some($crate::regions::ImportSource::detail(
                        source,
                        serde_json::json!({
                            "units": years.iter().map(|y| y.unit.as_str()).collect::<Vec<_>>(),
                            "budgets": years.len(),
                            "months": written,
                        }),
                    )),
                };
                self.bump_version(&mut tx, region_id, true).await?;
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn budget_months_waiting(&self, region: &str) -> Result<Vec<$crate::budgets::BudgetMonthRow>> {
                let rows = sqlx::query(&format!(
                    "{} WHERE r.code = $1 AND m.status = 'submitted' ORDER BY m.entered_at, u.code, b.year, m.month",
                    $crate::budgets::MONTH_SELECT
                ))
                .bind(region)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::budget_month_row).collect()
            }
        }
    };
}
