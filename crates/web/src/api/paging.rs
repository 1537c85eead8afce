//! Cursor paging of the API's lists: `limit` (1 to 1000, default 100) and an
//! opaque `cursor` from the previous page's `next_cursor`. Underneath, keyset
//! paging on the rows' ids, so a page never repeats nor skips a row when rows
//! are added meanwhile.

use super::ApiFailure;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The limit asked for, in its range.
pub fn limit_of(limit: Option<i64>) -> Result<i64, ApiFailure> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiFailure::bad_request(format!(
            "limit: {limit} is not from 1 to {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

/// A list's cursors: its letter, then the last id given, in hex. Callers
/// treat them as opaque; the letter keeps one list's cursor from another's.
#[derive(Debug, Clone, Copy)]
pub struct Cursors {
    pub letter: char,
}

pub const ENTRIES: Cursors = Cursors { letter: 'e' };
pub const FOLLOW_UPS: Cursors = Cursors { letter: 'f' };

impl Cursors {
    /// The id to continue after: 0 (from the start) without a cursor.
    pub fn after(self, cursor: Option<&str>) -> Result<i64, ApiFailure> {
        let Some(cursor) = cursor else {
            return Ok(0);
        };
        let cursor = cursor.trim();
        cursor
            .strip_prefix(self.letter)
            .filter(|hex| (1..=15).contains(&hex.len()))
            .and_then(|hex| i64::from_str_radix(hex, 16).ok())
            .filter(|id| *id >= 0)
            .ok_or_else(|| {
                ApiFailure::bad_request(format!(
                    "cursor: \"{cursor}\" is not a cursor of this list (pass next_cursor as given)"
                ))
            })
    }

    pub fn of(self, last_id: i64) -> String {
        format!("{}{last_id:x}", self.letter)
    }

    /// One page of rows fetched with `limit + 1`: the rows to give and the
    /// cursor of the next page, none when this is the last.
    pub fn page<T>(
        self,
        mut rows: Vec<T>,
        limit: i64,
        id: impl Fn(&T) -> i64,
    ) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return (rows, None);
        }
        rows.truncate(limit);
        let next = rows.last().map(|row| self.of(id(row)));
        (rows, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        assert_eq!(ENTRIES.after(Some(&ENTRIES.of(4711))).unwrap(), 4711);
        assert_eq!(ENTRIES.after(None).unwrap(), 0);
        for bad in ["", "e", "f12", "e-1", "exyz", "e1234567890abcdef0", "12"] {
            assert!(ENTRIES.after(Some(bad)).is_err(), "{bad}");
        }
        let (rows, next) = ENTRIES.page(vec![1, 2, 3], 2, |r| *r);
        assert_eq!((rows, next.as_deref()), (vec![1, 2], Some("e2")));
        let (rows, next) = ENTRIES.page(vec![1, 2], 2, |r| *r);
        assert_eq!((rows, next), (vec![1, 2], None));
    }
}
