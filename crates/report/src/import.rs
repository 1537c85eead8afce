//! Import of the XLSX templates (plan and entries) with calamine. Every cell
//! that does not read is reported, not only the first; the rows become a
//! bundle (merged into the region's current one) that goes through the same
//! validation as any bundle, and the validation's JSON paths are mapped back
//! to sheet, row and column. Nothing is returned to write unless everything
//! passes: the caller writes the bundle in one transaction or not at all.

use std::collections::HashMap;
use std::str::FromStr;

use calamine::{Data, Range};

use crate::workbook::{Workbook, WorkbookLimits};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use rust_decimal::Decimal;
use serde::Serialize;

use pantau_domain::bundle::{
    self, Budget, BudgetMonth, Bundle, Cluster, Entry, EntryStatus, Kind, NilReport, PlanPoint,
    Polarity, Priority, Program, Rupiah, Target, Thresholds, Unit, Weekday,
};

use crate::template::{self, SheetSpec};

/// One reason an import is refused, where a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    /// Sheet name; empty for the workbook or for data already stored.
    pub sheet: String,
    /// Spreadsheet row (1 is the header); 0 when no row applies.
    pub row: u32,
    /// Column letter and key, e.g. `C (unit)`; empty when no column applies.
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.sheet.is_empty(), self.row, self.column.is_empty()) {
            (true, _, _) => write!(f, "{}", self.reason),
            (false, 0, _) => write!(f, "{}: {}", self.sheet, self.reason),
            (false, row, true) => write!(f, "{} row {row}: {}", self.sheet, self.reason),
            (false, row, false) => write!(
                f,
                "{} row {row} column {}: {}",
                self.sheet, self.column, self.reason
            ),
        }
    }
}

/// How far an import has come: rows read of all the rows to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// A spreadsheet date-time cell as a date and time, or none when its serial
/// number is outside what spreadsheets show (day 0 to 9999-12-31). calamine's
/// `as_datetime` panics on a serial past chrono's range (a crafted cell of
/// 1e308, found by fuzzing: fuzz/corpus/*_xlsx/); such a cell is not a date.
fn excel_datetime(dt: &calamine::ExcelDateTime) -> Option<chrono::NaiveDateTime> {
    // 2,958,466 is 10000-01-01 in the 1900 system; the 1904 system counts 1,462 fewer.
    if !(0.0..2_958_466.0).contains(&dt.as_f64()) {
        return None;
    }
    dt.as_datetime()
}

/// The column letters of a 0-based index: 0 is A, 26 is AA.
pub fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII")
}

/// Where a row of the bundle came from, to map validation paths back.
#[derive(Debug, Clone)]
struct Origin {
    sheet: &'static SheetSpec,
    row: u32,
    /// Column letter of each key of the sheet as read.
    columns: HashMap<&'static str, String>,
}

/// A sheet as read: its rows with their spreadsheet row numbers.
struct Sheet {
    spec: &'static SheetSpec,
    /// Key to 0-based column index in the sheet.
    columns: HashMap<&'static str, usize>,
    letters: HashMap<&'static str, String>,
    rows: Vec<(u32, Vec<Data>)>,
}

struct Reading<'p> {
    problems: Vec<ImportProblem>,
    timezone: chrono_tz::Tz,
    progress: &'p mut dyn FnMut(Progress),
    done: usize,
    total: usize,
}

impl Reading<'_> {
    fn problem(&mut self, sheet: &str, row: u32, column: String, reason: impl Into<String>) {
        self.problems.push(ImportProblem {
            sheet: sheet.to_owned(),
            row,
            column,
            reason: reason.into(),
        });
    }

    fn tick(&mut self) {
        self.done += 1;
        // Often enough for a bar, rarely enough to cost nothing.
        if self.done % 50 == 0 || self.done == self.total {
            (self.progress)(Progress {
                done: self.done,
                total: self.total,
            });
        }
    }
}

