//! The `pantau` command line: every subcommand, its flags and `PANTAU_*`
//! environment variables. Errors end here: usage problems and refused bundles
//! exit with 2, other failures with 1.

mod audit;
mod backup;
mod database;
mod evaluate;
mod outbox;
mod publish;
mod region;
mod report;
mod server;
mod sync;
mod table;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pantau_domain::Refused;
use pantau_store::StoreError;

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
    /// Create or update the database schema.
    Migrate(database::DatabaseArgs),
    /// Import a bundle into the database: as a new region, or with --merge into an existing one.
    Import(database::ImportArgs),
    /// Write a region of the database as a bundle.
    Export(database::ExportArgs),
    /// Serve the web pages and the API from a database.
    Serve(server::ServeArgs),
    /// Serve the Kota Bekasi sample with a demo account per role; nothing to install.
    Demo(server::DemoArgs),
    /// Manage accounts: add, passwd, disable, enable, token, list.
    #[command(subcommand)]
    User(database::UserCommand),
    /// The tree of regions: `add` a province or the nation, `list` the tree.
    #[command(subcommand)]
    Region(region::RegionCommand),
    /// List a region's reminder outbox: pending, sent and failed messages.
    Outbox(outbox::OutboxArgs),
    /// Write a program's evaluation or final evaluation as XLSX, CSV (a folder) or PDF.
    Report(report::ReportArgs),
    /// Import a filled XLSX template (plan or entries) into the database: all or nothing.
    ImportXlsx(report::ImportXlsxArgs),
    /// Copy a SQLite database and the evidence files into one file, while the server runs.
    Backup(backup::BackupArgs),
    /// Put a backup back, then check that every region validates and its audit chain holds.
    Restore(backup::RestoreArgs),
    /// Check the audit log: `verify` recomputes a region's hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Exchange between levels: push this region to its province's or the nation's
    /// server (push, run), or take pushes from the regions below (allow, status).
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Make a program public (pages, API, open data) or, with --withdraw, private again.
    Publish(publish::PublishArgs),
}

#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// The bundle file (`-` for standard input); or leave it out and name
    /// `--database` and `--region` to evaluate what a server stores.
    #[arg(required_unless_present = "region")]
    bundle: Option<PathBuf>,
    /// Evaluate this region of the database instead of a bundle file.
    #[arg(long, requires = "database", conflicts_with = "bundle")]
    region: Option<String>,
    /// The database of --region: `sqlite:PATH` or `postgres://...`.
    #[arg(long, env = "PANTAU_DATABASE_URL")]
    database: Option<String>,
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
    #[arg(long, env = "PANTAU_LANG", default_value = "id", value_parser = table::lang_parser())]
    lang: pantau_present::Lang,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Table,
}

/// Why a command failed.
pub enum Failure {
    /// Bad arguments or input the user can correct: exit 2.
    Usage(String),
    /// A refused bundle: every problem is listed, exit 2.
    Refused(Refused),
    Io(io::Error),
    Store(StoreError),
    /// A check found a fault (an audit chain broken): exit 1 with its message.
    Check(String),
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure::Io(err)
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Refused(refused) => Failure::Refused(refused),
            StoreError::RegionExists(_)
            | StoreError::UnknownRegion(_)
            | StoreError::UsernameTaken(_)
            | StoreError::UnknownUser(_)
            | StoreError::Invalid { .. }
            | StoreError::UnsupportedUrl(_)
            | StoreError::Unsupported(_) => Failure::Usage(err.to_string()),
            other => Failure::Store(other),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Evaluate(args) => evaluate::run_evaluate(args),
        Command::Validate { bundle } => evaluate::run_validate(&bundle),
        Command::Schema => print_json(&pantau_domain::bundle::json_schema()).map_err(Failure::from),
        Command::Migrate(args) => database::run(database::migrate(args)),
        Command::Import(args) => database::run(database::import(args)),
        Command::Export(args) => database::run(database::export(args)),
        Command::User(command) => database::run(database::user(command)),
        Command::Region(command) => database::run(region::run(command)),
        Command::Serve(args) => database::run(server::serve(args)),
        Command::Demo(args) => database::run(server::demo(args)),
        Command::Outbox(args) => database::run(outbox::list(args)),
        Command::Report(args) => report::run_report(args),
        Command::ImportXlsx(args) => database::run(report::import_xlsx(args)),
        Command::Audit(command) => database::run(audit::run(command)),
        Command::Backup(args) => database::run(backup::backup(args)),
        Command::Restore(args) => database::run(backup::restore(args)),
        Command::Sync(command) => database::run(sync::run(command)),
        Command::Publish(args) => database::run(publish::publish(args)),
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
        Err(Failure::Store(err)) => {
            eprintln!("pantau: {err}");
            ExitCode::FAILURE
        }
        Err(Failure::Check(message)) => {
            eprintln!("pantau: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn print_json<T: serde::Serialize>(value: &T) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}
