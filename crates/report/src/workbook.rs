//! Opening an uploaded XLSX workbook without letting it take the server down.
//!
//! calamine builds a dense grid from a sheet's smallest to its largest used
//! cell, so a file of a few kilobytes with cells at A1 and XFD1048576 asks for
//! about 1.7×10¹⁰ cells; and a zip entry can unpack to far more than the
//! upload's size. Both are checked here before any grid is built: the zip's
//! real unpacked size and ratio (counted while inflating, not trusted from
//! its directory), then each sheet's rows, columns and cells, streamed.

use std::io::{Cursor, Read};

use calamine::{Cell, Data, Range, Reader, Xlsx};

/// How much one uploaded workbook may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkbookLimits {
    /// Bytes of all zip entries together once unpacked.
    pub max_unpacked_bytes: u64,
    /// Unpacked bytes per packed byte, for an entry over `ratio_floor_bytes`.
    pub max_ratio: u64,
    /// Entries smaller than this unpacked are not held to the ratio:
    /// repetitive XML packs very well and is harmless when small.
    pub ratio_floor_bytes: u64,
    /// The last row a sheet may use (1-based, as the spreadsheet numbers it).
    pub max_rows: u32,
    /// The last column a sheet may use (1-based: 26 is column Z).
    pub max_columns: u32,
    /// Cells of the grid spanned by a sheet's used cells.
    pub max_cells: u64,
}

impl Default for WorkbookLimits {
    /// Far above any region's plan, entries or budget (552 units × 12 months
    /// is under 7,000 rows), far below what would strain the server.
    fn default() -> Self {
        WorkbookLimits {
            max_unpacked_bytes: 100 * 1024 * 1024,
            max_ratio: 100,
            ratio_floor_bytes: 1024 * 1024,
            max_rows: 50_000,
            max_columns: 100,
            max_cells: 1_000_000,
        }
    }
}

/// Why a workbook is not read. Each message names what is wrong and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookRefusal {
    #[error("the file is not a readable XLSX workbook: {0}")]
    NotXlsx(String),
    #[error(
        "the workbook unpacks to more than {limit_mib} MiB; split it or remove unused sheets and cells"
    )]
    TooLargeUnpacked { limit_mib: u64 },
    #[error(
        "part {entry} of the workbook unpacks to more than {limit} times its packed size, which no spreadsheet program writes"
    )]
    RatioTooHigh { entry: String, limit: u64 },
    #[error(
        "sheet {sheet} uses row {row}; at most {limit} rows are read: delete the cells below the data"
    )]
    TooManyRows { sheet: String, row: u64, limit: u32 },
    #[error(
        "sheet {sheet} uses column {column}; at most {limit} columns are read: delete the cells right of the data"
    )]
    TooManyColumns {
        sheet: String,
        column: u64,
        limit: u32,
    },
    #[error(
        "sheet {sheet} spans {cells} cells from its first to its last used cell; at most {limit} are read"
    )]
    TooManyCells {
        sheet: String,
        cells: u64,
        limit: u64,
    },
    #[error("sheet {sheet} cannot be read: {reason}")]
    SheetUnreadable { sheet: String, reason: String },
}

/// An XLSX workbook whose zip passed the checks; its sheets are checked as they are read.
pub struct Workbook {
    xlsx: Xlsx<Cursor<Vec<u8>>>,
    limits: WorkbookLimits,
}

impl Workbook {
    /// Check the zip and open the workbook.
    pub fn open(bytes: &[u8], limits: WorkbookLimits) -> Result<Workbook, WorkbookRefusal> {
        check_zip(bytes, &limits)?;
        let xlsx = survive(|| Xlsx::new(Cursor::new(bytes.to_vec())))
            .map_err(|reason| WorkbookRefusal::NotXlsx(reason.into()))?
            .map_err(|e| WorkbookRefusal::NotXlsx(e.to_string()))?;
        Ok(Workbook { xlsx, limits })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx.sheet_names()
    }

    /// One sheet's used cells, refused before any grid is built when the
    /// sheet reaches past the limits.
    pub fn range(&mut self, sheet: &str) -> Result<Range<Data>, WorkbookRefusal> {
        survive(|| self.read_range(sheet)).unwrap_or_else(|reason| {
            Err(WorkbookRefusal::SheetUnreadable {
                sheet: sheet.to_owned(),
                reason: reason.into(),
            })
        })
    }

