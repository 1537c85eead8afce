//! Evaluation meetings (rapat evaluasi): the agenda built from the engine, notes, status overrides, follow-ups and the frozen minutes (berita acara).
//!
//! A meeting is addressed as `/rapat/{program}/{cluster}/{period}`, the final
//! one as `/rapat/{program}/semua/akhir`. While it is open its page is built
//! live: the engine as of the period's deadline, plus what was recorded, shaped
//! as the [`Minutes`] closing would freeze. Once closed, every page of it is
//! read from the frozen minutes and nothing is recomputed.

use pantau_present as present;
use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use pantau_domain::evaluation::{ComplianceState, Status};
use pantau_domain::meeting::{FollowUp, FollowUpState, MeetingKind, MeetingScope, Minutes};
use pantau_store::meetings::{MeetingKey, MeetingStatus};
use serde::Deserialize;

use super::{Nav, lang_of, render};
use crate::AppState;
use crate::access::{CurrentUser, check_csrf};
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::service::lists::{self, ListRequest, ListView};
use crate::service::meetings::{
    self, FollowUpDraft, Held, OverrideDraft, Right, follow_ups_of, meeting_path, right_of,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rapat", get(list))
        .route("/rapat/{program}/{cluster}/{period}", get(meeting_page))
        .route(
            "/rapat/{program}/{cluster}/{period}/berita-acara",
            get(minutes_page),
        )
        .route(
            "/rapat/{program}/{cluster}/{period}/berita-acara.pdf",
            get(minutes_pdf),
        )
        .route(
            "/rapat/{program}/{cluster}/{period}/catatan",
            post(save_note),
        )
        .route(
            "/rapat/{program}/{cluster}/{period}/koreksi",
            post(add_override),
        )
        .route(
            "/rapat/{program}/{cluster}/{period}/tindak-lanjut",
            post(add_follow_up),
        )
        .route("/rapat/{program}/{cluster}/{period}/tutup", post(close))
        .route(
            "/rapat/{program}/{cluster}/{period}/berita-acara-draf.pdf",
            get(draft_pdf),
        )
        .route(
            "/rapat/{program}/{cluster}/{period}/daftar-hadir",
            post(save_attendance),
        )
        .route("/tindak-lanjut", get(follow_ups_page))
        .route("/tindak-lanjut/{id}/selesai", post(complete_follow_up))
}

// ---------------------------------------------------------------------------
// What the templates show, built from the minutes (live or frozen).

pub struct FollowUpView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub description: String,
    pub due: String,
    pub state: &'static str,
    pub done_note: String,
}

impl FollowUpView {
    fn of(lang: Lang, f: &FollowUp) -> FollowUpView {
        FollowUpView {
            id: f.id,
            unit: f.unit.clone(),
            unit_name: f.unit_name.clone(),
            description: f.description.clone(),
            due: present::date(lang, f.due),
            state: f.state.code(),
            done_note: f.done_note.clone().unwrap_or_default(),
        }
    }
}

pub struct ReportingView {
    pub unit: String,
    pub unit_name: String,
    pub this_period: &'static str,
    pub missing: String,
    pub late: String,
}

pub struct TargetView {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub status: &'static str,
    pub capaian: String,
    pub stale: bool,
    pub likely_to_miss: bool,
}

pub struct OverrideView {
    pub unit: String,
    pub target: String,
    pub computed: &'static str,
    pub status: &'static str,
    pub justification: String,
    pub by: String,
}

pub struct UnitView {
    pub code: String,
    pub name: String,
    pub targets: u32,
    pub status: &'static str,
    pub capaian: String,
    pub rating: &'static str,
    pub reported: &'static str,
    pub note: String,
    /// `(code, name)` of its targets, for the override form.
    pub target_codes: Vec<(String, String)>,
}

