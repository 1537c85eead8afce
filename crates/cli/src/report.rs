//! `pantau report` (XLSX, CSV or PDF of an evaluation, or the final
//! evaluation) and `pantau import-xlsx` (the spreadsheet templates into the
//! database, with a progress bar on standard error).

use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::ValueEnum;
use pantau_domain::bundle::Bundle;
use pantau_domain::{Options, evaluate};
use pantau_report::pdf::Signature;
use pantau_report::{Report, final_evaluation};
use pantau_store::{Actor, ImportMode, ImportSource, StoreError};

use crate::Failure;
use crate::database::{DatabaseArgs, open, run};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Xlsx,
    Csv,
    Pdf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// The evaluation at --as-of (default now).
    Export,
    /// The final evaluation (default --as-of: the program's end date; not before it).
    Final,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Program code; may be left out when the region has one program.
    #[arg(long)]
    pub program: Option<String>,
    /// YYYY-MM-DD (the end of that day in the program's time zone) or an RFC 3339 moment.
    #[arg(long = "as-of", value_name = "DATE|MOMENT")]
    pub as_of: Option<String>,
    #[arg(long, value_enum)]
    pub format: ReportFormat,
    #[arg(long, value_enum, default_value_t = ReportKind::Export)]
    pub kind: ReportKind,
    /// The file to write; for --format csv a folder, which gets one file per
    /// table (summary.csv, units.csv, targets.csv, compliance.csv, entries.csv, budget.csv).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Read a bundle file instead of the database.
    #[arg(long, conflicts_with = "region")]
    pub bundle: Option<PathBuf>,
    /// The region of the database to report on.
    #[arg(long, required_unless_present = "bundle")]
    pub region: Option<String>,
    /// The database of --region: `sqlite:PATH` or `postgres://...`.
    #[arg(long, env = "PANTAU_DATABASE_URL")]
    pub database: Option<String>,
    /// PDF: the signer's office under the date, e.g. "Wali Kota Bekasi".
    #[arg(long)]
    pub signer_role: Option<String>,
    /// PDF: the signer's name (default: a line to write it on).
    #[arg(long)]
    pub signer_name: Option<String>,
    /// PDF: the place before the date, e.g. "Bekasi".
    #[arg(long)]
    pub place: Option<String>,
}

#[derive(clap::Args)]
pub struct ImportXlsxArgs {
    /// The filled plan template, entries template, or an XLSX export.
    pub file: PathBuf,
    /// The region to import into (created when new; then --region-name is needed).
    #[arg(long)]
    pub region: String,
    /// The name of a region the database does not have yet.
    #[arg(long)]
    pub region_name: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub limits: crate::database::LimitArgs,
}

/// The region's bundle and, from a database, the final evaluation that the
/// closed final meeting of each program froze (by program code).
type Frozen = Vec<(String, pantau_domain::Evaluation)>;

fn load_bundle(args: &ReportArgs) -> Result<(Bundle, Frozen), Failure> {
    match (&args.bundle, &args.region) {
        (Some(path), _) => pantau_domain::parse(&crate::evaluate::read_bundle_text(path)?)
            .map(|bundle| (bundle, Vec::new()))
            .map_err(Failure::Refused),
        (None, Some(code)) => {
            let url = args
                .database
                .clone()
                .unwrap_or_else(|| crate::database::DEFAULT_DATABASE.to_owned());
            run(async {
                let store = open(&url).await?;
                let bundle = store.region_bundle(code).await?;
                let mut frozen = Vec::new();
                for program in &bundle.programs {
                    if let Some(evaluation) = store
                        .final_minutes(code, &program.code)
                        .await?
                        .and_then(|minutes| minutes.evaluation)
                    {
                        frozen.push((program.code.clone(), evaluation));
                    }
                }
                Ok((bundle, frozen))
            })
        }
        (None, None) => Err(Failure::Usage(
            "name --bundle FILE, or --region with --database".into(),
        )),
    }
}

fn report_error(err: pantau_report::Error) -> Failure {
    match err {
        pantau_report::Error::NotFinal { .. } => Failure::Usage(err.to_string()),
        other => Failure::Io(std::io::Error::other(other.to_string())),
    }
}