    fn read_range(&mut self, sheet: &str) -> Result<Range<Data>, WorkbookRefusal> {
        let limits = self.limits;
        let unreadable = |e: calamine::XlsxError| WorkbookRefusal::SheetUnreadable {
            sheet: sheet.to_owned(),
            reason: e.to_string(),
        };
        let mut reader = self
            .xlsx
            .worksheet_cells_reader(sheet)
            .map_err(unreadable)?;
        let mut cells = Vec::new();
        let (mut first_row, mut first_col, mut last_row, mut last_col) = (u32::MAX, u32::MAX, 0, 0);
        while let Some(cell) = reader.next_cell().map_err(unreadable)? {
            let (row, col) = cell.get_position();
            if row >= limits.max_rows {
                return Err(WorkbookRefusal::TooManyRows {
                    sheet: sheet.to_owned(),
                    row: u64::from(row) + 1,
                    limit: limits.max_rows,
                });
            }
            if col >= limits.max_columns {
                return Err(WorkbookRefusal::TooManyColumns {
                    sheet: sheet.to_owned(),
                    column: u64::from(col) + 1,
                    limit: limits.max_columns,
                });
            }
            let value: Data = cell.get_value().clone().into();
            if value == Data::Empty {
                continue;
            }
            first_row = first_row.min(row);
            first_col = first_col.min(col);
            last_row = last_row.max(row);
            last_col = last_col.max(col);
            let spanned = u64::from(last_row - first_row + 1) * u64::from(last_col - first_col + 1);
            if spanned > limits.max_cells {
                return Err(WorkbookRefusal::TooManyCells {
                    sheet: sheet.to_owned(),
                    cells: spanned,
                    limit: limits.max_cells,
                });
            }
            cells.push(Cell::new((row, col), value));
        }
        Ok(Range::from_sparse(cells))
    }
}

/// Run a calamine call, turning its panic into a refusal. calamine trusts
/// numbers one part of the file gives for another: a cell naming shared
/// string 910 of 50 panics with an index out of bounds (calamine 0.31,
/// xlsx/cells_reader.rs), found by fuzzing (fuzz/corpus/*_xlsx/). Such a file
/// is damaged or crafted; the upload is refused, the server goes on.
fn survive<T>(call: impl FnOnce() -> T) -> Result<T, &'static str> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call))
        .map_err(|_| "its parts contradict each other (a damaged or hand-made file); save it again from the spreadsheet program")
}