pub struct MinutesView {
    pub title: String,
    pub program_name: String,
    pub region_name: String,
    pub cluster_name: String,
    pub is_final: bool,
    /// "Minggu ke-9 (18–24 April 2025)".
    pub period: String,
    /// "Angka per 25 April 2025 pukul 09.00 WIB".
    pub figures_as_of: String,
    pub deadline: String,
    pub meeting_day: String,
    /// The meeting day as a form value (`YYYY-MM-DD`).
    pub meeting_day_iso: String,
    pub cluster_capaian: String,
    pub cluster_status: &'static str,
    pub follow_ups: Vec<FollowUpView>,
    pub reporting: Vec<ReportingView>,
    pub targets: Vec<TargetView>,
    pub overrides: Vec<OverrideView>,
    pub created: Vec<FollowUpView>,
    pub reviewed: Vec<FollowUpView>,
    pub units: Vec<UnitView>,
}

fn list_of(periods: &[u32]) -> String {
    periods
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A meeting looks at its period at the deadline, where "open" means that
/// nothing had arrived: it is shown as not reported.
fn reported_by_deadline(state: ComplianceState) -> &'static str {
    match state {
        ComplianceState::Open => ComplianceState::Missing.code(),
        other => other.code(),
    }
}

fn status_of(status: Option<Status>) -> &'static str {
    status.map_or("no_data", Status::code)
}

fn minutes_view(tr: &Tr, minutes: &Minutes) -> MinutesView {
    let lang = tr.lang;
    let tz: chrono_tz::Tz = minutes.timezone.parse().unwrap_or(chrono_tz::Asia::Jakarta);
    let notes: HashMap<&str, &str> = minutes
        .notes
        .iter()
        .map(|n| (n.unit.as_str(), n.text.as_str()))
        .collect();
    // Units without targets owe no report and have no figures: left out of the tables.
    let units = minutes
        .units
        .iter()
        .filter(|u| u.result.targets > 0)
        .map(|u| UnitView {
            code: u.result.code.clone(),
            name: u.name.clone(),
            targets: u.result.targets,
            status: if u.result.targets == 0 {
                ""
            } else {
                status_of(u.result.status)
            },
            capaian: present::pct(lang, u.result.achievement_pct),
            rating: present::rating(lang, u.result.rating),
            reported: u
                .result
                .compliance
                .iter()
                .find(|c| c.period == minutes.period.index)
                .map_or("", |c| reported_by_deadline(c.state)),
            note: notes
                .get(u.result.code.as_str())
                .map(|t| t.to_string())
                .unwrap_or_default(),
            target_codes: minutes
                .targets
                .iter()
                .filter(|t| t.result.unit == u.result.code)
                .map(|t| (t.result.code.clone(), t.name.clone()))
                .collect(),
        })
        .collect();
    let title = match &minutes.cluster {
        Some(c) => format!(
            "{} {} · {}",
            tr.t("meeting-weekly"),
            c.code,
            present::period_short(lang, minutes.period.index)
        ),
        None => tr.t("meeting-final"),
    };
    MinutesView {
        title,
        program_name: minutes.program.name.clone(),
        region_name: minutes.region.name.clone(),
        cluster_name: minutes
            .cluster
            .as_ref()
            .map(|c| format!("{} ({})", c.name, c.code))
            .unwrap_or_default(),
        is_final: minutes.kind == MeetingKind::Final,
        period: present::period(
            lang,
            &pantau_domain::Period {
                index: minutes.period.index,
                start: minutes.period.start,
                end: minutes.period.end,
                deadline: minutes.period.deadline,
            },
        ),
        deadline: present::moment(lang, tz, minutes.period.deadline),
        // A meeting looks at the figures as of its period's deadline.
        figures_as_of: present::figures_as_of(
            lang,
            tz,
            &pantau_domain::AsOf {
                instant: minutes.period.deadline,
                local_date: minutes.period.deadline.with_timezone(&tz).date_naive(),
                date_only: false,
            },
        ),
        meeting_day: present::date(
            lang,
            minutes.period.deadline.with_timezone(&tz).date_naive(),
        ),
        meeting_day_iso: minutes
            .period
            .deadline
            .with_timezone(&tz)
            .date_naive()
            .to_string(),
        cluster_capaian: match (&minutes.cluster_result, &minutes.evaluation) {
            (Some(cluster), _) => present::pct(lang, cluster.achievement_pct),
            (None, Some(evaluation)) => present::pct(lang, evaluation.summary.achievement_pct),
            (None, None) => String::new(),
        },
        cluster_status: minutes
            .cluster_result
            .as_ref()
            .map_or("", |c| status_of(c.status)),
        follow_ups: minutes
            .agenda
            .follow_ups
            .iter()
            .map(|f| FollowUpView::of(lang, f))
            .collect(),
        reporting: minutes
            .agenda
            .reporting
            .iter()
            .map(|r| ReportingView {
                unit: r.unit.clone(),
                unit_name: r.unit_name.clone(),
                this_period: reported_by_deadline(r.this_period),
                missing: list_of(&r.missing_periods),
                late: list_of(&r.late_periods),
            })
            .collect(),
        targets: minutes
            .agenda
            .targets
            .iter()
            .map(|t| TargetView {
                code: t.target.clone(),
                name: t.target_name.clone(),
                unit: t.unit.clone(),
                status: t.status.code(),
                capaian: present::pct(lang, t.achievement_pct),
                stale: t.stale,
                likely_to_miss: t.likely_to_miss,
            })
            .collect(),
        overrides: minutes
            .overrides
            .iter()
            .map(|o| OverrideView {
                unit: o.unit.clone(),
                target: o
                    .target
                    .as_ref()
                    .map(|t| format!("{t} {}", o.target_name.clone().unwrap_or_default()))
                    .unwrap_or_default(),
                computed: status_of(o.computed),
                status: o.status.code(),
                justification: o.justification.clone(),
                by: o.by.clone(),
            })
            .collect(),
        created: minutes
            .follow_ups_created
            .iter()
            .map(|f| FollowUpView::of(lang, f))
            .collect(),
        reviewed: minutes
            .follow_ups_reviewed
            .iter()
            .map(|f| FollowUpView::of(lang, f))
            .collect(),
        units,
    }
}

