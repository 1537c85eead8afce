//! Evaluation meetings: who may hold or read one, its live minutes (the
//! engine as of the period's deadline plus what was recorded), and what the
//! holder records: notes, status overrides, follow-ups, closing. Follow-ups
//! are completed by their owner unit's operator.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use pantau_domain::evaluation::Status;
use pantau_domain::meeting::{FollowUp, MeetingRecord, MeetingScope, Minutes, Note, Override};
use pantau_domain::model::Region;
use pantau_store::meetings::{FollowUpFilter, FollowUpRow, MeetingKey, NewFollowUp, NewOverride};
use pantau_store::{Role, User};

use crate::AppState;
use crate::access::{OperatorOf, actor_of, deny, evaluator_of, operator_of};
use crate::error::PageError;
use crate::service::entries::parse_date;

/// The path segments of the final meeting.
pub const FINAL_CLUSTER: &str = "semua";
pub const FINAL_PERIOD: &str = "akhir";

/// What a user may do with a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// Record notes, overrides, follow-ups; close it.
    Hold,
    Read,
}

/// Admins hold every meeting; an evaluator (Asda) holds its own clusters'
/// weekly meetings and reads the others (it reads all of its region); the
/// final meeting is held by the admin (the Sekretariat Daerah) and read by
/// evaluators and leaders. Operators and finance do not see meetings.
pub fn right_of(user: &User, cluster: Option<&str>) -> Option<Right> {
    if user.role == Role::Admin {
        return Some(Right::Hold);
    }
    if let Some(evaluator) = evaluator_of(user) {
        let own = cluster.is_some_and(|c| evaluator.clusters.iter().any(|e| e == c));
        return Some(if own { Right::Hold } else { Right::Read });
    }
    (user.role == Role::Leader).then_some(Right::Read)
}

/// The follow-ups a user sees: an operator its unit's, an evaluator its
/// clusters', admin and leader all; `None` for the others.
pub fn follow_ups_of(user: &User) -> Option<FollowUpFilter> {
    if let Some(operator) = operator_of(user) {
        Some(FollowUpFilter {
            units: Some(vec![operator.unit.to_owned()]),
            ..Default::default()
        })
    } else if let Some(evaluator) = evaluator_of(user) {
        Some(FollowUpFilter {
            clusters: Some(evaluator.clusters.to_vec()),
            ..Default::default()
        })
    } else {
        matches!(user.role, Role::Admin | Role::Leader).then(FollowUpFilter::default)
    }
}

/// A meeting resolved against the region's model.
pub struct Resolved {
    pub region: Arc<Region>,
    pub version: pantau_store::RegionVersion,
    pub program_index: usize,
    pub scope: MeetingScope,
    pub key: MeetingKey,
}

impl Resolved {
    pub fn program(&self) -> &pantau_domain::model::Program {
        &self.region.programs[self.program_index]
    }

    pub fn cluster_code(&self) -> Option<&str> {
        self.scope
            .cluster
            .map(|c| self.region.clusters[c].code.as_str())
    }

    pub fn path(&self) -> String {
        meeting_path(&self.key)
    }
}

pub fn meeting_path(key: &MeetingKey) -> String {
    match (&key.cluster, key.period) {
        (Some(cluster), Some(period)) => format!("/rapat/{}/{cluster}/{period}", key.program),
        _ => format!("/rapat/{}/{FINAL_CLUSTER}/{FINAL_PERIOD}", key.program),
    }
}

pub async fn resolve(
    state: &AppState,
    region_code: &str,
    (program, cluster, period): &(String, String, String),
) -> Result<Resolved, PageError> {
    let (version, region) = state
        .evaluations
        .current(state.store.as_ref(), region_code)
        .await?;
    let program_index = region
        .programs
        .iter()
        .position(|p| &p.code == program)
        .ok_or(PageError::NotFound)?;
    let model = &region.programs[program_index];
    let (scope, key) = if cluster == FINAL_CLUSTER && period == FINAL_PERIOD {
        (MeetingScope::final_of(model), MeetingKey::final_of(program))
    } else {
        let index: u32 = period.parse().map_err(|_| PageError::NotFound)?;
        let scope = MeetingScope::weekly(&region, model, cluster, index)
            .map_err(|_| PageError::NotFound)?;
        (scope, MeetingKey::weekly(program, cluster, index))
    };
    Ok(Resolved {
        region,
        version,
        program_index,
        scope,
        key,
    })
}

