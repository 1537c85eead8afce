//! Citizen feedback (masukan warga) on a published target or unit, in the
//! flow citizens know from LAPOR! SP4N: received, verified (or held,
//! declined as not the region's business, archived), dispatched to the unit,
//! answered, done; the citizen may reopen an answer. Who may take each step
//! and by when is decided here; the store records the steps and the web
//! layer shows them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::workdays::WorkCalendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Aspirasi,
    Pengaduan,
    PermintaanInformasi,
}

impl Category {
    pub const ALL: [Category; 3] = [
        Category::Aspirasi,
        Category::Pengaduan,
        Category::PermintaanInformasi,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Aspirasi => "aspirasi",
            Category::Pengaduan => "pengaduan",
            Category::PermintaanInformasi => "permintaan_informasi",
        }
    }

    pub fn parse(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Diterima,
    Diverifikasi,
    /// Held, e.g. waiting for the citizen to say more; may be verified later.
    Ditunda,
    /// Not the region's business; closed with the reason.
    BukanWewenang,
    /// Closed without action (duplicate, abusive, empty), with the reason.
    Diarsipkan,
    Didisposisikan,
    Ditindaklanjuti,
    Selesai,
    /// The citizen found the answer wanting: back to the unit.
    DibukaKembali,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Diterima,
        State::Diverifikasi,
        State::Ditunda,
        State::BukanWewenang,
        State::Diarsipkan,
        State::Didisposisikan,
        State::Ditindaklanjuti,
        State::Selesai,
        State::DibukaKembali,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Diterima => "diterima",
            State::Diverifikasi => "diverifikasi",
            State::Ditunda => "ditunda",
            State::BukanWewenang => "bukan_wewenang",
            State::Diarsipkan => "diarsipkan",
            State::Didisposisikan => "didisposisikan",
            State::Ditindaklanjuti => "ditindaklanjuti",
            State::Selesai => "selesai",
            State::DibukaKembali => "dibuka_kembali",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// No step leads out of it.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            State::Selesai | State::BukanWewenang | State::Diarsipkan
        )
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The region's admin: verifies, holds, declines, archives, dispatches.
    Admin,
    /// An operator of the unit the case was dispatched to: answers.
    Unit,
    /// The citizen holding the tracking code: accepts or reopens an answer.
    Citizen,
    /// Pantau itself: closes an answer left without reply.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    Verify,
    Hold {
        reason: String,
    },
    Decline {
        reason: String,
    },
    Archive {
        reason: String,
    },
    /// To the unit with this code.
    Dispatch {
        unit: String,
    },
    Answer {
        text: String,
    },
    Accept,
    Reopen {
        reason: String,
    },
    /// No reply within [`AUTO_CLOSE_DAYS`] working days of the answer.
    AutoClose,
}

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::Verify => "verify",
            Action::Hold { .. } => "hold",
            Action::Decline { .. } => "decline",
            Action::Archive { .. } => "archive",
            Action::Dispatch { .. } => "dispatch",
            Action::Answer { .. } => "answer",
            Action::Accept => "accept",
            Action::Reopen { .. } => "reopen",
            Action::AutoClose => "auto_close",
        }
    }

    /// The only party that may take it.
    pub fn party(&self) -> Party {
        match self {
            Action::Verify
            | Action::Hold { .. }
            | Action::Decline { .. }
            | Action::Archive { .. }
            | Action::Dispatch { .. } => Party::Admin,
            Action::Answer { .. } => Party::Unit,
            Action::Accept | Action::Reopen { .. } => Party::Citizen,
            Action::AutoClose => Party::System,
        }
    }

    /// The text it must carry (a reason, a unit, an answer), named as a field.
    fn required_text(&self) -> Option<(&'static str, &str)> {
        match self {
            Action::Hold { reason }
            | Action::Decline { reason }
            | Action::Archive { reason }
            | Action::Reopen { reason } => Some(("reason", reason)),
            Action::Dispatch { unit } => Some(("unit", unit)),
            Action::Answer { text } => Some(("answer", text)),
            Action::Verify | Action::Accept | Action::AutoClose => None,
        }
    }
}

/// Working days the admin has to verify and dispatch a case (or close it
/// with a reason), counted from the day it was received.
pub const VERIFY_DAYS: u32 = 3;
/// Working days the unit has to answer, from the day it got the case.
pub const ANSWER_DAYS: u32 = 5;
/// Working days after an answer before a case without reply closes itself.
pub const AUTO_CLOSE_DAYS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("a case that is {} takes no {} step", .state.code(), .action)]
    NotNow { state: State, action: &'static str },
    #[error("the {action} step is the {}'s to take", party_name(*.party))]
    NotYours { action: &'static str, party: Party },
    #[error("{0}: must not be empty")]
    Empty(&'static str),
}

fn party_name(party: Party) -> &'static str {
    match party {
        Party::Admin => "admin",
        Party::Unit => "unit",
        Party::Citizen => "citizen",
        Party::System => "system",
    }
}

/// The state a step leads to from `state`, taken by `by`; or why not.
pub fn step(state: State, action: &Action, by: Party) -> Result<State, StepRefused> {
    let name = action.code();
    if action.party() != by {
        return Err(StepRefused::NotYours {
            action: name,
            party: action.party(),
        });
    }
    if let Some((field, text)) = action.required_text()
        && text.trim().is_empty()
    {
        return Err(StepRefused::Empty(field));
    }
    use State as S;
    let next = match (state, action) {
        (S::Diterima | S::Ditunda, Action::Verify) => S::Diverifikasi,
        (S::Diterima, Action::Hold { .. }) => S::Ditunda,
        (S::Diterima | S::Ditunda | S::Diverifikasi, Action::Decline { .. }) => S::BukanWewenang,
        (S::Diterima | S::Ditunda | S::Diverifikasi, Action::Archive { .. }) => S::Diarsipkan,
        // A reopened case may go to another unit when the first was wrong.
        (S::Diverifikasi | S::Didisposisikan | S::DibukaKembali, Action::Dispatch { .. }) => {
            S::Didisposisikan
        }
        (S::Didisposisikan | S::DibukaKembali, Action::Answer { .. }) => S::Ditindaklanjuti,
        (S::Ditindaklanjuti, Action::Accept | Action::AutoClose) => S::Selesai,
        (S::Ditindaklanjuti, Action::Reopen { .. }) => S::DibukaKembali,
        _ => {
            return Err(StepRefused::NotNow {
                state,
                action: name,
            });
        }
    };
    Ok(next)
}

/// What a case waits for, and until which day (inclusive, in the region's
/// local dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    pub party: Party,
    pub by: NaiveDate,
}