// ---------------------------------------------------------------------------
// The list of meetings.

pub struct MeetingLink {
    pub path: String,
    pub program: String,
    pub label: String,
    pub meeting_day: String,
    pub state: &'static str,
    /// What the list's filters look at: the cluster and the period (none for the final meeting).
    cluster: Option<String>,
    period: Option<u32>,
    program_code: String,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    list: ListView,
    meetings: Vec<MeetingLink>,
}

/// A meeting's state as a list's filter value.
const MEETING_STATES: [(&str, &str); 3] = [
    ("belum", "not-started"),
    ("dibuka", "open"),
    ("ditutup", "closed"),
];

/// The meetings of the programs, as far as the end of this week, newest
/// first. The list is the calendar's (programs × weeks × clusters, bounded by
/// the plan), not rows that grow: it is filtered and paged here.
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if right_of(&user.user, None).is_none() {
        return Err(user.deny(&state, "meeting.list").await);
    }
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let now = Utc::now();
    let soon = now + chrono::Duration::days(7);
    // An evaluator sees its own clusters first.
    let own: Vec<String> = user
        .evaluator()
        .map(|e| e.clusters.to_vec())
        .unwrap_or_default();
    let mut clusters: Vec<&pantau_domain::model::Cluster> = region.clusters.iter().collect();
    clusters.sort_by_key(|c| !own.contains(&c.code));
    let mut meetings = Vec::new();
    for program in &region.programs {
        let recorded = state.store.meetings(user.region(), &program.code).await?;
        let state_of = |key: &MeetingKey| {
            recorded
                .iter()
                .find(|m| m.cluster == key.cluster && m.period == key.period)
                .map_or("not-started", |m| match m.status {
                    MeetingStatus::Open => "open",
                    MeetingStatus::Closed => "closed",
                })
        };
        let cal = &program.calendar;
        // The final meeting appears in the program's last week.
        if cal.local_date(now) + chrono::Duration::days(7) >= cal.end {
            let key = MeetingKey::final_of(&program.code);
            let scope = MeetingScope::final_of(program);
            meetings.push(MeetingLink {
                path: meeting_path(&key),
                program: program.name.clone(),
                label: tr.t("meeting-final"),
                meeting_day: present::date(lang, scope.date(program)),
                state: state_of(&key),
                cluster: None,
                period: None,
                program_code: program.code.clone(),
            });
        }
        // Newest first: the periods due by the end of this week.
        for period in cal.periods().iter().rev().filter(|p| p.deadline <= soon) {
            for cluster in &clusters {
                let key = MeetingKey::weekly(&program.code, &cluster.code, period.index);
                meetings.push(MeetingLink {
                    path: meeting_path(&key),
                    program: program.name.clone(),
                    label: format!("{} · {}", cluster.code, present::period(lang, period)),
                    meeting_day: present::date(lang, cal.local_date(period.deadline)),
                    state: state_of(&key),
                    cluster: Some(cluster.code.clone()),
                    period: Some(period.index),
                    program_code: program.code.clone(),
                });
            }
        }
    }
    let mut list = ListRequest::new(
        &tr,
        "/rapat",
        &raw,
        vec![("baru", tr.t("sort-newest")), ("lama", tr.t("sort-oldest"))],
    );
    let wanted_state = list
        .filter(
            "status",
            tr.t("filter-status"),
            MEETING_STATES
                .iter()
                .map(|(key, code)| ((*key).to_owned(), tr.t(&format!("meeting-state-{code}"))))
                .collect(),
        )
        .and_then(|key| {
            MEETING_STATES
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, c)| *c)
        });
    let cluster = list.filter(
        "klaster",
        tr.t("filter-cluster"),
        lists::cluster_choices(&region, None),
    );
    let program = lists::program_of(&region, &raw);
    let period = match program {
        Some(program) => list
            .filter(
                "periode",
                tr.t("filter-period"),
                lists::period_choices(lang, program),
            )
            .and_then(|p| p.parse::<u32>().ok())
            .map(|p| (program.code.clone(), p)),
        None => None,
    };
    let words: Vec<String> = list
        .q
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    meetings.retain(|m| {
        wanted_state.is_none_or(|s| m.state == s)
            && cluster
                .as_ref()
                .is_none_or(|c| m.cluster.as_ref() == Some(c))
            && period
                .as_ref()
                .is_none_or(|(code, p)| &m.program_code == code && m.period == Some(*p))
            && words.iter().all(|w| {
                m.label.to_lowercase().contains(w)
                    || m.program.to_lowercase().contains(w)
                    || m.meeting_day.to_lowercase().contains(w)
            })
    });
    if list.sort == "lama" {
        meetings.reverse();
    }
    let total = meetings.len() as i64;
    let (offset, limit) = list.page_of(total);
    let meetings: Vec<MeetingLink> = meetings
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    let list = list.finish(total);
    render(&ListPage {
        nav: Some(Nav::of(&user).await?),
        tr,
        list,
        meetings,
    })
}

