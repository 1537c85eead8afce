//! The CSV export: one file per table, headed by the columns' keys, numbers
//! written plainly (a dot for decimals), percentages in percent, dates and
//! moments in ISO 8601, statuses and ratings as codes; text that a
//! spreadsheet would take for a formula gets a leading apostrophe.

use crate::tables::{self, Cell, Table};
use crate::{Error, Report};

/// One table as CSV text.
pub fn table(table: &Table) -> Result<Vec<u8>, Error> {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(table.columns.iter().map(|c| c.key))?;
    for row in &table.rows {
        out.write_record(row.iter().map(field))?;
    }
    out.into_inner()
        .map_err(|err| Error::Csv(err.into_error().into()))
}

/// Every table of a report as (file name, CSV bytes), e.g. `units.csv`.
pub fn export(report: &Report) -> Result<Vec<(String, Vec<u8>)>, Error> {
    tables::all(report)
        .iter()
        .map(|t| Ok((format!("{}.csv", t.name), table(t)?)))
        .collect()
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => crate::formula::csv_cell(t).into_owned(),
        Cell::Label { code, .. } => code.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Num(n) | Cell::Pct(n) => n.normalize().to_string(),
        Cell::Money(m) => m.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Moment(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        Cell::Bool(b) => b.to_string(),
        Cell::Empty => String::new(),
    }
}