/// The meeting's figures and records now, shaped as its minutes; `by` closes it.
pub async fn live_minutes(
    state: &AppState,
    resolved: &Resolved,
    region_code: &str,
    by: &str,
) -> Result<Minutes, PageError> {
    let program = resolved.program();
    let as_of = resolved.scope.as_of(program);
    let evaluation = state.evaluations.evaluation(
        region_code,
        resolved.version,
        &resolved.region,
        resolved.program_index,
        &as_of,
    );
    let meeting = state.store.meeting(region_code, &resolved.key).await?;
    let region = &resolved.region;
    let unit_name = |code: &str| {
        region
            .units
            .iter()
            .find(|u| u.code == code)
            .map_or_else(|| code.to_owned(), |u| u.name.clone())
    };
    let target_name = |code: &str| {
        program
            .targets
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.name.clone())
    };
    let today = resolved.scope.date(program);
    let all = state
        .store
        .follow_ups(
            region_code,
            &FollowUpFilter {
                program: Some(program.code.clone()),
                ..Default::default()
            },
        )
        .await?;
    let this_meeting = meeting.as_ref().map(|m| m.id);
    let (created, earlier): (Vec<&FollowUpRow>, Vec<&FollowUpRow>) =
        all.iter().partition(|f| Some(f.meeting_id) == this_meeting);
    let earlier: Vec<FollowUp> = earlier
        .into_iter()
        .filter(|f| came_before(f, &resolved.key))
        .map(|f| f.to_domain(today))
        .collect();
    let (notes, overrides) = match &meeting {
        None => (Vec::new(), Vec::new()),
        Some(m) => (
            state.store.meeting_notes(region_code, m.id).await?,
            state.store.meeting_overrides(region_code, m.id).await?,
        ),
    };
    let record = MeetingRecord {
        notes: notes
            .into_iter()
            .map(|n| Note {
                unit_name: unit_name(&n.unit),
                unit: n.unit,
                text: n.text,
                by: n.author,
            })
            .collect(),
        overrides: overrides
            .into_iter()
            .map(|o| Override {
                unit_name: unit_name(&o.unit),
                target_name: o.target.as_deref().and_then(target_name),
                unit: o.unit,
                target: o.target,
                computed: o.computed,
                status: o.status,
                justification: o.justification,
                by: o.author,
            })
            .collect(),
        follow_ups_created: created.iter().map(|f| f.to_domain(today)).collect(),
        earlier_follow_ups: &earlier,
        closed_at: Utc::now(),
        closed_by: by.to_owned(),
    };
    Ok(Minutes::freeze(
        region,
        program,
        &resolved.scope,
        &evaluation,
        record,
    ))
}