// ---------------------------------------------------------------------------
// One meeting.

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    m: MinutesView,
    path: String,
    open: bool,
    can_hold: bool,
    csrf: String,
    statuses: Vec<&'static str>,
    due_default: String,
    /// The attendance recorded, then blank lines to add more.
    attendance: Vec<AttendanceLine>,
    /// Open citizen feedback about the cluster's units, for an open meeting.
    feedback: Vec<FeedbackLine>,
}

/// An open citizen feedback case on a meeting's agenda.
pub struct FeedbackLine {
    /// The tracking code, for the admin who moderates it.
    pub code: Option<String>,
    pub unit: String,
    pub category: String,
    pub state: String,
    pub excerpt: String,
    pub overdue: bool,
}

/// The open feedback cases about the units of the meeting's cluster (all
/// units at the final meeting), overdue first, at most ten.
async fn agenda_feedback(
    state: &AppState,
    tr: &Tr<'_>,
    resolved: &meetings::Resolved,
    admin: bool,
) -> Result<Vec<FeedbackLine>, PageError> {
    use crate::service::feedback as fb;
    let region = &resolved.region;
    let units: Vec<String> = region
        .units
        .iter()
        .filter(|u| resolved.scope.cluster.is_none() || u.cluster == resolved.scope.cluster)
        .map(|u| u.code.clone())
        .collect();
    let open = fb::open_cases(state, &region.code, Some(&units)).await?;
    Ok(open
        .cases
        .into_iter()
        .take(10)
        .map(|(case, overdue)| {
            let unit = case.dispatched_unit.clone().unwrap_or(case.unit.clone());
            let mut excerpt: String = case.body.chars().take(140).collect();
            if case.body.chars().count() > 140 {
                excerpt.push('…');
            }
            FeedbackLine {
                unit: region
                    .units
                    .iter()
                    .find(|u| u.code == unit)
                    .map_or(unit, |u| u.name.clone()),
                category: fb::category_label(tr, case.category),
                state: fb::state_label(tr, case.state),
                excerpt,
                overdue,
                code: admin.then_some(case.tracking_code),
            }
        })
        .collect())
}

