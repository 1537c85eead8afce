//! BPKAD's budget import: one fiscal year from an XLSX sheet or a CSV file,
//! one row per unit and month, checked whole before anything is written. Every
//! problem is reported as (sheet, row, column, reason); amounts are whole
//! rupiah read exactly, never through a float.
//!
//! Columns (a header row names them, in any order): `unit`, `month`, `pagu`,
//! `planned`, `realised`, `physical_pct`. The pagu may be left blank after a
//! unit's first row; where given again it must agree. Empty `planned` or
//! `realised` is 0 and an empty `physical_pct` is no figure, as in a bundle;
//! a row with none of the four figures is skipped (the template lists every
//! unit, with or without a budget).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use pantau_domain::bundle::Rupiah;
use pantau_domain::model::Region;
use pantau_store::budgets::{BudgetYear, ImportedYear, MonthFigures};
use rust_decimal::Decimal;

/// The columns of an import, in the templates' order.
pub const COLUMNS: [&str; 6] = [
    "unit",
    "month",
    "pagu",
    "planned",
    "realised",
    "physical_pct",
];

/// The templates' headers in words, one per column of [`COLUMNS`]; the import
/// reads a column by either, so sheets made from older templates still import.
pub const LABELS: [&str; 6] = ["OPD", "Bulan", "Pagu", "Rencana", "Realisasi", "Fisik (%)"];

/// The sheet the XLSX template names and the import prefers.
pub const SHEET: &str = "anggaran";

/// One thing wrong with an import, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    /// 1-based, as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// A column name, or empty for the whole row or file.
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}, row {}", self.sheet, self.row)?;
        if !self.column.is_empty() {
            write!(f, ", {}", self.column)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A cell as read: CSV gives text only, XLSX also numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
}

impl Cell {
    fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
        }
    }
}

/// A sheet: its name and rows, the header first.
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

/// Whole rupiah as people write them: `1250000000` or with Indonesian
/// thousands dots, `1.250.000.000`. Nothing else: no decimals, no sign.
pub fn parse_amount(text: &str) -> Result<Rupiah, String> {
    let text = text.trim();
    let text = text
        .strip_prefix("Rp")
        .or_else(|| text.strip_prefix("rp"))
        .map_or(text, str::trim_start);
    let grouped = text.contains('.');
    let digits: String = if grouped {
        let mut groups = text.split('.');
        let first = groups.next().unwrap_or_default();
        let well_formed = (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !well_formed {
            return Err(format!(
                "\"{text}\" is not whole rupiah: write 1250000000 or 1.250.000.000"
            ));
        }
        text.replace('.', "")
    } else {
        text.to_owned()
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "\"{text}\" is not whole rupiah: write 1250000000 or 1.250.000.000"
        ));
    }
    digits
        .parse::<u128>()
        .map(Rupiah)
        .map_err(|_| format!("\"{text}\" is too large"))
}

/// A percentage from 0 to 100 with at most 2 decimals, with a decimal point
/// or comma: `45`, `45.5`, `45,25`.
pub fn parse_pct(text: &str) -> Result<Decimal, String> {
    let text = text.trim().trim_end_matches('%').trim();
    let normal = text.replace(',', ".");
    let value = Decimal::from_str(&normal)
        .map_err(|_| format!("\"{text}\" is not a percentage from 0 to 100"))?;
    if pantau_domain::rules::check_percentage(value).is_err() {
        return Err(format!("{text} is not a percentage from 0 to 100"));
    }
    if value.normalize().scale() > 2 {
        return Err(format!("{text} has more than 2 decimals"));
    }
    Ok(value.normalize())
}

/// An amount cell: text as [`parse_amount`], a number cell only when it is a
/// whole number that a spreadsheet holds exactly.
fn amount_cell(cell: &Cell) -> Result<Rupiah, String> {
    match cell {
        Cell::Empty => Ok(Rupiah(0)),
        Cell::Text(t) if t.trim().is_empty() => Ok(Rupiah(0)),
        Cell::Text(t) => parse_amount(t),
        Cell::Int(i) => u128::try_from(*i)
            .map(Rupiah)
            .map_err(|_| format!("{i} is negative")),
        Cell::Float(f) => {
            // Spreadsheets keep numbers as doubles: exact only up to 2^53.
            if *f < 0.0 {
                Err(format!("{f} is negative"))
            } else if f.fract() != 0.0 || !f.is_finite() {
                Err(format!("{f} is not whole rupiah"))
            } else if *f > 9_007_199_254_740_992.0 {
                Err(format!(
                    "{f} is too large for a number cell to hold exactly: type it as text"
                ))
            } else {
                Ok(Rupiah(*f as u128))
            }
        }
    }
}

