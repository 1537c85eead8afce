//! The sessions and accounts an app server keeps in memory, so that a
//! logged-in request need not read either from the database. Only on
//! PostgreSQL, and only while its listener is connected: every change of a
//! session or of an account, on any app server or by the command line,
//! sends a notification in its transaction (`pantau_sessions`), and the
//! listener drops what it names. While the listener is not connected
//! nothing is kept and every request reads the database, as on SQLite (one
//! server's database, a local read, which `pantau` commands beside the
//! server change without notifying).
//!
//! A read that raced with a change must not put back what the change
//! dropped: a reader takes a [`SessionBoard::ticket`] before its query and
//! keeps its answer only if nothing was dropped since.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::{SessionRow, User};

/// The channel the notifications travel on.
pub const CHANNEL: &str = "pantau_sessions";

/// Past this many, the board starts again empty: memory stays bounded
/// whatever the number of sessions.
const MAX_KEPT: usize = 50_000;

/// What a notification says changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A session was saved by the app server `origin` (which knows it already).
    Saved { origin: String, id: String },
    /// A session ended.
    Ended { id: String },
    /// An account changed (password, role, disabled...): its record and
    /// every session of it.
    Account { username: String },
}

impl Change {
    pub fn payload(&self) -> String {
        match self {
            Change::Saved { origin, id } => format!("s {origin} {id}"),
            Change::Ended { id } => format!("e {id}"),
            Change::Account { username } => format!("u {username}"),
        }
    }

    /// A payload read back; `None` for anything else on the channel.
    pub fn parse(text: &str) -> Option<Change> {
        let (kind, rest) = text.split_once(' ')?;
        match kind {
            "s" => {
                let (origin, id) = rest.split_once(' ')?;
                Some(Change::Saved {
                    origin: origin.to_owned(),
                    id: id.to_owned(),
                })
            }
            "e" => Some(Change::Ended {
                id: rest.to_owned(),
            }),
            "u" => Some(Change::Account {
                username: rest.to_owned(),
            }),
            _ => None,
        }
    }
}

struct Kept {
    row: SessionRow,
    username: Option<String>,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Kept>,
    /// An account with the plan version of its region when it was read: a
    /// plan change (units, clusters) may change what it reads.
    users: HashMap<String, (User, i64)>,
}

pub struct SessionBoard {
    /// This app server, in the notifications of its own saves.
    origin: String,
    live: AtomicBool,
    /// Counts what was dropped: a read keeps its answer only if none was
    /// dropped since its ticket.
    epoch: AtomicU64,
    inner: Mutex<Inner>,
}

impl Default for SessionBoard {
    fn default() -> Self {
        SessionBoard {
            origin: crate::password::generate_token()[7..23].to_owned(),
            live: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            inner: Mutex::default(),
        }
    }
}

impl SessionBoard {
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Taken before reading the database; see [`SessionBoard::keep_session`].
    pub fn ticket(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("session board lock")
    }