/// A line of the attendance form (or list, once closed).
pub struct AttendanceLine {
    pub index: usize,
    pub name: String,
    pub office: String,
    pub present: bool,
}

/// Blank lines the attendance form offers below those recorded.
const BLANK_ATTENDANCE_LINES: usize = 3;

async fn meeting_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (resolved, right) = meetings::read(&state, &user.user, &segments, "meeting.read").await?;
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let (open, minutes) = meetings::current_minutes(&state, &user.user, &resolved).await?;
    let nav = Nav::of(&user).await?;
    let due_default =
        (resolved.scope.date(resolved.program()) + chrono::Duration::days(7)).to_string();
    let recorded = state.store.attendance(user.region(), &resolved.key).await?;
    let blank = if open && right == Right::Hold {
        BLANK_ATTENDANCE_LINES
    } else {
        0
    };
    let attendance = recorded
        .into_iter()
        .map(|a| (a.name, a.office, a.present))
        .chain(std::iter::repeat_n(
            (String::new(), String::new(), true),
            blank,
        ))
        .enumerate()
        .map(|(index, (name, office, present))| AttendanceLine {
            index,
            name,
            office,
            present,
        })
        .collect();
    let feedback = if open {
        agenda_feedback(&state, &tr, &resolved, user.admin().is_some()).await?
    } else {
        Vec::new()
    };
    render(&MeetingPage {
        feedback,
        m: minutes_view(&tr, &minutes),
        tr,
        path: resolved.path(),
        open,
        can_hold: right == Right::Hold,
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        statuses: Status::ALL.iter().map(|s| s.code()).collect(),
        due_default,
        attendance,
    })
}

#[derive(Template)]
#[template(path = "meeting_minutes.html")]
struct MinutesPage<'a> {
    tr: Tr<'a>,
    d: pantau_report::MinutesDocument,
    path: String,
}

/// The printable berita acara of a closed meeting, from its frozen minutes:
/// the same document the PDF typesets.
async fn minutes_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (resolved, minutes) = meetings::closed_minutes(&state, &user.user, &segments).await?;
    let lang = lang_of(&user.session).await;
    let d = meetings::minutes_document(&state, &user.user, &minutes, lang).await?;
    render(&MinutesPage {
        tr: Tr {
            catalog: &state.i18n,
            lang,
        },
        d,
        path: resolved.path(),
    })
}