fn pct_cell(cell: &Cell) -> Result<Option<Decimal>, String> {
    match cell {
        c if c.is_empty() => Ok(None),
        // f64's Display is the shortest text that reads back the same: 12.34, not 12.33999...
        other => parse_pct(&other.text()).map(Some),
    }
}

fn month_cell(cell: &Cell) -> Result<u32, String> {
    let text = cell.text();
    match text.parse::<u32>() {
        Ok(m) if pantau_domain::rules::check_month(m).is_ok() => Ok(m),
        _ if text.is_empty() => Err("a month from 1 to 12 is needed".into()),
        _ => Err(format!("\"{text}\" is not a month from 1 to 12")),
    }
}

/// Read a CSV file (comma or semicolon separated, as spreadsheets save it).
pub fn read_csv(name: &str, bytes: &[u8]) -> Result<Sheet, Problem> {
    let problem = |row: usize, reason: String| Problem {
        sheet: name.to_owned(),
        row,
        column: String::new(),
        reason,
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| problem(1, "the file is not UTF-8 text: save it as CSV UTF-8".into()))?;
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| problem(i + 1, format!("unreadable CSV: {e}")))?;
        rows.push(
            record
                .iter()
                .map(|f| {
                    if f.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(pantau_report::formula::from_csv_cell(f).to_owned())
                    }
                })
                .collect(),
        );
    }
    Ok(Sheet {
        name: name.to_owned(),
        rows,
    })
}

/// Read the `anggaran` sheet of an XLSX workbook, or its first sheet.
pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, Problem> {
    use calamine::Data;
    use pantau_report::{Workbook, WorkbookLimits};
    let problem = |reason: String| Problem {
        sheet: "xlsx".into(),
        row: 1,
        column: String::new(),
        reason,
    };
    let mut workbook =
        Workbook::open(bytes, WorkbookLimits::default()).map_err(|r| problem(r.to_string()))?;
    let names = workbook.sheet_names();
    let name = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(SHEET))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| problem("the workbook has no sheet".into()))?;
    let range = workbook.range(&name).map_err(|r| problem(r.to_string()))?;
    // Rows are numbered as the spreadsheet shows them, even when the data starts lower.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); first_row as usize];
    for row in range.rows() {
        let mut cells = vec![Cell::Empty; first_col as usize];
        cells.extend(row.iter().map(|cell| match cell {
            Data::Empty => Cell::Empty,
            Data::String(s) => Cell::Text(s.clone()),
            Data::Int(i) => Cell::Int(*i),
            Data::Float(f) => Cell::Float(*f),
            Data::Bool(b) => Cell::Text(b.to_string()),
            other => Cell::Text(other.to_string()),
        }));
        rows.push(cells);
    }
    Ok(Sheet { name, rows })
}