/// Whether a follow-up was made in a meeting before this one: a weekly
/// meeting of an earlier period (before the final one, every weekly one).
/// Those made later do not come back to this meeting's agenda.
fn came_before(f: &FollowUpRow, key: &MeetingKey) -> bool {
    match (f.meeting_period, key.period) {
        (Some(theirs), Some(ours)) => theirs < ours,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The berita acara of a closed meeting as one document, for its page and
/// its PDF alike: signed by the meeting's chair with the full name and NIP of
/// the account that holds that office, where the account has them.
pub async fn minutes_document(
    state: &AppState,
    user: &User,
    minutes: &Minutes,
    lang: pantau_present::Lang,
) -> Result<pantau_report::MinutesDocument, PageError> {
    let mut chair = pantau_report::Signatory::chair_of(minutes);
    let cluster = minutes.cluster.as_ref().map(|c| c.code.as_str());
    let holder = state
        .store
        .users(&user.region)
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.role == chair.role)
        .find(|u| cluster.is_none_or(|c| u.clusters.iter().any(|own| own == c)));
    if let Some(holder) = holder {
        chair.full_name = holder.full_name;
        chair.nip = holder.nip;
    }
    let key = meeting_key_of(minutes);
    let attendees: Vec<pantau_report::Attendee> = state
        .store
        .attendance(&user.region, &key)
        .await?
        .into_iter()
        .map(|a| pantau_report::Attendee {
            name: a.name,
            office: a.office,
            present: a.present,
        })
        .collect();
    let letterhead = super::reports::letterhead(state, &user.region).await?;
    let document = pantau_report::MinutesDocument::build(minutes, lang, None, &[chair])
        .with_letterhead(&letterhead)
        .with_attendance(&attendees);
    Ok(
        match state.store.document_number(&user.region, &key).await? {
            Some(number) => document.numbered(&number),
            None => document.as_draft(),
        },
    )
}

/// The meeting the minutes are of.
pub fn meeting_key_of(minutes: &Minutes) -> MeetingKey {
    match (&minutes.cluster, minutes.kind) {
        (Some(cluster), pantau_domain::meeting::MeetingKind::Weekly) => {
            MeetingKey::weekly(&minutes.program.code, &cluster.code, minutes.period.index)
        }
        _ => MeetingKey::final_of(&minutes.program.code),
    }
}

/// Replace the meeting's attendance list.
pub async fn save_attendance(
    state: &AppState,
    held: &Held<'_>,
    list: &[pantau_store::Attendee],
) -> Result<(), PageError> {
    state
        .store
        .save_attendance(
            &held.user.region,
            &held.meeting.key,
            list,
            &actor_of(held.user),
        )
        .await?;
    Ok(())
}

/// A meeting the user may hold: the capability every recording action takes.
pub struct Held<'a> {
    pub user: &'a User,
    pub meeting: Resolved,
}

/// The meeting, if the user may hold it; refusals are audited as `attempted`.
pub async fn hold<'a>(
    state: &AppState,
    user: &'a User,
    segments: &(String, String, String),
    attempted: &str,
) -> Result<Held<'a>, PageError> {
    let meeting = resolve(state, &user.region, segments).await?;
    if right_of(user, meeting.cluster_code()) != Some(Right::Hold) {
        return Err(deny(state, user, attempted).await);
    }
    Ok(Held { user, meeting })
}

/// The meeting, if the user may read it; refusals are audited as `attempted`.
pub async fn read(
    state: &AppState,
    user: &User,
    segments: &(String, String, String),
    attempted: &str,
) -> Result<(Resolved, Right), PageError> {
    let meeting = resolve(state, &user.region, segments).await?;
    match right_of(user, meeting.cluster_code()) {
        Some(right) => Ok((meeting, right)),
        None => Err(deny(state, user, attempted).await),
    }
}

/// A closed meeting's frozen minutes, if the user may read the meeting.
pub async fn closed_minutes(
    state: &AppState,
    user: &User,
    segments: &(String, String, String),
) -> Result<(Resolved, Minutes), PageError> {
    let (resolved, _) = read(state, user, segments, "meeting.minutes").await?;
    let minutes = state
        .store
        .minutes(&user.region, &resolved.key)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((resolved, minutes))
}

/// The minutes as they stand: frozen when closed, live while open.
pub async fn current_minutes(
    state: &AppState,
    user: &User,
    resolved: &Resolved,
) -> Result<(bool, Minutes), PageError> {
    match state.store.minutes(&user.region, &resolved.key).await? {
        Some(frozen) => Ok((false, frozen)),
        None => Ok((
            true,
            live_minutes(state, resolved, &user.region, &user.username).await?,
        )),
    }
}

pub async fn save_note(
    state: &AppState,
    held: &Held<'_>,
    unit: &str,
    text: &str,
) -> Result<(), PageError> {
    state
        .store
        .save_note(
            &held.user.region,
            &held.meeting.key,
            unit,
            text,
            &actor_of(held.user),
        )
        .await?;
    Ok(())
}