/// The berita acara as a PDF to sign, typeset from the same document as its page.
async fn minutes_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (_, minutes) = meetings::closed_minutes(&state, &user.user, &segments).await?;
    let lang = lang_of(&user.session).await;
    let document = meetings::minutes_document(&state, &user.user, &minutes, lang).await?;
    let file_name = format!(
        "berita-acara-{}-{}-{}.pdf",
        segments.0, segments.1, segments.2
    );
    // Typesetting is CPU work: keep it off the request threads.
    let bytes = tokio::task::spawn_blocking(move || pantau_report::minutes::pdf(&document))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    Ok(crate::service::reports::Download {
        bytes,
        content_type: crate::service::reports::PDF,
        file_name,
    }
    .into_response())
}

/// The berita acara as it stands, marked "DRAF" without a number while the
/// meeting is open (the final one once it is closed): for whoever may read
/// the meeting, to read it over before closing.
async fn draft_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (resolved, _) = meetings::read(&state, &user.user, &segments, "meeting.draft").await?;
    let (_, minutes) = meetings::current_minutes(&state, &user.user, &resolved).await?;
    let lang = lang_of(&user.session).await;
    let document = meetings::minutes_document(&state, &user.user, &minutes, lang).await?;
    let file_name = format!(
        "berita-acara-draf-{}-{}-{}.pdf",
        segments.0, segments.1, segments.2
    );
    let bytes = tokio::task::spawn_blocking(move || pantau_report::minutes::pdf(&document))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    Ok(crate::service::reports::Download {
        bytes,
        content_type: crate::service::reports::PDF,
        file_name,
    }
    .into_response())
}

/// The attendance form's fields: `csrf`, then `name_N`, `office_N` and
/// `present_N` (`yes`, or absent for not present) for each line N.
fn attendance_of(fields: &[(String, String)]) -> Vec<pantau_store::Attendee> {
    let mut lines: std::collections::BTreeMap<usize, pantau_store::Attendee> = Default::default();
    for (key, value) in fields {
        let Some((field, index)) = key.rsplit_once('_') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let line = lines
            .entry(index)
            .or_insert_with(|| pantau_store::Attendee {
                name: String::new(),
                office: String::new(),
                present: false,
            });
        match field {
            "name" => line.name = value.clone(),
            "office" => line.office = value.clone(),
            "present" => line.present = value == "yes",
            _ => {}
        }
    }
    lines.into_values().collect()
}

/// Record who attended (only who holds the meeting: its evaluator or an admin).
async fn save_attendance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    check_csrf(&user.session, csrf).await?;
    let held = meetings::hold(&state, &user.user, &segments, "meeting.attendance").await?;
    meetings::save_attendance(&state, &held, &attendance_of(&fields)).await?;
    Ok(Redirect::to(&format!("{}#attendance", held.meeting.path())))
}

fn back_to(held: &Held) -> Redirect {
    Redirect::to(&held.meeting.path())
}

#[derive(Deserialize)]
pub struct NoteForm {
    csrf: Option<String>,
    unit: String,
    #[serde(default)]
    text: String,
}

async fn save_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
    Form(form): Form<NoteForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let held = meetings::hold(&state, &user.user, &segments, "meeting.note").await?;
    meetings::save_note(&state, &held, &form.unit, &form.text).await?;
    Ok(back_to(&held))
}

#[derive(Deserialize)]
pub struct OverrideForm {
    csrf: Option<String>,
    /// `UNIT` for the unit's status, `UNIT/TARGET` for a target's.
    subject: String,
    status: String,
    #[serde(default)]
    justification: String,
}