/// One row being read: cell readers that report what does not read.
struct Row<'a, 'r, 'p> {
    sheet: &'a Sheet,
    number: u32,
    cells: &'a [Data],
    reading: &'r mut Reading<'p>,
}

fn normalise(text: &str) -> String {
    text.trim().to_lowercase()
}

impl Row<'_, '_, '_> {
    fn column(&self, key: &str) -> String {
        format!(
            "{} ({key})",
            self.sheet.letters.get(key).cloned().unwrap_or_default()
        )
    }

    fn fail(&mut self, key: &str, reason: impl Into<String>) {
        let column = self.column(key);
        self.reading
            .problem(self.sheet.spec.name, self.number, column, reason);
    }

    fn cell(&self, key: &str) -> &Data {
        self.sheet
            .columns
            .get(key)
            .and_then(|&c| self.cells.get(c))
            .unwrap_or(&Data::Empty)
    }

    fn optional_text(&mut self, key: &str) -> Option<String> {
        match self.cell(key) {
            Data::Empty => None,
            Data::String(s) if s.trim().is_empty() => None,
            Data::String(s) => Some(s.trim().to_owned()),
            Data::Int(n) => Some(n.to_string()),
            // A code such as 3275 typed as a number reads back as a float.
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
            Data::Float(f) => Some(f.to_string()),
            Data::Bool(b) => Some(b.to_string()),
            other => {
                let reason = format!("expected text, found {other:?}");
                self.fail(key, reason);
                None
            }
        }
    }

    fn text(&mut self, key: &str) -> String {
        self.optional_text(key).unwrap_or_else(|| {
            self.fail(key, "required, but empty");
            String::new()
        })
    }

    fn optional_date(&mut self, key: &str) -> Option<NaiveDate> {
        match self.cell(key).clone() {
            Data::Empty => None,
            Data::String(s) if s.trim().is_empty() => None,
            Data::DateTime(dt) => match excel_datetime(&dt) {
                Some(t) if t.time() == chrono::NaiveTime::MIN => Some(t.date()),
                Some(t) => {
                    self.fail(key, format!("{t} has a time of day: expected a date"));
                    None
                }
                None => {
                    self.fail(key, "not a date");
                    None
                }
            },
            Data::DateTimeIso(s) | Data::String(s) => {
                let s = s.trim();
                match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) if s.len() == 10 => Some(d),
                    _ => {
                        self.fail(key, format!("\"{s}\" is not a date YYYY-MM-DD"));
                        None
                    }
                }
            }
            other => {
                self.fail(key, format!("{other} is not a date YYYY-MM-DD"));
                None
            }
        }
    }

    fn date(&mut self, key: &str) -> NaiveDate {
        self.optional_date(key).unwrap_or_else(|| {
            if matches!(self.cell(key), Data::Empty) {
                self.fail(key, "required, but empty");
            }
            NaiveDate::MIN
        })
    }

    /// An RFC 3339 moment; a spreadsheet date-time is read in the region's time zone.
    fn optional_moment(&mut self, key: &str) -> Option<DateTime<FixedOffset>> {
        match self.cell(key).clone() {
            Data::Empty => None,
            Data::String(s) if s.trim().is_empty() => None,
            Data::DateTime(dt) => match excel_datetime(&dt) {
                Some(t) => self
                    .reading
                    .timezone
                    .from_local_datetime(&t)
                    .earliest()
                    .map(|t| t.fixed_offset())
                    .or_else(|| {
                        self.fail(key, format!("{t} does not exist in the region's time zone"));
                        None
                    }),
                None => {
                    self.fail(key, "not a date and time");
                    None
                }
            },
            Data::DateTimeIso(s) | Data::String(s) => {
                match DateTime::parse_from_rfc3339(s.trim()) {
                    Ok(t) => Some(t),
                    Err(_) => {
                        self.fail(
                            key,
                            format!(
                                "\"{}\" is not a moment like 2025-03-07T08:30:00+07:00",
                                s.trim()
                            ),
                        );
                        None
                    }
                }
            }
            other => {
                self.fail(
                    key,
                    format!("{other} is not a moment like 2025-03-07T08:30:00+07:00"),
                );
                None
            }
        }
    }

    fn moment(&mut self, key: &str) -> DateTime<FixedOffset> {
        self.optional_moment(key).unwrap_or_else(|| {
            if matches!(self.cell(key), Data::Empty) {
                self.fail(key, "required, but empty");
            }
            DateTime::UNIX_EPOCH.fixed_offset()
        })
    }

    fn optional_number(&mut self, key: &str) -> Option<Decimal> {
        match self.cell(key).clone() {
            Data::Empty => None,
            Data::String(s) if s.trim().is_empty() => None,
            Data::Int(n) => Some(Decimal::from(n)),
            Data::Float(f) if f.is_finite() => {
                Decimal::from_str(&f.to_string()).ok().or_else(|| {
                    self.fail(key, format!("{f} is out of range"));
                    None
                })
            }
            Data::String(s) => match Decimal::from_str(s.trim()) {
                Ok(d) => Some(d),
                Err(_) => {
                    self.fail(
                        key,
                        format!("\"{}\" is not a number (use a dot for decimals)", s.trim()),
                    );
                    None
                }
            },
            other => {
                self.fail(key, format!("{other} is not a number"));
                None
            }
        }
    }

    fn number(&mut self, key: &str) -> Decimal {
        self.optional_number(key).unwrap_or_else(|| {
            if matches!(self.cell(key), Data::Empty) {
                self.fail(key, "required, but empty");
            }
            Decimal::ZERO
        })
    }

    fn optional_integer(&mut self, key: &str) -> Option<i64> {
        let n = self.optional_number(key)?;
        if n.fract().is_zero() {
            i64::try_from(n).ok()
        } else {
            self.fail(key, format!("{n} is not a whole number"));
            None
        }
    }

    fn integer(&mut self, key: &str) -> i64 {
        self.optional_integer(key).unwrap_or_else(|| {
            if matches!(self.cell(key), Data::Empty) {
                self.fail(key, "required, but empty");
            }
            0
        })
    }

    /// Whole rupiah, never negative or fractional.
    fn money(&mut self, key: &str) -> Rupiah {
        let Some(n) = self.optional_number(key) else {
            return Rupiah(0);
        };
        if n.is_sign_negative() && !n.is_zero() {
            self.fail(
                key,
                format!("{n} is negative: amounts are whole rupiah >= 0"),
            );
            Rupiah(0)
        } else if !n.fract().is_zero() {
            self.fail(key, format!("{n} is fractional: amounts are whole rupiah"));
            Rupiah(0)
        } else {
            Rupiah(u128::try_from(n).unwrap_or(0))
        }
    }

    fn choice<T: Copy>(&mut self, key: &str, options: &[(&str, T)], required: bool) -> Option<T> {
        let text = self.optional_text(key);
        match text {
            None => {
                if required {
                    self.fail(key, "required, but empty");
                }
                None
            }
            Some(t) => {
                let found = options
                    .iter()
                    .find(|(code, _)| normalise(code) == normalise(&t))
                    .map(|(_, v)| *v);
                if found.is_none() {
                    let codes: Vec<&str> = options.iter().map(|(c, _)| *c).collect();
                    self.fail(key, format!("\"{t}\" is not one of: {}", codes.join(", ")));
                }
                found
            }
        }
    }
}