pub fn run_report(args: ReportArgs) -> Result<(), Failure> {
    let (bundle, frozen) = load_bundle(&args)?;
    let region = pantau_domain::validate(&bundle).map_err(Failure::Refused)?;
    let codes = || {
        region
            .programs
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let program = match &args.program {
        Some(code) => region.program(code).ok_or_else(|| {
            Failure::Usage(format!(
                "--program: no program \"{code}\" (there are: {})",
                codes()
            ))
        })?,
        None => match region.programs.as_slice() {
            [only] => only,
            _ => {
                return Err(Failure::Usage(format!(
                    "--program is needed (the programs: {})",
                    codes()
                )));
            }
        },
    };
    let calendar = &program.calendar;
    let as_of = match (&args.as_of, args.kind) {
        (Some(text), _) => calendar
            .parse_as_of(text)
            .map_err(|message| Failure::Usage(format!("--as-of: {message}")))?,
        // The final evaluation is as of the final deadline; an export as of
        // now, or that deadline once it has passed (domain.md).
        (None, ReportKind::Final) => calendar.as_of_instant(calendar.final_deadline()),
        (None, ReportKind::Export) => calendar.default_as_of(Utc::now()),
    };
    // Once the final meeting has closed, the final evaluation is the one it froze.
    let frozen = frozen
        .into_iter()
        .find(|(code, _)| code == &program.code && args.kind == ReportKind::Final)
        .map(|(_, evaluation)| evaluation);
    if frozen.is_some() {
        eprintln!("pantau: the final evaluation as frozen when the final meeting closed");
    }
    let evaluation =
        frozen.unwrap_or_else(|| evaluate(&region, program, &as_of, Options::default()));
    let report = Report::new(&region, &bundle, program, &evaluation);
    let final_doc = match args.kind {
        ReportKind::Final => {
            Some(final_evaluation::final_evaluation(&report).map_err(report_error)?)
        }
        ReportKind::Export => None,
    };
    match args.format {
        ReportFormat::Xlsx => {
            let bytes = pantau_report::xlsx::export(&report).map_err(report_error)?;
            write(&args.output, &bytes)?;
        }
        ReportFormat::Csv => {
            std::fs::create_dir_all(&args.output).map_err(|err| {
                Failure::Usage(format!(
                    "cannot create folder {}: {err}",
                    args.output.display()
                ))
            })?;
            for (name, bytes) in pantau_report::csv::export(&report).map_err(report_error)? {
                write(&args.output.join(name), &bytes)?;
            }
        }
        ReportFormat::Pdf => {
            let signature = Signature {
                place: args.place.clone().unwrap_or_default(),
                date: String::new(),
                role: args.signer_role.clone().unwrap_or_default(),
                name: args.signer_name.clone().unwrap_or_default(),
                letterhead: None,
            };
            let bytes = match &final_doc {
                Some(doc) => pantau_report::pdf::final_report(&report, doc, &signature),
                None => pantau_report::pdf::evaluation_report(&report, &signature, &[]),
            }
            .map_err(report_error)?;
            write(&args.output, &bytes)?;
        }
    }
    eprintln!("pantau: wrote {}", args.output.display());
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|err| Failure::Usage(format!("cannot write {}: {err}", path.display())))
}

pub async fn import_xlsx(args: ImportXlsxArgs) -> Result<(), Failure> {
    let bytes = std::fs::read(&args.file)
        .map_err(|err| Failure::Usage(format!("cannot read {}: {err}", args.file.display())))?;
    let source = ImportSource::of(Some(&args.file.display().to_string()), &bytes);
    let limits = args.limits.limits();
    let store = crate::database::open_with(&args.db.database, limits).await?;
    let base = match store.region_bundle(&args.region).await {
        Ok(bundle) => bundle,
        Err(StoreError::UnknownRegion(_)) => {
            let name = args.region_name.clone().ok_or_else(|| {
                Failure::Usage(format!(
                    "region {} is not in the database: give --region-name to create it",
                    args.region
                ))
            })?;
            pantau_report::import::empty_bundle(&args.region, &name, None)
        }
        Err(err) => return Err(err.into()),
    };
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} rows")
            .expect("a valid template"),
    );
    bar.set_message("reading");
    let progress = bar.clone();
    // Read and check off the async threads, within the time limit.
    let result = pantau_web::run_import(
        &args.file.display().to_string(),
        args.limits.import_time(),
        move || {
            pantau_report::import::read_with(&bytes, &base, limits, &mut |p| {
                progress.set_length(p.total as u64);
                progress.set_position(p.done as u64);
            })
        },
    )
    .await;
    bar.finish_and_clear();
    let result = result.map_err(|late| Failure::Usage(late.to_string()))?;
    let bundle = match result {
        Ok(bundle) => bundle,
        Err(problems) => {
            eprintln!(
                "pantau: {} is refused, nothing was written ({} problem(s)):",
                args.file.display(),
                problems.len()
            );
            for problem in &problems {
                eprintln!("  {problem}");
            }
            return Err(Failure::Usage("the workbook is refused".into()));
        }
    };
    let summary = store
        .import_bundle_from(&bundle, ImportMode::Merge, &Actor::cli(), Some(&source))
        .await?;
    println!("{}", crate::database::import_summary(&summary));
    Ok(())
}