/// The deadline of a case that is in `state` since `since` and was received
/// on `received`. The admin's three days run from receipt until the case is
/// dispatched or closed (holding it does not stop them: domain reading,
/// noted in docs); the unit's five from the day it got the case (again, on
/// reopening); the automatic close falls ten working days after the answer.
pub fn due(cal: &WorkCalendar, state: State, received: NaiveDate, since: NaiveDate) -> Option<Due> {
    match state {
        State::Diterima | State::Diverifikasi | State::Ditunda => Some(Due {
            party: Party::Admin,
            by: cal.add_working_days(received, VERIFY_DAYS),
        }),
        State::Didisposisikan | State::DibukaKembali => Some(Due {
            party: Party::Unit,
            by: cal.add_working_days(since, ANSWER_DAYS),
        }),
        State::Ditindaklanjuti => Some(Due {
            party: Party::System,
            by: cal.add_working_days(since, AUTO_CLOSE_DAYS),
        }),
        State::Selesai | State::BukanWewenang | State::Diarsipkan => None,
    }
}

/// Whether a person's deadline has passed on `today` (the system's own
/// deadline is a close, never overdue).
pub fn is_overdue(due: Option<Due>, today: NaiveDate) -> bool {
    matches!(due, Some(Due { party, by }) if party != Party::System && today > by)
}

/// Whether a case without reply closes itself on `today`.
pub fn closes_itself(due: Option<Due>, today: NaiveDate) -> bool {
    matches!(due, Some(Due { party: Party::System, by }) if today > by)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn actions() -> Vec<Action> {
        vec![
            Action::Verify,
            Action::Hold {
                reason: "kurang lengkap".into(),
            },
            Action::Decline {
                reason: "kewenangan provinsi".into(),
            },
            Action::Archive {
                reason: "ganda".into(),
            },
            Action::Dispatch { unit: "DLH".into() },
            Action::Answer {
                text: "sudah diangkut".into(),
            },
            Action::Accept,
            Action::Reopen {
                reason: "masih menumpuk".into(),
            },
            Action::AutoClose,
        ]
    }

    #[test]
    fn the_usual_path_ends_done() {
        let mut state = State::Diterima;
        for action in [
            Action::Verify,
            Action::Dispatch { unit: "DLH".into() },
            Action::Answer {
                text: "sudah diangkut".into(),
            },
            Action::Reopen {
                reason: "masih menumpuk".into(),
            },
            Action::Answer {
                text: "diangkut lagi".into(),
            },
            Action::AutoClose,
        ] {
            state = step(state, &action, action.party()).unwrap();
        }
        assert_eq!(state, State::Selesai);
    }

    #[test]
    fn refusals_say_why() {
        let err = step(
            State::Diterima,
            &Action::Answer { text: "x".into() },
            Party::Unit,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a case that is diterima takes no answer step"
        );
        let err = step(State::Diterima, &Action::Verify, Party::Unit).unwrap_err();
        assert_eq!(err.to_string(), "the verify step is the admin's to take");
        let err = step(
            State::Diterima,
            &Action::Archive {
                reason: "  ".into(),
            },
            Party::Admin,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "reason: must not be empty");
    }

    #[test]
    fn deadlines_count_working_days() {
        let cal = WorkCalendar::new(WorkCalendar::national_holidays());
        // Received Thursday 10 July 2025: Friday, Monday, Tuesday.
        let due_admin = due(&cal, State::Diterima, d("2025-07-10"), d("2025-07-10")).unwrap();
        assert_eq!(
            due_admin,
            Due {
                party: Party::Admin,
                by: d("2025-07-15")
            }
        );
        assert!(!is_overdue(Some(due_admin), d("2025-07-15")));
        assert!(is_overdue(Some(due_admin), d("2025-07-16")));
        let answer = due(
            &cal,
            State::Ditindaklanjuti,
            d("2025-08-01"),
            d("2025-08-20"),
        );
        assert!(
            !is_overdue(answer, d("2026-01-01")),
            "the system is never late"
        );
        assert!(closes_itself(answer, d("2025-09-04")));
        assert!(!closes_itself(answer, d("2025-09-03")));
    }

    proptest! {
        #[test]
        fn closed_cases_take_no_step_and_only_the_right_party_moves_a_case(
            state_index in 0usize..9, action_index in 0usize..9, party_index in 0usize..4,
        ) {
            let state = State::ALL[state_index];
            let action = &actions()[action_index];
            let party = [Party::Admin, Party::Unit, Party::Citizen, Party::System][party_index];
            let result = step(state, action, party);
            if state.is_closed() || party != action.party() {
                prop_assert!(result.is_err());
            }
            if let Ok(next) = result {
                prop_assert_ne!(next, State::Diterima, "nothing leads back to the start");
                prop_assert_eq!(State::parse(next.code()), Some(next));
            }
        }
    }
}