/// Check a sheet against the region and turn it into the years to write, or
/// every problem found.
pub fn check(sheet: &Sheet, region: &Region) -> Result<Vec<ImportedYear>, Vec<Problem>> {
    let mut problems = Vec::new();
    let at = |row: usize, column: &str, reason: String| Problem {
        sheet: sheet.name.clone(),
        row,
        column: column.to_owned(),
        reason,
    };
    let Some(header_index) = sheet
        .rows
        .iter()
        .position(|r| r.iter().any(|c| !c.is_empty()))
    else {
        return Err(vec![at(1, "", "the sheet is empty".into())]);
    };
    let header: Vec<String> = sheet.rows[header_index]
        .iter()
        .map(|c| c.text().to_lowercase())
        .collect();
    let mut index = HashMap::new();
    for (column, label) in COLUMNS.into_iter().zip(LABELS) {
        let label = label.to_lowercase();
        match header.iter().position(|h| h == column || *h == label) {
            Some(i) => {
                index.insert(column, i);
            }
            None if column == "physical_pct" || column == "planned" => {}
            None => problems.push(at(
                header_index + 1,
                column,
                format!(
                    "the header row lacks the column \"{column}\" (columns: {})",
                    COLUMNS.join(", ")
                ),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let cell = |row: &[Cell], column: &str| -> Cell {
        index
            .get(column)
            .and_then(|&i| row.get(i).cloned())
            .unwrap_or(Cell::Empty)
    };

    struct UnitRows {
        first_row: usize,
        pagu: Option<(Rupiah, usize)>,
        months: Vec<(u32, MonthFigures, usize)>,
    }
    let units: HashSet<&str> = region.units.iter().map(|u| u.code.as_str()).collect();
    let mut order: Vec<String> = Vec::new();
    let mut by_unit: HashMap<String, UnitRows> = HashMap::new();
    let mut seen: HashMap<(String, u32), usize> = HashMap::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(header_index + 1) {
        let line = i + 1;
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        // A template row left blank (a unit without a budget) says nothing.
        if ["pagu", "planned", "realised", "physical_pct"]
            .iter()
            .all(|c| cell(row, c).is_empty())
        {
            continue;
        }
        let unit = cell(row, "unit").text();
        let mut ok = true;
        if unit.is_empty() {
            problems.push(at(line, "unit", "a unit code is needed".into()));
            ok = false;
        } else if !units.contains(unit.as_str()) {
            problems.push(at(line, "unit", format!("unknown unit \"{unit}\"")));
            ok = false;
        }
        let month =
            month_cell(&cell(row, "month")).map_err(|r| problems.push(at(line, "month", r)));
        let mut amount = |column: &str| {
            amount_cell(&cell(row, column)).map_err(|r| problems.push(at(line, column, r)))
        };
        let pagu_cell = cell(row, "pagu");
        let pagu = if pagu_cell.is_empty() {
            Ok(None)
        } else {
            amount("pagu").map(Some)
        };
        let planned = amount("planned");
        let realised = amount("realised");
        let physical = pct_cell(&cell(row, "physical_pct"))
            .map_err(|r| problems.push(at(line, "physical_pct", r)));
        let (Ok(month), Ok(pagu), Ok(planned), Ok(realised), Ok(physical), true) =
            (month, pagu, planned, realised, physical, ok)
        else {
            continue;
        };
        if let Some(first) = seen.insert((unit.clone(), month), line) {
            problems.push(at(
                line,
                "month",
                format!("{unit} month {month} is already on row {first}"),
            ));
            continue;
        }
        let entry = by_unit.entry(unit.clone()).or_insert_with(|| {
            order.push(unit.clone());
            UnitRows {
                first_row: line,
                pagu: None,
                months: Vec::new(),
            }
        });
        if let Some(pagu) = pagu {
            match entry.pagu {
                Some((earlier, row)) if earlier != pagu => problems.push(at(
                    line,
                    "pagu",
                    format!("{unit}'s pagu {pagu} differs from {earlier} on row {row}"),
                )),
                Some(_) => {}
                None => entry.pagu = Some((pagu, line)),
            }
        }
        entry.months.push((
            month,
            MonthFigures {
                planned,
                realised,
                physical_pct: physical,
            },
            line,
        ));
    }
    if order.is_empty() && problems.is_empty() {
        problems.push(at(header_index + 2, "", "no rows under the header".into()));
    }
    let mut years = Vec::with_capacity(order.len());
    for unit in order {
        let mut rows = by_unit.remove(&unit).expect("listed units have rows");
        let Some((pagu, _)) = rows.pagu else {
            problems.push(at(
                rows.first_row,
                "pagu",
                format!("{unit} has no pagu on any row"),
            ));
            continue;
        };
        rows.months.sort_by_key(|(m, _, _)| *m);
        // Realised to date may not pass the pagu: name the month where it does.
        let mut spent = 0u128;
        for (month, figures, line) in &rows.months {
            spent = spent.saturating_add(figures.realised.0);
            if spent > pagu.0 {
                problems.push(at(
                    *line,
                    "realised",
                    format!("{unit}: realised to the end of month {month} ({spent}) exceeds the pagu {pagu}"),
                ));
                break;
            }
        }
        years.push(ImportedYear {
            unit,
            pagu,
            months: rows.months.into_iter().map(|(m, f, _)| (m, f)).collect(),
        });
    }
    if problems.is_empty() {
        Ok(years)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

/// The rows of a template: every unit of the region, twelve months each,
/// with what is stored for the year.
fn template_rows(region: &Region, stored: &[BudgetYear]) -> Vec<[String; 6]> {
    let mut rows = Vec::new();
    for unit in &region.units {
        let year = stored.iter().find(|y| y.unit == unit.code);
        for month in 1..=12u32 {
            let stored_month = year.and_then(|y| y.months.iter().find(|m| m.month == month));
            let pagu = match (month, year) {
                (1, Some(y)) => y.pagu.to_string(),
                _ => String::new(),
            };
            rows.push([
                unit.code.clone(),
                month.to_string(),
                pagu,
                stored_month.map_or(String::new(), |m| m.planned.to_string()),
                stored_month.map_or(String::new(), |m| m.realised.to_string()),
                stored_month
                    .and_then(|m| m.physical_pct)
                    .map_or(String::new(), |p| p.normalize().to_string()),
            ]);
        }
    }
    rows
}

/// The CSV template, filled with the year's stored figures.
pub fn csv_template(region: &Region, stored: &[BudgetYear]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(LABELS);
    for row in template_rows(region, stored) {
        let _ = writer.write_record(
            row.iter()
                .map(|f| pantau_report::formula::csv_cell(f).into_owned()),
        );
    }
    writer.into_inner().unwrap_or_default()
}

/// The XLSX template, filled with the year's stored figures: amounts as whole
/// numbers shown with thousands separators.
pub fn xlsx_template(
    region: &Region,
    stored: &[BudgetYear],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    for (c, column) in LABELS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *column, &bold)?;
    }
    sheet.set_column_width(0, 18)?;
    for c in 2..5u16 {
        sheet.set_column_width(c, 20)?;
    }
    for (r, row) in template_rows(region, stored).iter().enumerate() {
        let r = r as u32 + 1;
        if pantau_report::formula::is_risky(&row[0]) {
            sheet.write_string_with_format(r, 0, &row[0], &Format::new().set_quote_prefix())?;
        } else {
            sheet.write_string(r, 0, &row[0])?;
        }
        sheet.write_number(r, 1, row[1].parse::<f64>().unwrap_or_default())?;
        for (c, text) in row.iter().enumerate().take(5).skip(2) {
            if text.is_empty() {
                continue;
            }
            let amount: u128 = text.parse().unwrap_or_default();
            // A double holds whole numbers exactly up to 2^53; larger ones go in as text.
            if amount <= 1 << 53 {
                sheet.write_number_with_format(r, c as u16, amount as f64, &money)?;
            } else {
                sheet.write_string(r, c as u16, text)?;
            }
        }
        if !row[5].is_empty() {
            sheet.write_number(r, 5, row[5].parse::<f64>().unwrap_or_default())?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_rupiah_with_or_without_thousands_dots() {
        assert_eq!(parse_amount("1250000000"), Ok(Rupiah(1_250_000_000)));
        assert_eq!(parse_amount("1.250.000.000"), Ok(Rupiah(1_250_000_000)));
        assert_eq!(parse_amount(" Rp 12.500 "), Ok(Rupiah(12_500)));
        assert_eq!(parse_amount("0"), Ok(Rupiah(0)));
        assert_eq!(
            parse_amount("340282366920938463463374607431768211455"),
            Ok(Rupiah(u128::MAX))
        );
        for bad in [
            "1,5",
            "1.5",
            "12.50",
            "1.2500.000",
            ".250",
            "1.250,00",
            "-5",
            "1e9",
            "",
            "satu",
            "1 250",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn percentages_have_at_most_two_decimals_from_0_to_100() {
        assert_eq!(parse_pct("45"), Ok(Decimal::from(45)));
        assert_eq!(parse_pct("45,25"), Ok(Decimal::new(4525, 2)));
        assert_eq!(parse_pct("45.5%"), Ok(Decimal::new(455, 1)));
        assert_eq!(parse_pct("100"), Ok(Decimal::ONE_HUNDRED));
        for bad in ["100.01", "-1", "45.125", "x", ""] {
            assert!(parse_pct(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn number_cells_count_only_when_whole() {
        assert_eq!(
            amount_cell(&Cell::Float(1_250_000_000.0)),
            Ok(Rupiah(1_250_000_000))
        );
        assert_eq!(amount_cell(&Cell::Int(7)), Ok(Rupiah(7)));
        assert!(amount_cell(&Cell::Float(1.5)).is_err());
        assert!(amount_cell(&Cell::Float(-1.0)).is_err());
        assert!(amount_cell(&Cell::Float(1e17)).is_err());
        assert_eq!(
            pct_cell(&Cell::Float(12.34)),
            Ok(Some(Decimal::new(1234, 2)))
        );
        assert!(pct_cell(&Cell::Float(12.345)).is_err());
    }
}