    pub fn session(&self, id: &str) -> Option<SessionRow> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        self.inner().sessions.get(id).map(|kept| kept.row.clone())
    }

    /// Keep a session read (or written) after `ticket` was taken, unless
    /// something was dropped since: then the read may be older than the drop.
    pub fn keep_session(&self, ticket: u64, id: &str, row: SessionRow, username: Option<&str>) {
        let mut inner = self.inner();
        if !self.live.load(Ordering::Acquire) || self.epoch.load(Ordering::Acquire) != ticket {
            inner.sessions.remove(id);
            return;
        }
        if inner.sessions.len() >= MAX_KEPT {
            inner.sessions.clear();
        }
        inner.sessions.insert(
            id.to_owned(),
            Kept {
                row,
                username: username.map(str::to_owned),
            },
        );
    }

    /// A session this server just wrote, the write's ticket taken before it
    /// began. Reads in flight may hold the record as it was: they must not
    /// keep it.
    pub fn wrote_session(&self, ticket: u64, id: &str, row: SessionRow, username: Option<&str>) {
        self.keep_session(ticket, id, row, username);
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// An account kept, with the plan version of its region when it was read.
    pub fn user(&self, username: &str) -> Option<(User, i64)> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        self.inner().users.get(username).cloned()
    }

    pub fn keep_user(&self, ticket: u64, user: User, plan_version: i64) {
        let mut inner = self.inner();
        if !self.live.load(Ordering::Acquire) || self.epoch.load(Ordering::Acquire) != ticket {
            return;
        }
        if inner.users.len() >= MAX_KEPT {
            inner.users.clear();
        }
        inner
            .users
            .insert(user.username.clone(), (user, plan_version));
    }

    /// Drop what `change` names (a notification, or this server's own change
    /// once committed).
    pub fn apply(&self, change: &Change) {
        let mut inner = self.inner();
        match change {
            Change::Saved { origin, .. } if *origin == self.origin => return,
            Change::Saved { id, .. } | Change::Ended { id } => {
                inner.sessions.remove(id);
            }
            Change::Account { username } => {
                inner.users.remove(username);
                inner
                    .sessions
                    .retain(|_, kept| kept.username.as_deref() != Some(username.as_str()));
            }
        }
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The listener (re)connected, or lost its connection: what is kept may
    /// have missed changes, so forget it.
    pub fn set_live(&self, live: bool) {
        let mut inner = self.inner();
        inner.sessions.clear();
        inner.users.clear();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.live.store(live, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn row(data: &str) -> SessionRow {
        SessionRow {
            data: data.into(),
            expires_at: DateTime::UNIX_EPOCH,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn payloads_read_back() {
        for change in [
            Change::Saved {
                origin: "ab12".into(),
                id: "x y".into(),
            },
            Change::Ended { id: "abc".into() },
            Change::Account {
                username: "op dp3a".into(),
            },
        ] {
            assert_eq!(Change::parse(&change.payload()), Some(change));
        }
        assert_eq!(Change::parse("q 1"), None);
        assert_eq!(Change::parse("s"), None);
    }

    #[test]
    fn nothing_is_kept_while_not_listening() {
        let board = SessionBoard::default();
        board.keep_session(board.ticket(), "a", row("1"), Some("ani"));
        assert_eq!(board.session("a"), None);
        board.set_live(true);
        board.keep_session(board.ticket(), "a", row("1"), Some("ani"));
        assert_eq!(board.session("a"), Some(row("1")));
        board.set_live(false);
        assert_eq!(board.session("a"), None);
    }

    #[test]
    fn a_read_older_than_a_drop_is_not_kept() {
        let board = SessionBoard::default();
        board.set_live(true);
        let ticket = board.ticket();
        board.apply(&Change::Ended { id: "a".into() });
        board.keep_session(ticket, "a", row("old"), Some("ani"));
        assert_eq!(board.session("a"), None);
    }

    #[test]
    fn an_account_change_drops_its_sessions_and_its_record_only() {
        let board = SessionBoard::default();
        board.set_live(true);
        board.keep_session(board.ticket(), "a", row("1"), Some("ani"));
        board.keep_session(board.ticket(), "b", row("2"), Some("budi"));
        board.apply(&Change::Account {
            username: "ani".into(),
        });
        assert_eq!(board.session("a"), None);
        assert_eq!(board.session("b"), Some(row("2")));
    }

    #[test]
    fn own_saves_are_not_dropped_but_others_are() {
        let board = SessionBoard::default();
        board.set_live(true);
        board.wrote_session(board.ticket(), "a", row("1"), None);
        board.apply(&Change::Saved {
            origin: board.origin().to_owned(),
            id: "a".into(),
        });
        assert_eq!(board.session("a"), Some(row("1")));
        board.apply(&Change::Saved {
            origin: "elsewhere".into(),
            id: "a".into(),
        });
        assert_eq!(board.session("a"), None);
    }
}