const KINDS: [(&str, Kind); 3] = [
    ("sum", Kind::Sum),
    ("last", Kind::Last),
    ("milestone", Kind::Milestone),
];
const POLARITIES: [(&str, Polarity); 2] =
    [("higher", Polarity::Higher), ("lower", Polarity::Lower)];
const STATUSES: [(&str, EntryStatus); 3] = [
    ("submitted", EntryStatus::Submitted),
    ("verified", EntryStatus::Verified),
    ("returned", EntryStatus::Returned),
];
/// An entry's status by its code, or by its label in either language (what
/// an export's entries sheet shows).
fn entry_statuses() -> Vec<(&'static str, EntryStatus)> {
    let mut options = STATUSES.to_vec();
    for lang in [pantau_present::Lang::Id, pantau_present::Lang::En] {
        options.extend(
            STATUSES.map(|(_, status)| (pantau_present::entry_status(lang, status), status)),
        );
    }
    options
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

/// Read a sheet's header and rows; report missing columns.
fn read_sheet(
    range: &Range<Data>,
    spec: &'static SheetSpec,
    problems: &mut Vec<ImportProblem>,
) -> Option<Sheet> {
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header = rows.next().unwrap_or_default();
    let mut columns = HashMap::new();
    let mut letters = HashMap::new();
    for (c, cell) in header.iter().enumerate() {
        let title = normalise(&cell.to_string());
        if let Some(column) = spec
            .columns
            .iter()
            .find(|col| normalise(col.key) == title || normalise(col.label) == title)
        {
            columns.insert(column.key, c);
            letters.insert(column.key, column_letters(start_col as usize + c));
        }
    }
    let missing: Vec<&str> = spec
        .columns
        .iter()
        .filter(|c| c.required && !columns.contains_key(c.key))
        .map(|c| c.key)
        .collect();
    if !missing.is_empty() {
        problems.push(ImportProblem {
            sheet: spec.name.to_owned(),
            row: start_row + 1,
            column: String::new(),
            reason: format!("missing column(s): {}", missing.join(", ")),
        });
        return None;
    }
    let rows = rows
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, cells)| (start_row + i as u32 + 2, cells.to_vec()))
        .collect();
    Some(Sheet {
        spec,
        columns,
        letters,
        rows,
    })
}

