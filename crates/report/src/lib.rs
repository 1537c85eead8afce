//! Pantau's reports: the final evaluation of a program, exports of an
//! evaluation as XLSX, CSV and PDF, the XLSX templates for the plan and the
//! entries, and their import.
//!
//! Every figure comes from an [`Evaluation`] that the caller hands over: the
//! engine's at some `as_of`, or a frozen copy read back from the minutes. This
//! crate lays out; it computes nothing the engine already does, and writes
//! every figure, date and label for people through [`pantau_present`].

pub mod chart;
pub mod csv;
#[path = "final.rs"]
pub mod final_evaluation;
pub mod formula;
pub mod import;
pub mod minutes;
pub mod pdf;
pub mod shown;
pub mod tables;
pub mod template;
pub mod workbook;
pub mod xlsx;

use pantau_domain::Evaluation;
use pantau_domain::bundle;
use pantau_domain::model::{Program, Region};

pub use final_evaluation::FinalEvaluation;
pub use import::{ImportProblem, Progress};
pub use minutes::{Attendee, MinutesDocument, Signatory};
pub use pdf::Letterhead;
pub use tables::{Cell, Column, Table};
pub use workbook::{Workbook, WorkbookLimits, WorkbookRefusal};

/// What a report is made of: the region's names, the program, the
/// evaluation to show, and the program's entries as reported (with notes).
#[derive(Clone, Copy)]
pub struct Report<'a> {
    pub region: &'a Region,
    pub program: &'a Program,
    pub evaluation: &'a Evaluation,
    /// The program's entries from the bundle (the model keeps no notes).
    pub entries: &'a [bundle::Entry],
    /// The program's nil reports from the bundle.
    pub nil_reports: &'a [bundle::NilReport],
}

impl<'a> Report<'a> {
    /// The report of `program` in `bundle` (already validated as `region`).
    pub fn new(
        region: &'a Region,
        bundle: &'a bundle::Bundle,
        program: &'a Program,
        evaluation: &'a Evaluation,
    ) -> Report<'a> {
        let found = bundle.programs.iter().find(|p| p.code == program.code);
        Report {
            region,
            program,
            evaluation,
            entries: found.map(|p| p.entries.as_slice()).unwrap_or_default(),
            nil_reports: found.map(|p| p.nil_reports.as_slice()).unwrap_or_default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing the XLSX workbook failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing CSV failed: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("typesetting the PDF failed: {0}")]
    Pdf(String),
    #[error(
        "the final evaluation of program {program} is available from its end date {end}; as of {as_of} it is not"
    )]
    NotFinal {
        program: String,
        end: chrono::NaiveDate,
        as_of: String,
    },
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
}