async fn add_override(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
    Form(form): Form<OverrideForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let held = meetings::hold(&state, &user.user, &segments, "meeting.override").await?;
    let draft = OverrideDraft {
        subject: form.subject,
        status: form.status,
        justification: form.justification,
    };
    meetings::add_override(&state, &held, draft).await?;
    Ok(back_to(&held))
}

#[derive(Deserialize)]
pub struct FollowUpForm {
    csrf: Option<String>,
    unit: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    description: String,
}

async fn add_follow_up(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
    Form(form): Form<FollowUpForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let held = meetings::hold(&state, &user.user, &segments, "meeting.follow_up").await?;
    let draft = FollowUpDraft {
        unit: form.unit,
        due: form.due,
        description: form.description,
    };
    meetings::add_follow_up(&state, &held, draft).await?;
    Ok(back_to(&held))
}

#[derive(Deserialize)]
pub struct CloseForm {
    csrf: Option<String>,
    confirm: Option<String>,
}

async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(segments): Path<(String, String, String)>,
    Form(form): Form<CloseForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let held = meetings::hold(&state, &user.user, &segments, "meeting.close").await?;
    meetings::close(&state, &held, form.confirm.as_deref() == Some("yes")).await?;
    Ok(Redirect::to(&format!(
        "{}/berita-acara",
        held.meeting.path()
    )))
}

// ---------------------------------------------------------------------------
// Follow-ups (tindak lanjut).

pub struct FollowUpLine {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub description: String,
    pub due: String,
    pub state: &'static str,
    pub meeting: String,
    pub meeting_path: String,
    pub done_note: String,
    pub done_by: String,
    pub can_complete: bool,
}

#[derive(Template)]
#[template(path = "followups.html")]
struct FollowUpsPage<'a> {
    tr: Tr<'a>,
    nav: Option<Nav>,
    csrf: String,
    list: ListView,
    rows: Vec<FollowUpLine>,
}

/// A follow-up's state as a list's filter value.
const FOLLOW_UP_STATES: [(&str, FollowUpState); 3] = [
    ("lewat", FollowUpState::Overdue),
    ("terbuka", FollowUpState::Open),
    ("selesai", FollowUpState::Done),
];