/// What an import adds to or changes in a bundle, with where each row came from.
struct Merge {
    bundle: Bundle,
    origins: Vec<(String, Origin)>,
    /// Entries and nil reports each program had before the import: rows
    /// equal to one of them are not added twice, rows equal to each other are.
    before: HashMap<String, (usize, usize)>,
}

impl Merge {
    fn origin(&mut self, path: String, sheet: &Sheet, row: u32) {
        self.origins.push((
            path,
            Origin {
                sheet: sheet.spec,
                row,
                columns: sheet.letters.clone(),
            },
        ));
    }

    fn program_ix(&self, code: &str) -> Option<usize> {
        self.bundle.programs.iter().position(|p| p.code == code)
    }
}

/// Put `item` in place of the one with the same code, or at the end; its index.
fn upsert<T>(items: &mut Vec<T>, item: T, code: impl Fn(&T) -> &str) -> usize {
    match items.iter().position(|x| code(x) == code(&item)) {
        Some(i) => {
            items[i] = item;
            i
        }
        None => {
            items.push(item);
            items.len() - 1
        }
    }
}

/// Read a workbook (the plan template, the entries template, or an export,
/// whose `entries` sheet reads like the template's) into `base`, the region's
/// current bundle, and validate the result. A workbook with a `programs`
/// sheet is read as a plan; `entries` and `nil_reports` sheets are read as
/// reports. On success the merged bundle is ready to import.
pub fn read(
    bytes: &[u8],
    base: &Bundle,
    progress: &mut dyn FnMut(Progress),
) -> Result<Bundle, Vec<ImportProblem>> {
    read_with(bytes, base, pantau_domain::Limits::default(), progress)
}

