//! The berita acara as a document: the region's numbering pattern, the
//! number a meeting gets when it closes (see `close_meeting`), and the
//! attendance recorded in a meeting.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `document_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

use crate::meetings::MeetingKey;

/// One line of a meeting's attendance list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub name: String,
    /// Position or unit ("Kepala DP3A", "Bappeda").
    pub office: String,
    pub present: bool,
}

/// The longest name or office kept on an attendance line.
pub const MAX_ATTENDEE_CHARS: usize = 120;
/// The most lines an attendance list holds.
pub const MAX_ATTENDEES: usize = 200;

/// Check an attendance list; lines with neither a name nor an office are dropped.
pub fn clean_attendance(list: &[Attendee]) -> Result<Vec<Attendee>> {
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let name = a.name.trim();
        let office = a.office.trim();
        if name.is_empty() && office.is_empty() {
            continue;
        }
        if name.is_empty() {
            return Err(StoreError::invalid(
                format!("attendance[{}].name", i + 1),
                "every attendee needs a name",
            ));
        }
        if name.chars().count() > MAX_ATTENDEE_CHARS || office.chars().count() > MAX_ATTENDEE_CHARS
        {
            return Err(StoreError::invalid(
                format!("attendance[{}]", i + 1),
                format!("a name or office is longer than {MAX_ATTENDEE_CHARS} characters"),
            ));
        }
        out.push(Attendee {
            name: name.to_owned(),
            office: office.to_owned(),
            present: a.present,
        });
    }
    if out.len() > MAX_ATTENDEES {
        return Err(StoreError::invalid(
            "attendance",
            format!("at most {MAX_ATTENDEES} attendees"),
        ));
    }
    Ok(out)
}

#[async_trait::async_trait]
pub trait DocumentStore: Send + Sync {
    /// The region's numbering pattern, or the default one when none was set.
    async fn document_pattern(&self, region: &str) -> Result<String>;

    /// Set the region's pattern, validated ([`pantau_domain::document::validate_pattern`]).
    async fn set_document_pattern(&self, region: &str, pattern: &str, actor: &Actor) -> Result<()>;

    /// The number a closed meeting got; `None` while it is open.
    async fn document_number(&self, region: &str, key: &MeetingKey) -> Result<Option<String>>;

    /// The meeting's attendance list, in the order recorded.
    async fn attendance(&self, region: &str, key: &MeetingKey) -> Result<Vec<Attendee>>;

    /// Replace the meeting's attendance list; refused once it is closed.
    async fn save_attendance(
        &self,
        region: &str,
        key: &MeetingKey,
        list: &[Attendee],
        actor: &Actor,
    ) -> Result<()>;
}

pub(crate) fn pattern_refusal(err: pantau_domain::document::PatternError) -> StoreError {
    StoreError::invalid("pattern", err.to_string())
}