async fn follow_ups_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(mut filter) = follow_ups_of(&user.user) else {
        return Err(user.deny(&state, "follow_up.read").await);
    };
    let lang = lang_of(&user.session).await;
    let tr = Tr {
        catalog: &state.i18n,
        lang,
    };
    let region = state
        .evaluations
        .region(state.store.as_ref(), user.region())
        .await?;
    let today = Utc::now().with_timezone(&region.timezone).date_naive();
    let own_unit = user.operator().map(|o| o.unit.to_owned());
    let sorts = vec![("tenggat", tr.t("sort-due")), ("baru", tr.t("sort-newest"))];
    let mut list = ListRequest::new(&tr, "/tindak-lanjut", &raw, sorts);
    let chosen_state = list
        .filter(
            "status",
            tr.t("filter-status"),
            FOLLOW_UP_STATES
                .iter()
                .map(|(key, s)| {
                    (
                        (*key).to_owned(),
                        present::follow_up_state(lang, *s).to_owned(),
                    )
                })
                .collect(),
        )
        .and_then(|key| {
            FOLLOW_UP_STATES
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, s)| *s)
        });
    match chosen_state {
        Some(FollowUpState::Overdue) => {
            filter.done = Some(false);
            filter.due_before = Some(today);
        }
        Some(FollowUpState::Open) => {
            filter.done = Some(false);
            filter.due_from = Some(today);
        }
        Some(FollowUpState::Done) => filter.done = Some(true),
        None => {}
    }
    if filter.units.is_none() {
        let clusters = filter.clusters.clone();
        if let Some(unit) = list.filter(
            "unit",
            tr.t("filter-unit"),
            lists::unit_choices(&region, clusters.as_deref()),
        ) {
            filter.units = Some(vec![unit]);
        }
        let offered = lists::cluster_choices(&region, clusters.as_deref());
        if offered.len() > 1
            && let Some(cluster) = list.filter("klaster", tr.t("filter-cluster"), offered)
        {
            filter.clusters = Some(vec![cluster]);
        }
    }
    filter.search = list.q.clone();
    filter.newest_first = list.sort == "baru";
    let total = state.store.count_follow_ups(user.region(), &filter).await?;
    let (offset, limit) = list.page_of(total);
    filter.offset = Some(offset);
    filter.limit = Some(limit);
    let rows: Vec<FollowUpLine> = state
        .store
        .follow_ups(user.region(), &filter)
        .await?
        .into_iter()
        .map(|f| {
            let state = FollowUpState::of(f.due, f.done_at.is_some(), today);
            let key = match (&f.meeting_cluster, f.meeting_period) {
                (Some(c), Some(p)) => MeetingKey::weekly(&f.program, c, p),
                _ => MeetingKey::final_of(&f.program),
            };
            FollowUpLine {
                id: f.id,
                meeting: match (&f.meeting_cluster, f.meeting_period) {
                    (Some(c), Some(p)) => format!("{c} · {}", present::period_short(lang, p)),
                    _ => tr.t("meeting-final"),
                },
                meeting_path: meeting_path(&key),
                can_complete: state != FollowUpState::Done
                    && own_unit.as_deref() == Some(f.unit.as_str()),
                state: state.code(),
                unit: f.unit,
                unit_name: f.unit_name,
                description: f.description,
                due: present::date(lang, f.due),
                done_note: f.done_note.unwrap_or_default(),
                done_by: f.done_by.unwrap_or_default(),
            }
        })
        .collect();
    let nav = Nav::of(&user).await?;
    let list = list.finish(total);
    render(&FollowUpsPage {
        csrf: nav.csrf.clone(),
        nav: Some(nav),
        tr,
        list,
        rows,
    })
}

#[derive(Deserialize)]
pub struct DoneForm {
    csrf: Option<String>,
    #[serde(default)]
    note: String,
    /// The page of the list the follow-up was marked done on.
    kembali: Option<String>,
}

/// The owner unit's operator marks a follow-up done, saying what was done.
async fn complete_follow_up(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DoneForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user.session, form.csrf.as_deref()).await?;
    let Some(operator) = user.operator() else {
        return Err(user.deny(&state, "follow_up.done").await);
    };
    match meetings::complete_follow_up(&state, &operator, id, &form.note).await {
        Err(PageError::Forbidden) => Err(user.deny(&state, "follow_up.done.other_unit").await),
        Err(other) => Err(other),
        Ok(()) => Ok(Redirect::to(&lists::back_to(
            "/tindak-lanjut",
            form.kembali.as_deref(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_paths_name_cluster_and_period_or_the_final_one() {
        assert_eq!(
            meeting_path(&MeetingKey::weekly("100HK", "ASDA1", 3)),
            "/rapat/100HK/ASDA1/3"
        );
        assert_eq!(
            meeting_path(&MeetingKey::final_of("100HK")),
            "/rapat/100HK/semua/akhir"
        );
    }

    #[test]
    fn attendance_lines_are_read_by_their_number() {
        let field = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let lines = attendance_of(&[
            field("csrf", "x"),
            field("name_1", "Budi"),
            field("office_1", "Dinsos"),
            field("name_0", "Ani"),
            field("present_0", "yes"),
            field("office_0", "DP3A"),
        ]);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].name.as_str(), lines[0].present), ("Ani", true));
        assert_eq!((lines[1].name.as_str(), lines[1].present), ("Budi", false));
    }

    #[test]
    fn lists_of_periods_read_as_text() {
        assert_eq!(list_of(&[4, 5]), "4, 5");
        assert_eq!(list_of(&[]), "");
    }
}