/// [`read`], validating within `limits` (the store's).
pub fn read_with(
    bytes: &[u8],
    base: &Bundle,
    limits: pantau_domain::Limits,
    progress: &mut dyn FnMut(Progress),
) -> Result<Bundle, Vec<ImportProblem>> {
    let workbook_problem = |reason: String| {
        vec![ImportProblem {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            reason,
        }]
    };
    let mut workbook = Workbook::open(bytes, WorkbookLimits::default())
        .map_err(|refusal| workbook_problem(refusal.to_string()))?;
    let names = workbook.sheet_names();
    let is_plan = names.iter().any(|n| n == template::PROGRAMS.name);
    let specs: Vec<&'static SheetSpec> = template::PLAN_SHEETS
        .iter()
        .filter(|_| is_plan)
        .chain(template::ENTRY_SHEETS.iter())
        .copied()
        .filter(|spec| names.iter().any(|n| n == spec.name))
        .collect();
    if specs.is_empty() {
        return Err(workbook_problem(format!(
            "no sheet to import: expected the plan template's sheets ({}) or the entries template's ({})",
            template::PLAN_SHEETS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", "),
            template::ENTRY_SHEETS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut problems = Vec::new();
    let mut sheets = HashMap::new();
    for spec in specs {
        match workbook.range(spec.name) {
            Ok(range) => {
                if let Some(sheet) = read_sheet(&range, spec, &mut problems) {
                    sheets.insert(spec.name, sheet);
                }
            }
            Err(refusal) => problems.push(ImportProblem {
                sheet: spec.name.to_owned(),
                row: 0,
                column: String::new(),
                reason: refusal.to_string(),
            }),
        }
    }
    let timezone = base
        .region
        .timezone
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(pantau_domain::validate::DEFAULT_TIMEZONE);
    let total = sheets.values().map(|s| s.rows.len()).sum();
    let mut reading = Reading {
        problems,
        timezone,
        progress,
        done: 0,
        total,
    };
    (reading.progress)(Progress { done: 0, total });
    let mut merge = Merge {
        bundle: base.clone(),
        origins: Vec::new(),
        before: base
            .programs
            .iter()
            .map(|p| (p.code.clone(), (p.entries.len(), p.nil_reports.len())))
            .collect(),
    };
    // Plan first, in reference order, so that reports can name what the plan adds.
    for spec in template::PLAN_SHEETS
        .iter()
        .chain(template::ENTRY_SHEETS.iter())
    {
        if let Some(sheet) = sheets.get(spec.name) {
            read_rows(sheet, &mut reading, &mut merge);
        }
    }
    // Validate even when cells did not read, so that every problem is listed
    // at once; a cell that did not read is not judged again on the stand-in
    // value it got.
    let mut problems = reading.problems;
    if let Err(refused) = pantau_domain::validate_with(&merge.bundle, limits) {
        let unread: Vec<(String, u32, String)> = problems
            .iter()
            .map(|p| (p.sheet.clone(), p.row, p.column.clone()))
            .collect();
        problems.extend(
            refused
                .problems
                .iter()
                .map(|p| locate(&merge.origins, &p.path, &p.message))
                .filter(|p| !unread.contains(&(p.sheet.clone(), p.row, p.column.clone()))),
        );
    }
    if problems.is_empty() {
        Ok(merge.bundle)
    } else {
        Err(problems)
    }
}

/// The sheet, row and column of a validation problem's JSON path.
fn locate(origins: &[(String, Origin)], path: &str, message: &str) -> ImportProblem {
    let found = origins
        .iter()
        .filter(|(prefix, _)| {
            path == prefix
                || path
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .max_by_key(|(prefix, _)| prefix.len());
    match found {
        Some((prefix, origin)) => {
            let field = path[prefix.len()..].trim_start_matches('.');
            // `thresholds.at_risk` is the sheet's `at_risk`; `code` is `code`.
            let key = field.rsplit('.').next().unwrap_or(field);
            let key = key.split('[').next().unwrap_or(key);
            let column = origin
                .columns
                .get(key)
                .map(|letter| format!("{letter} ({key})"))
                .unwrap_or_default();
            ImportProblem {
                sheet: origin.sheet.name.to_owned(),
                row: origin.row,
                column,
                reason: message.to_owned(),
            }
        }
        // The problem is in data already stored, not in the workbook.
        None => ImportProblem {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            reason: format!("{path}: {message}"),
        },
    }
}

/// (program, target) of plan points.
type PlanKey = (String, String);
/// (unit, year) of a budget.
type BudgetKey = (String, i32);
/// A budget sheet row: its month, its pagu and its row number.
type BudgetRow = (BudgetMonth, Rupiah, u32);

fn read_rows(sheet: &Sheet, reading: &mut Reading, merge: &mut Merge) {
    // Plan points and budget months gather per target and per budget first.
    let mut plans: Vec<(PlanKey, Vec<(PlanPoint, u32)>)> = Vec::new();
    let mut budget_rows: Vec<(BudgetKey, Vec<BudgetRow>)> = Vec::new();
    // Codes met in this sheet: a second row with one would silently replace the first.
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut once = |row: &mut Row, code: String| {
        if code.is_empty() {
            return;
        }
        if let Some(first) = seen.get(&code) {
            let code_shown = code.rsplit('\u{1f}').next().unwrap_or(&code).to_owned();
            row.fail(
                "code",
                format!("duplicate code \"{code_shown}\" (first at row {first})"),
            );
        } else {
            seen.insert(code, row.number);
        }
    };
    for (number, cells) in &sheet.rows {
        let mut row = Row {
            sheet,
            number: *number,
            cells,
            reading,
        };
        let n = *number;
        match sheet.spec.name {
            "clusters" => {
                let item = Cluster {
                    code: row.text("code"),
                    name: row.text("name"),
                };
                once(&mut row, item.code.clone());
                let i = upsert(&mut merge.bundle.clusters, item, |x| &x.code);
                merge.origin(format!("clusters[{i}]"), sheet, n);
            }
            "units" => {
                let item = Unit {
                    code: row.text("code"),
                    name: row.text("name"),
                    cluster: row.optional_text("cluster"),
                };
                once(&mut row, item.code.clone());
                let i = upsert(&mut merge.bundle.units, item, |x| &x.code);
                merge.origin(format!("units[{i}]"), sheet, n);
            }
            "priorities" => {
                let item = Priority {
                    code: row.text("code"),
                    name: row.text("name"),
                };
                once(&mut row, item.code.clone());
                let i = upsert(&mut merge.bundle.priorities, item, |x| &x.code);
                merge.origin(format!("priorities[{i}]"), sheet, n);
            }
            "programs" => {
                let code = row.text("code");
                let on_track = row.optional_number("on_track");
                let at_risk = row.optional_number("at_risk");
                let thresholds = match (on_track, at_risk) {
                    (None, None) => None,
                    (on_track, at_risk) => {
                        let default = Thresholds::default();
                        Some(Thresholds {
                            on_track: on_track.unwrap_or(default.on_track),
                            at_risk: at_risk.unwrap_or(default.at_risk),
                        })
                    }
                };
                let existing = merge.program_ix(&code);
                let (targets, entries, nil_reports) = existing
                    .map(|i| {
                        let p = &merge.bundle.programs[i];
                        (p.targets.clone(), p.entries.clone(), p.nil_reports.clone())
                    })
                    .unwrap_or_default();
                let name = row.text("name");
                // A date that did not read stands in as the other one, so that
                // the rest of the row is still checked on a one-day calendar.
                let (start, end) = (row.date("start"), row.date("end"));
                let (start, end) = match (start == NaiveDate::MIN, end == NaiveDate::MIN) {
                    (true, true) => (NaiveDate::default(), NaiveDate::default()),
                    (true, false) => (end, end),
                    (false, true) => (start, start),
                    (false, false) => (start, end),
                };
                let item = Program {
                    code,
                    name,
                    start,
                    end,
                    timezone: row.optional_text("timezone"),
                    evaluation_weekday: row.choice("evaluation_weekday", &WEEKDAYS, false),
                    deadline_time: row.optional_text("deadline_time"),
                    final_deadline: row.optional_moment("final_deadline"),
                    thresholds,
                    targets,
                    entries,
                    nil_reports,
                };
                once(&mut row, item.code.clone());
                let i = upsert(&mut merge.bundle.programs, item, |x| &x.code);
                merge.origin(format!("programs[{i}]"), sheet, n);
            }
            "targets" => {
                let program = row.text("program");
                let item = Target {
                    code: row.text("code"),
                    unit: row.text("unit"),
                    priority: row.optional_text("priority"),
                    name: row.text("name"),
                    measure: row.optional_text("measure"),
                    kind: row.choice("kind", &KINDS, true).unwrap_or(Kind::Sum),
                    polarity: row
                        .choice("polarity", &POLARITIES, true)
                        .unwrap_or(Polarity::Higher),
                    baseline: row.optional_number("baseline"),
                    target: row.optional_number("target"),
                    due: row.optional_date("due"),
                    plan: None,
                };
                once(&mut row, format!("{program}\u{1f}{}", item.code));
                match merge.program_ix(&program) {
                    Some(p) => {
                        let i = upsert(&mut merge.bundle.programs[p].targets, item, |x| &x.code);
                        merge.origin(format!("programs[{p}].targets[{i}]"), sheet, n);
                    }
                    None if program.is_empty() => {}
                    None => row.fail("program", format!("unknown program \"{program}\"")),
                }
            }
            "plan" => {
                let key = (row.text("program"), row.text("target"));
                let point = PlanPoint {
                    date: row.date("date"),
                    value: row.number("value"),
                };
                match plans.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, points)) => points.push((point, n)),
                    None => plans.push((key, vec![(point, n)])),
                }
            }
            "budgets" => {
                let unit = row.text("unit");
                let year = row.integer("year");
                let year = i32::try_from(year).unwrap_or_else(|_| {
                    row.fail("year", format!("{year} is not a year"));
                    0
                });
                let pagu = row.money("pagu");
                let month = row.integer("month");
                let month = BudgetMonth {
                    month: u32::try_from(month).unwrap_or(0),
                    planned: row.money("planned"),
                    realised: row.money("realised"),
                    physical_pct: row.optional_number("physical_pct"),
                };
                match budget_rows
                    .iter_mut()
                    .find(|(k, _)| *k == (unit.clone(), year))
                {
                    Some((_, months)) => months.push((month, pagu, n)),
                    None => budget_rows.push(((unit, year), vec![(month, pagu, n)])),
                }
            }
            "entries" => {
                let program = row.text("program");
                let item = Entry {
                    target: row.text("target"),
                    activity_date: row.date("activity_date"),
                    submitted_at: row.moment("submitted_at"),
                    value: row.number("value"),
                    status: row
                        .choice("status", &entry_statuses(), false)
                        .unwrap_or(EntryStatus::Verified),
                    note: row.optional_text("note"),
                };
                match merge.program_ix(&program) {
                    Some(p) => {
                        let before = merge.before.get(&program).map_or(0, |b| b.0);
                        let entries = &mut merge.bundle.programs[p].entries;
                        // Rows already there (an export read back) are not added twice.
                        if !entries[..before].contains(&item) {
                            entries.push(item);
                            let i = entries.len() - 1;
                            merge.origin(format!("programs[{p}].entries[{i}]"), sheet, n);
                        }
                    }
                    None if program.is_empty() => {}
                    None => row.fail("program", format!("unknown program \"{program}\"")),
                }
            }
            "nil_reports" => {
                let program = row.text("program");
                let item = NilReport {
                    unit: row.text("unit"),
                    date: row.date("date"),
                    submitted_at: row.moment("submitted_at"),
                    reason: row.optional_text("reason"),
                };
                match merge.program_ix(&program) {
                    Some(p) => {
                        let before = merge.before.get(&program).map_or(0, |b| b.1);
                        let nils = &mut merge.bundle.programs[p].nil_reports;
                        if !nils[..before].contains(&item) {
                            nils.push(item);
                            let i = nils.len() - 1;
                            merge.origin(format!("programs[{p}].nil_reports[{i}]"), sheet, n);
                        }
                    }
                    None if program.is_empty() => {}
                    None => row.fail("program", format!("unknown program \"{program}\"")),
                }
            }
            other => unreachable!("sheet {other} has no reader"),
        }
        reading.tick();
    }
    for ((program, target), points) in plans {
        let found = merge.program_ix(&program).and_then(|p| {
            merge.bundle.programs[p]
                .targets
                .iter()
                .position(|t| t.code == target)
                .map(|t| (p, t))
        });
        match found {
            Some((p, t)) => {
                merge.bundle.programs[p].targets[t].plan =
                    Some(points.iter().map(|(point, _)| point.clone()).collect());
                for (k, (_, row)) in points.iter().enumerate() {
                    merge.origin(format!("programs[{p}].targets[{t}].plan[{k}]"), sheet, *row);
                }
            }
            None => {
                let column = format!(
                    "{} (target)",
                    sheet.letters.get("target").cloned().unwrap_or_default()
                );
                for (_, row) in &points {
                    reading.problem(
                        sheet.spec.name,
                        *row,
                        column.clone(),
                        format!("unknown target \"{target}\" in program \"{program}\""),
                    );
                }
            }
        }
    }
    for ((unit, year), months) in budget_rows {
        let pagu = months[0].1;
        for (_, other, row) in &months {
            if *other != pagu {
                let column = format!(
                    "{} (pagu)",
                    sheet.letters.get("pagu").cloned().unwrap_or_default()
                );
                reading.problem(
                    sheet.spec.name,
                    *row,
                    column,
                    format!(
                        "pagu {other} differs from {pagu} on the first row of unit \"{unit}\" in {year}: one pagu per unit and year"
                    ),
                );
            }
        }
        let budget = Budget {
            unit: unit.clone(),
            year,
            pagu,
            months: months.iter().map(|(m, _, _)| m.clone()).collect(),
        };
        let i = match merge
            .bundle
            .budgets
            .iter()
            .position(|b| b.unit == unit && b.year == year)
        {
            Some(i) => {
                merge.bundle.budgets[i] = budget;
                i
            }
            None => {
                merge.bundle.budgets.push(budget);
                merge.bundle.budgets.len() - 1
            }
        };
        merge.origin(format!("budgets[{i}]"), sheet, months[0].2);
        for (k, (_, _, row)) in months.iter().enumerate() {
            merge.origin(format!("budgets[{i}].months[{k}]"), sheet, *row);
        }
    }
}

/// An empty bundle for a region that has no data yet.
pub fn empty_bundle(code: &str, name: &str, timezone: Option<String>) -> Bundle {
    Bundle {
        format: bundle::FORMAT.to_owned(),
        region: bundle::RegionInfo {
            code: code.to_owned(),
            name: name.to_owned(),
            timezone,
        },
        clusters: Vec::new(),
        units: Vec::new(),
        priorities: Vec::new(),
        programs: Vec::new(),
        budget_flag_margin: None,
        budgets: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn a_date_cell_past_any_calendar_is_no_date() {
        let cell = |serial| ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            excel_datetime(&cell(45_717.0)).map(|t| t.date()),
            NaiveDate::from_ymd_opt(2025, 3, 1)
        );
        for serial in [1e308, -1e308, -1.0, 2_958_466.0, f64::NAN, f64::INFINITY] {
            assert_eq!(excel_datetime(&cell(serial)), None, "{serial}");
        }
    }
}
