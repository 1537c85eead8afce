//! The region versions an app server knows without asking the database: on
//! PostgreSQL, every change's transaction sends its region's new version
//! with `pg_notify`, and a listener on each app server writes what arrives
//! here. A reader then compares its cached region with this board instead of
//! querying the version on every request. While the listener is not
//! connected the board knows nothing, and every reader asks the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::RegionVersion;

/// The channel the version notifications travel on.
pub const CHANNEL: &str = "pantau_versions";

#[derive(Default)]
pub struct VersionBoard {
    live: AtomicBool,
    known: Mutex<HashMap<String, RegionVersion>>,
}

impl VersionBoard {
    /// What the board knows of the region, if its listener is connected.
    pub fn known(&self, region: &str) -> Option<RegionVersion> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        self.known.lock().expect("board lock").get(region).copied()
    }

    /// A version seen (notified, read, or written by this server): versions
    /// only grow, so the board keeps the newest of each counter. One written
    /// here may not be committed yet; a reader that finds the database
    /// behind it keeps what the database says and asks again next time.
    pub fn learn(&self, region: &str, version: RegionVersion) {
        let mut known = self.known.lock().expect("board lock");
        let entry = known.entry(region.to_owned()).or_default();
        entry.plan = entry.plan.max(version.plan);
        entry.data = entry.data.max(version.data);
    }

    /// The listener (re)connected, or lost its connection: what arrived
    /// before may have missed changes, so forget it.
    pub fn set_live(&self, live: bool) {
        self.known.lock().expect("board lock").clear();
        self.live.store(live, Ordering::Release);
    }
}

/// The payload of a version notification: `CODE PLAN DATA`.
pub fn payload(region: &str, version: RegionVersion) -> String {
    format!("{region} {} {}", version.plan, version.data)
}

/// A payload read back; `None` for anything else on the channel.
pub fn parse_payload(text: &str) -> Option<(String, RegionVersion)> {
    let mut parts = text.split(' ');
    let region = parts.next()?.to_owned();
    let plan = parts.next()?.parse().ok()?;
    let data = parts.next()?.parse().ok()?;
    parts
        .next()
        .is_none()
        .then_some((region, RegionVersion { plan, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back() {
        let v = RegionVersion { plan: 3, data: 41 };
        assert_eq!(parse_payload(&payload("3275", v)), Some(("3275".into(), v)));
        assert_eq!(parse_payload("3275 3"), None);
        assert_eq!(parse_payload("3275 3 x"), None);
        assert_eq!(parse_payload("3275 3 4 5"), None);
    }

    #[test]
    fn the_board_knows_nothing_while_not_listening_and_keeps_the_newest() {
        let board = VersionBoard::default();
        board.learn("32", RegionVersion { plan: 1, data: 5 });
        assert_eq!(board.known("32"), None, "not live yet");
        board.set_live(true);
        assert_eq!(board.known("32"), None, "forgotten when going live");
        board.learn("32", RegionVersion { plan: 1, data: 5 });
        board.learn("32", RegionVersion { plan: 2, data: 4 });
        assert_eq!(board.known("32"), Some(RegionVersion { plan: 2, data: 5 }));
        board.set_live(false);
        assert_eq!(board.known("32"), None);
    }
}