macro_rules! document_store_impl {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Give a closing meeting its number: the region's next of the
            /// closing year, written with its pattern. In the closing transaction.
            async fn assign_document_number_in(
                conn: &mut <$db as sqlx::Database>::Connection,
                region_id: i64,
                meeting_id: i64,
                minutes: &pantau_domain::meeting::Minutes,
            ) -> Result<String> {
                use chrono::Datelike;
                let tz: chrono_tz::Tz = minutes.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta);
                let local = minutes.closed_at.with_timezone(&tz);
                let year = i64::from(local.year());
                let pattern: Option<String> = sqlx::query_scalar("SELECT pattern FROM document_patterns WHERE region_id = $1")
                    .bind(region_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                let pattern = pattern.unwrap_or_else(|| pantau_domain::document::DEFAULT_PATTERN.to_owned());
                let sequence: i64 = sqlx::query_scalar(
                    "INSERT INTO document_sequences (region_id, year, last_number) VALUES ($1, $2, 1) \
                     ON CONFLICT (region_id, year) DO UPDATE SET last_number = document_sequences.last_number + 1 \
                     RETURNING last_number",
                )
                .bind(region_id)
                .bind(year)
                .fetch_one(&mut *conn)
                .await?;
                let number = pantau_domain::document::document_number(
                    &pattern,
                    u32::try_from(sequence).unwrap_or(u32::MAX),
                    local.month(),
                    local.year(),
                )
                .map_err($crate::documents::pattern_refusal)?;
                sqlx::query("UPDATE meetings SET document_number = $1 WHERE id = $2")
                    .bind(&number)
                    .bind(meeting_id)
                    .execute(&mut *conn)
                    .await?;
                Ok(number)
            }
        }

        #[async_trait::async_trait]
        impl $crate::documents::DocumentStore for $store {
            async fn document_pattern(&self, region: &str) -> Result<String> {
                let pattern: Option<String> = sqlx::query_scalar(
                    "SELECT d.pattern FROM document_patterns d JOIN regions r ON r.id = d.region_id WHERE r.code = $1",
                )
                .bind(region)
                .fetch_optional(&self.pool)
                .await?;
                Ok(pattern.unwrap_or_else(|| pantau_domain::document::DEFAULT_PATTERN.to_owned()))
            }

            async fn set_document_pattern(&self, region: &str, pattern: &str, actor: &Actor) -> Result<()> {
                let pattern = pattern.trim();
                pantau_domain::document::validate_pattern(pattern).map_err($crate::documents::pattern_refusal)?;
                let mut tx = self.begin_write().await?;
                let region_id = Self::region_id(&mut tx, region)
                    .await?
                    .ok_or_else(|| StoreError::UnknownRegion(region.to_owned()))?;
                let before: Option<String> = sqlx::query_scalar("SELECT pattern FROM document_patterns WHERE region_id = $1")
                    .bind(region_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO document_patterns (region_id, pattern, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (region_id) DO UPDATE SET pattern = excluded.pattern, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(region_id)
                .bind(pattern)
                .bind(&actor.label)
                .bind(stored_moment(Utc::now()))
                .execute(&mut *tx)
                .await?;
                let record = NewAudit {
                    action: "update".into(),
                    entity: "document_pattern".into(),
                    entity_id: None,
                    before: Some(serde_json::json!({
                        "pattern": before.unwrap_or_else(|| pantau_domain::document::DEFAULT_PATTERN.to_owned())
                    })),
                    after: Some(serde_json::json!({"pattern": pattern})),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn document_number(&self, region: &str, key: &$crate::meetings::MeetingKey) -> Result<Option<String>> {
                let number: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT m.document_number FROM meetings m JOIN regions r ON r.id = m.region_id JOIN programs p ON p.id = m.program_id \
                     WHERE r.code = $1 AND p.code = $2 AND m.scope_key = $3",
                )
                .bind(region)
                .bind(&key.program)
                .bind(key.scope_key())
                .fetch_optional(&self.pool)
                .await?;
                Ok(number.flatten())
            }

            async fn attendance(&self, region: &str, key: &$crate::meetings::MeetingKey) -> Result<Vec<$crate::documents::Attendee>> {
                let rows = sqlx::query(
                    "SELECT a.name, a.office, a.present FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id \
                     JOIN regions r ON r.id = m.region_id JOIN programs p ON p.id = m.program_id \
                     WHERE r.code = $1 AND p.code = $2 AND m.scope_key = $3 ORDER BY a.position",
                )
                .bind(region)
                .bind(&key.program)
                .bind(key.scope_key())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::documents::Attendee {
                            name: row.try_get("name")?,
                            office: row.try_get("office")?,
                            present: row.try_get("present")?,
                        })
                    })
                    .collect()
            }

            async fn save_attendance(
                &self,
                region: &str,
                key: &$crate::meetings::MeetingKey,
                list: &[$crate::documents::Attendee],
                actor: &Actor,
            ) -> Result<()> {
                let list = $crate::documents::clean_attendance(list)?;
                let mut tx = self.begin_write().await?;
                let (meeting_id, region_id) = Self::open_meeting_in(&mut tx, region, key, actor).await?;
                sqlx::query("DELETE FROM meeting_attendance WHERE meeting_id = $1")
                    .bind(meeting_id)
                    .execute(&mut *tx)
                    .await?;
                for (position, a) in list.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO meeting_attendance (meeting_id, position, name, office, present) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(meeting_id)
                    .bind(position as i64)
                    .bind(&a.name)
                    .bind(&a.office)
                    .bind(a.present)
                    .execute(&mut *tx)
                    .await?;
                }
                let record = NewAudit {
                    action: "attendance".into(),
                    entity: "meeting".into(),
                    entity_id: Some(meeting_id.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "meeting": key.scope_key(), "program": key.program,
                        "present": list.iter().filter(|a| a.present).count(),
                        "absent": list.iter().filter(|a| !a.present).count(),
                    })),
                };
                Self::append_audit_in(&mut tx, Some(region_id), actor, &record).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
