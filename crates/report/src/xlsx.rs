//! The XLSX export: one sheet per table, numbers and percentages stored as
//! numbers with [`pantau_present::xlsx`]'s number formats (so a spreadsheet
//! shows "97,50%" and "Rp 1.250.000.000" as the pages do), labels for codes,
//! moments as local date-times, a frozen header row, an autofilter and column
//! widths that fit.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use pantau_present::xlsx;

use crate::tables::{self, Cell, Table};
use crate::{Error, Report};

/// The workbook of a report: summary, units, targets, compliance, entries
/// (and budget when the region has budgets).
pub fn export(report: &Report) -> Result<Vec<u8>, Error> {
    let mut workbook = Workbook::new();
    for table in tables::all(report) {
        write_sheet(workbook.add_worksheet(), &table)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// Cell formats, made once per sheet.
struct Formats {
    header: Format,
    number: Format,
    pct: Format,
    money: Format,
    date: Format,
    moment: Format,
    /// Text that a spreadsheet program would otherwise take for a formula.
    quoted: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#DCE6F1")
                .set_align(FormatAlign::Center),
            number: Format::new().set_num_format(xlsx::NUMBER),
            pct: Format::new().set_num_format(xlsx::PERCENT),
            money: Format::new().set_num_format(xlsx::RUPIAH),
            date: Format::new().set_num_format(xlsx::DATE),
            moment: Format::new().set_num_format(xlsx::MOMENT),
            quoted: Format::new().set_quote_prefix(),
        }
    }
}

/// Write a table as a sheet with the tables' labels as headers.
pub fn write_sheet(sheet: &mut Worksheet, table: &Table) -> Result<(), Error> {
    let labels: Vec<&str> = table.columns.iter().map(|c| c.label).collect();
    write_rows(sheet, table.name, &labels, &table.rows)
}

/// Write a header and rows as a sheet: frozen header, autofilter, fitted widths.
pub fn write_rows(
    sheet: &mut Worksheet,
    name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<(), Error> {
    let formats = Formats::new();
    sheet.set_name(name)?;
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *header, &formats.header)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            write_cell(sheet, r, c as u16, cell, &formats)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !headers.is_empty() {
        sheet.autofilter(0, 0, rows.len() as u32, (headers.len() - 1) as u16)?;
    }
    sheet.autofit();
    // Autofit measures the header without the filter button; leave it room.
    for (c, header) in headers.iter().enumerate() {
        let longest = rows
            .iter()
            .filter_map(|row| row.get(c))
            .map(|cell| match cell {
                Cell::Text(t) | Cell::Label { label: t, .. } => t.chars().count().min(60),
                Cell::Date(_) => 18,
                Cell::Moment(_) => 24,
                Cell::Money(_) => 18,
                _ => 10,
            })
            .chain([header.chars().count() + 3])
            .max()
            .unwrap_or(8);
        sheet.set_column_width(c as u16, (longest as f64 + 2.0).min(62.0))?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), Error> {
    match cell {
        Cell::Text(text) | Cell::Label { label: text, .. } => {
            if crate::formula::is_risky(text) {
                sheet.write_string_with_format(r, c, text, &formats.quoted)?;
            } else {
                sheet.write_string(r, c, text)?;
            }
        }
        Cell::Int(n) => {
            sheet.write_number(r, c, *n as f64)?;
        }
        Cell::Num(n) => {
            sheet.write_number_with_format(r, c, n.to_f64().unwrap_or(0.0), &formats.number)?;
        }
        Cell::Pct(p) => {
            // The percent itself (97.5), as the pages write it: "97,50%".
            sheet.write_number_with_format(r, c, p.to_f64().unwrap_or(0.0), &formats.pct)?;
        }
        Cell::Money(m) => {
            // Exact up to 2^53 rupiah (9 kuadriliun), far above any pagu.
            sheet.write_number_with_format(r, c, *m as f64, &formats.money)?;
        }
        Cell::Date(d) => {
            use chrono::Datelike;
            let date = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            sheet.write_datetime_with_format(r, c, &date, &formats.date)?;
        }
        Cell::Moment(t) => {
            use chrono::{Datelike, Timelike};
            let local = t.naive_local();
            let moment = ExcelDateTime::from_ymd(
                local.year() as u16,
                local.month() as u8,
                local.day() as u8,
            )?
            .and_hms(
                local.hour() as u16,
                local.minute() as u8,
                f64::from(local.second()) + f64::from(local.nanosecond()) / 1e9,
            )?;
            sheet.write_datetime_with_format(r, c, &moment, &formats.moment)?;
        }
        Cell::Bool(b) => {
            sheet.write_boolean(r, c, *b)?;
        }
        Cell::Empty => {}
    }
    Ok(())
}