/// Inflate every entry into nothing, counting, and stop at the first limit
/// passed: the zip's directory states sizes, but a crafted one can lie.
fn check_zip(bytes: &[u8], limits: &WorkbookLimits) -> Result<(), WorkbookRefusal> {
    let not_xlsx = |e: &dyn std::fmt::Display| WorkbookRefusal::NotXlsx(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_xlsx(&e))?;
    let mut total: u64 = 0;
    let too_large = WorkbookRefusal::TooLargeUnpacked {
        limit_mib: limits.max_unpacked_bytes / (1024 * 1024),
    };
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| not_xlsx(&e))?;
        let name = entry.name().to_owned();
        let packed = entry.compressed_size().max(1);
        let allowed = limits.max_unpacked_bytes - total;
        let mut limited = entry.take(allowed + 1);
        let unpacked = std::io::copy(&mut limited, &mut std::io::sink())
            .map_err(|e| not_xlsx(&format!("part {name}: {e}")))?;
        if unpacked > allowed {
            return Err(too_large);
        }
        if unpacked > limits.ratio_floor_bytes && unpacked / packed > limits.max_ratio {
            return Err(WorkbookRefusal::RatioTooHigh {
                entry: name,
                limit: limits.max_ratio,
            });
        }
        total += unpacked;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn workbook_with_cells(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("data").unwrap();
        for (row, col, text) in cells {
            sheet.write_string(*row, *col, *text).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_reaching_the_last_cell_is_refused_before_any_grid_is_built() {
        // A1 and XFD1048576: the file is a few kilobytes.
        let bytes = workbook_with_cells(&[(0, 0, "a"), (1_048_575, 16_383, "z")]);
        assert!(bytes.len() < 10_000);
        let mut book = Workbook::open(&bytes, WorkbookLimits::default()).unwrap();
        let refusal = book.range("data").unwrap_err();
        assert_eq!(
            refusal,
            WorkbookRefusal::TooManyRows {
                sheet: "data".into(),
                row: 1_048_576,
                limit: 50_000
            }
        );
        assert!(refusal.to_string().contains("row 1048576"), "{refusal}");
    }

    #[test]
    fn wide_and_spanning_sheets_are_refused_naming_the_limit() {
        let wide = workbook_with_cells(&[(0, 0, "a"), (0, 16_383, "z")]);
        let refusal = Workbook::open(&wide, WorkbookLimits::default())
            .unwrap()
            .range("data")
            .unwrap_err();
        assert!(matches!(
            refusal,
            WorkbookRefusal::TooManyColumns { column: 16_384, .. }
        ));

        let limits = WorkbookLimits {
            max_cells: 100,
            ..WorkbookLimits::default()
        };
        let spanning = workbook_with_cells(&[(0, 0, "a"), (20, 9, "z")]);
        let refusal = Workbook::open(&spanning, limits)
            .unwrap()
            .range("data")
            .unwrap_err();
        assert_eq!(
            refusal,
            WorkbookRefusal::TooManyCells {
                sheet: "data".into(),
                cells: 210,
                limit: 100
            }
        );
    }

    /// The workbook with one part's text replaced.
    fn with_part_edited(bytes: &[u8], part: &str, from: &str, to: &str) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let mut text = Vec::new();
            file.read_to_end(&mut text).unwrap();
            if file.name() == part {
                let edited = String::from_utf8(text).unwrap().replacen(from, to, 1);
                assert!(!edited.contains(from), "{from} not in {part}");
                text = edited.into_bytes();
            }
            out.start_file(file.name(), zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&text).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_cell_naming_a_shared_string_that_is_not_there_is_refused() {
        let bytes = workbook_with_cells(&[(0, 0, "a")]);
        let bytes = with_part_edited(&bytes, "xl/worksheets/sheet1.xml", "<v>0</v>", "<v>910</v>");
        let refusal = Workbook::open(&bytes, WorkbookLimits::default())
            .unwrap()
            .range("data")
            .unwrap_err();
        assert!(
            matches!(&refusal, WorkbookRefusal::SheetUnreadable { sheet, .. } if sheet == "data"),
            "{refusal:?}"
        );
        assert!(refusal.to_string().contains("contradict"), "{refusal}");
    }

    #[test]
    fn an_ordinary_sheet_reads_as_calamine_would() {
        let cells = [(1, 1, "x"), (3, 2, "y"), (2, 4, "w")];
        let bytes = workbook_with_cells(&cells);
        let guarded = Workbook::open(&bytes, WorkbookLimits::default())
            .unwrap()
            .range("data")
            .unwrap();
        let mut plain: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(guarded, plain.worksheet_range("data").unwrap());
        assert_eq!(guarded.start(), Some((1, 1)));
        assert_eq!(guarded.get_value((3, 2)), Some(&Data::String("y".into())));
    }

    fn zip_with(name: &str, content: &[u8]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(name, options).unwrap();
        writer.write_all(content).unwrap();
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_zip_bomb_is_refused_by_what_it_unpacks_to() {
        let limits = WorkbookLimits {
            max_unpacked_bytes: 1024 * 1024,
            max_ratio: 1_000_000,
            ..WorkbookLimits::default()
        };
        let bomb = zip_with("xl/worksheets/sheet1.xml", &vec![b' '; 2 * 1024 * 1024]);
        assert!(bomb.len() < 20_000);
        assert_eq!(
            Workbook::open(&bomb, limits).err(),
            Some(WorkbookRefusal::TooLargeUnpacked { limit_mib: 1 })
        );
    }

    #[test]
    fn a_part_packed_beyond_the_ratio_is_refused() {
        let dense = zip_with("xl/sharedStrings.xml", &vec![b'a'; 3 * 1024 * 1024]);
        assert_eq!(
            Workbook::open(&dense, WorkbookLimits::default()).err(),
            Some(WorkbookRefusal::RatioTooHigh {
                entry: "xl/sharedStrings.xml".into(),
                limit: 100
            })
        );
    }

    #[test]
    fn what_is_not_a_zip_is_named_so() {
        let refusal = Workbook::open(b"not a spreadsheet", WorkbookLimits::default())
            .err()
            .unwrap();
        assert!(matches!(refusal, WorkbookRefusal::NotXlsx(_)));
        assert!(
            refusal
                .to_string()
                .starts_with("the file is not a readable XLSX workbook")
        );
    }
}
