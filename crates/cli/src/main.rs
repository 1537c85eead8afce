//! The `pantau` command line.

mod table;

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use pantau_domain::{Options, Refused, evaluate, model};

#[derive(Parser)]
#[command(
    name = "pantau",
    version,
    about = "Pantau: plan, monitor and evaluate the work of a pemda's units (OPD)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a bundle without a database and print the evaluation (JSON or a table).
    Evaluate(EvaluateArgs),
    /// Check a bundle and list every problem; exit 2 when it is refused.
    Validate {
        /// The bundle file (`-` for standard input).
        bundle: PathBuf,
    },
    /// Print the JSON Schema of the bundle format.
    Schema,
}

#[derive(clap::Args)]
struct EvaluateArgs {
    /// The bundle file (`-` for standard input).
    bundle: PathBuf,
    /// Program code; may be left out when the bundle has one program.
    #[arg(long)]
    program: Option<String>,
    /// YYYY-MM-DD (the end of that day in the program's time zone) or an RFC 3339 moment; default now.
    #[arg(long = "as-of", value_name = "DATE|MOMENT")]
    as_of: Option<String>,
    /// Count verified entries only.
    #[arg(long)]
    verified_only: bool,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Language of the table.
    #[arg(long, value_enum, env = "PANTAU_LANG", default_value_t = table::Lang::Id)]
    lang: table::Lang,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Table,
}

/// Why a command failed; usage problems and refused bundles exit with 2.
enum Failure {
    Usage(String),
    Refused(Refused),
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure::Io(err)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Evaluate(args) => run_evaluate(args),
        Command::Validate { bundle } => run_validate(&bundle),
        Command::Schema => print_json(&pantau_domain::bundle::json_schema()).map_err(Failure::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("pantau: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Refused(refused)) => {
            eprintln!(
                "pantau: the bundle is refused ({} problem(s)):",
                refused.problems.len()
            );
            let stderr = io::stderr();
            let mut out = io::BufWriter::new(stderr.lock());
            for problem in &refused.problems {
                let _ = writeln!(out, "  {problem}");
            }
            ExitCode::from(2)
        }
        Err(Failure::Io(err)) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(err)) => {
            eprintln!("pantau: {err}");
            ExitCode::FAILURE
        }
    }
}

fn read_bundle_text(path: &PathBuf) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|err| Failure::Usage(format!("cannot read bundle {}: {err}", path.display())))
}

/// Read, parse and validate; the text and the parsed bundle are dropped as soon
/// as the model is built, so a large bundle is held once at a time.
fn load_region(path: &PathBuf) -> Result<model::Region, Failure> {
    let bundle = {
        let text = read_bundle_text(path)?;
        pantau_domain::parse(&text).map_err(Failure::Refused)?
    };
    pantau_domain::validate(&bundle).map_err(Failure::Refused)
}

fn run_validate(path: &PathBuf) -> Result<(), Failure> {
    let region = load_region(path)?;
    let entries: usize = region.programs.iter().map(|p| p.entries.len()).sum();
    println!(
        "ok: {} ({}): {} units, {} programs, {} entries",
        region.name,
        region.code,
        region.units.len(),
        region.programs.len(),
        entries
    );
    Ok(())
}

fn run_evaluate(args: EvaluateArgs) -> Result<(), Failure> {
    let region = load_region(&args.bundle)?;
    let program = match &args.program {
        Some(code) => region.program(code).ok_or_else(|| {
            Failure::Usage(format!(
                "--program: no program \"{code}\" in the bundle (it has: {})",
                program_codes(&region)
            ))
        })?,
        None => match region.programs.as_slice() {
            [only] => only,
            [] => {
                return Err(Failure::Usage(
                    "the bundle has no program to evaluate".into(),
                ));
            }
            _ => {
                return Err(Failure::Usage(format!(
                    "--program is needed: the bundle has several programs ({})",
                    program_codes(&region)
                )));
            }
        },
    };
    let calendar = &program.calendar;
    let as_of = match &args.as_of {
        Some(text) => calendar
            .parse_as_of(text)
            .map_err(|message| Failure::Usage(format!("--as-of: {message}")))?,
        None => calendar.as_of_instant(Utc::now()),
    };
    let options = Options {
        verified_only: args.verified_only,
    };
    let evaluation = evaluate(&region, program, &as_of, options);
    match args.format {
        Format::Json => print_json(&evaluation)?,
        Format::Table => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            table::write(&mut out, &region, program, &evaluation, args.lang)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn program_codes(region: &model::Region) -> String {
    region
        .programs
        .iter()
        .map(|p| p.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}