/// A status override as asked: `subject` is `UNIT` or `UNIT/TARGET`.
pub struct OverrideDraft {
    pub subject: String,
    pub status: String,
    pub justification: String,
}

pub fn parse_status(text: &str) -> Result<Status, PageError> {
    Status::ALL
        .into_iter()
        .find(|s| s.code() == text)
        .ok_or_else(|| PageError::BadRequest(format!("status: unknown status \"{text}\"")))
}

/// Record a status override beside the computed one, which it never replaces;
/// returns its id.
pub async fn add_override(
    state: &AppState,
    held: &Held<'_>,
    draft: OverrideDraft,
) -> Result<i64, PageError> {
    if draft.justification.trim().is_empty() {
        return Err(PageError::BadRequest(
            "justification: an override needs a justification (alasan koreksi wajib diisi)".into(),
        ));
    }
    let status = parse_status(&draft.status)?;
    let (unit, target) = match draft.subject.split_once('/') {
        Some((unit, target)) => (unit.to_owned(), Some(target.to_owned())),
        None => (draft.subject.clone(), None),
    };
    let resolved = &held.meeting;
    let program = resolved.program();
    let evaluation = state.evaluations.evaluation(
        &held.user.region,
        resolved.version,
        &resolved.region,
        resolved.program_index,
        &resolved.scope.as_of(program),
    );
    let computed = Override::computed_in(
        program,
        &resolved.region,
        &evaluation,
        &unit,
        target.as_deref(),
    );
    Ok(state
        .store
        .add_override(
            &held.user.region,
            &resolved.key,
            &NewOverride {
                unit,
                target,
                computed,
                status,
                justification: draft.justification,
            },
            &actor_of(held.user),
        )
        .await?)
}

/// A follow-up as asked: owner unit, due date (`YYYY-MM-DD`), what to do.
pub struct FollowUpDraft {
    pub unit: String,
    pub due: String,
    pub description: String,
}

pub async fn add_follow_up(
    state: &AppState,
    held: &Held<'_>,
    draft: FollowUpDraft,
) -> Result<i64, PageError> {
    let due: NaiveDate = parse_date("due", &draft.due)?;
    let meeting_day = held.meeting.scope.date(held.meeting.program());
    if due < meeting_day {
        return Err(PageError::BadRequest(format!(
            "due: a follow-up made at the meeting of {meeting_day} cannot be due before it"
        )));
    }
    Ok(state
        .store
        .add_follow_up(
            &held.user.region,
            &held.meeting.key,
            &NewFollowUp {
                unit: draft.unit,
                description: draft.description,
                due,
            },
            &actor_of(held.user),
        )
        .await?)
}

/// Close the meeting: its minutes are frozen as they stand now.
pub async fn close(state: &AppState, held: &Held<'_>, confirmed: bool) -> Result<(), PageError> {
    if !confirmed {
        return Err(PageError::BadRequest(
            "confirm: tick the box to confirm that the minutes are final (centang konfirmasi)"
                .into(),
        ));
    }
    let minutes =
        live_minutes(state, &held.meeting, &held.user.region, &held.user.username).await?;
    state
        .store
        .close_meeting(
            &held.user.region,
            &held.meeting.key,
            &minutes,
            &actor_of(held.user),
        )
        .await?;
    Ok(())
}

/// The owner unit's operator marks a follow-up done, saying what was done;
/// `Forbidden` for another unit's.
pub async fn complete_follow_up(
    state: &AppState,
    operator: &OperatorOf<'_>,
    id: i64,
    note: &str,
) -> Result<(), PageError> {
    let follow_up = state
        .store
        .follow_up(&operator.user.region, id)
        .await?
        .ok_or(PageError::NotFound)?;
    if follow_up.unit != operator.unit {
        return Err(PageError::Forbidden);
    }
    state
        .store
        .complete_follow_up(
            &operator.user.region,
            id,
            note,
            Utc::now(),
            &actor_of(operator.user),
        )
        .await?;
    Ok(())
}
