//! Subcommands on the database: `migrate`, `import`, `export`, `user`.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use pantau_present::{self as present, Lang};
use pantau_store::{
    Actor, ImportMode, ImportSource, ImportSummary, NewUser, Role, Store, StoreError, UserProfile,
    password,
};

use crate::{Failure, evaluate::read_bundle_text};

/// The default database: a SQLite file in the data folder.
pub const DEFAULT_DATABASE: &str = "sqlite:pantau-data/pantau.db";

#[derive(clap::Args)]
pub struct DatabaseArgs {
    /// `sqlite:PATH` or `postgres://USER@HOST/DB`.
    #[arg(long, env = "PANTAU_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
}

/// What an import may cost: a program's length, the time to read a file.
#[derive(clap::Args, Clone, Copy)]
pub struct LimitArgs {
    /// The longest program accepted, in years (a plan, an import, a stored region).
    #[arg(long, env = "PANTAU_MAX_PROGRAM_YEARS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub max_program_years: u32,
    /// Seconds that reading and checking one import file may take; past them
    /// nothing is imported.
    #[arg(long, env = "PANTAU_IMPORT_TIME_LIMIT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub import_time_limit: u64,
}

impl LimitArgs {
    pub fn limits(&self) -> pantau_domain::Limits {
        pantau_domain::Limits::with_program_years(self.max_program_years)
    }

    pub fn import_time(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.import_time_limit)
    }
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The bundle file (`-` for standard input).
    pub bundle: PathBuf,
    /// Import into an existing region: plan rows are updated by code; entries
    /// and nil reports already present are not added twice.
    #[arg(long)]
    pub merge: bool,
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Region code, e.g. 3275.
    #[arg(long)]
    pub region: String,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add an account. Without --password-stdin a random password is made and printed once.
    Add {
        username: String,
        #[arg(long)]
        region: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The unit an operator reports for.
        #[arg(long)]
        unit: Option<String>,
        /// A cluster an evaluator evaluates (repeat for several).
        #[arg(long = "cluster")]
        clusters: Vec<String>,
        /// Full name shown in the pages; default the username.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// The holder's full name as on official documents (at most 200 characters).
        #[arg(long)]
        full_name: Option<String>,
        /// The holder's civil servant number (NIP): 18 digits.
        #[arg(long)]
        nip: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Set the full name or NIP of a region's account; what is not given stays, "" clears.
    Profile {
        username: String,
        #[arg(long)]
        region: String,
        /// The holder's full name as on official documents (at most 200 characters).
        #[arg(long)]
        full_name: Option<String>,
        /// The holder's civil servant number (NIP): 18 digits.
        #[arg(long)]
        nip: Option<String>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Set a new password. Without --password-stdin a random one is made and printed once.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Stop an account from logging in.
    Disable {
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Let a disabled account log in again.
    Enable {
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Make an API token for an account and print it once (--name); or list
    /// the account's tokens (--list) or revoke one (--revoke ID).
    Token {
        username: String,
        /// What the new token is for, e.g. "sinkronisasi SIPD".
        #[arg(long, required_unless_present_any = ["list", "revoke"], conflicts_with_all = ["list", "revoke"])]
        name: Option<String>,
        /// List the account's tokens: id, name, created, last used (to the minute).
        #[arg(long, conflicts_with = "revoke")]
        list: bool,
        /// Revoke the token with this id (as --list shows it): it stops working at once.
        #[arg(long, value_name = "ID")]
        revoke: Option<i64>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List a region's accounts.
    List {
        #[arg(long)]
        region: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role \"{text}\" (one of: {})", roles.join(", "))
    })
}

/// Run an async subcommand on a fresh runtime.
pub fn run<T>(future: impl std::future::Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(future)
}

/// Open the database, creating the folder of a SQLite file when needed.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, Failure> {
    open_with(url, pantau_domain::Limits::default()).await
}

/// [`open`], checking bundles within `limits`.
pub async fn open_with(
    url: &str,
    limits: pantau_domain::Limits,
) -> Result<Arc<dyn Store>, Failure> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
    }
    Ok(pantau_store::connect_with(url, limits).await?)
}

pub async fn migrate(args: DatabaseArgs) -> Result<(), Failure> {
    open(&args.database).await?;
    eprintln!("pantau: the database schema is up to date");
    Ok(())
}

pub async fn import(args: ImportArgs) -> Result<(), Failure> {
    let text = read_bundle_text(&args.bundle)?;
    let name = args.bundle.display().to_string();
    // "-" is standard input: no file to name, only its bytes.
    let source = ImportSource::of(Some(name.as_str()).filter(|n| *n != "-"), text.as_bytes());
    let limits = args.limits.limits();
    // Parse and check off the async threads, within the time limit: a file
    // that takes longer is refused before anything is written.
    let bundle = pantau_web::run_import(
        &args.bundle.display().to_string(),
        args.limits.import_time(),
        move || {
            let bundle = pantau_domain::parse(&text)?;
            pantau_domain::validate_with(&bundle, limits)?;
            Ok::<_, pantau_domain::Refused>(bundle)
        },
    )
    .await
    .map_err(|late| Failure::Usage(late.to_string()))?
    .map_err(Failure::Refused)?;
    let store = open_with(&args.db.database, limits).await?;
    let mode = if args.merge {
        ImportMode::Merge
    } else {
        ImportMode::NewRegion
    };
    let summary = store
        .import_bundle_from(&bundle, mode, &Actor::cli(), Some(&source))
        .await?;
    println!("{}", import_summary(&summary));
    Ok(())
}

/// What an import did, in the command line's English, counts grouped.
pub fn import_summary(summary: &ImportSummary) -> String {
    let count = |n: usize| present::count(Lang::En, i64::try_from(n).unwrap_or(i64::MAX));
    format!(
        "{} region {}: {} units, {} programs, {} targets, {} entries and {} nil reports added, {} budgets",
        if summary.created {
            "created"
        } else {
            "merged into"
        },
        summary.region,
        count(summary.units),
        count(summary.programs),
        count(summary.targets),
        count(summary.entries_added),
        count(summary.nil_reports_added),
        count(summary.budgets)
    )
}

pub async fn export(args: ExportArgs) -> Result<(), Failure> {
    let store = open(&args.db.database).await?;
    let bundle = store.region_bundle(&args.region).await?;
    match &args.output {
        Some(path) => {
            let mut out = io::BufWriter::new(std::fs::File::create(path)?);
            serde_json::to_writer_pretty(&mut out, &bundle).map_err(io::Error::other)?;
            writeln!(out)?;
            out.flush()?;
        }
        None => crate::print_json(&bundle)?,
    }
    Ok(())
}

/// A password from standard input, or a new random one to print once the
/// account is saved (`generated` tells which).
fn obtain_password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if from_stdin {
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.chars().count() < 8 {
            return Err(Failure::Usage("password: at least 8 characters".into()));
        }
        return Ok((password, false));
    }
    Ok((password::generate(), true))
}

fn show_generated(password: &str, generated: bool) {
    if !generated {
        return;
    }
    if io::stdout().is_terminal() {
        println!("password (shown once): {password}");
    } else {
        println!("{password}");
    }
}

pub async fn user(command: UserCommand) -> Result<(), Failure> {
    let actor = Actor::cli();
    match command {
        UserCommand::Add {
            username,
            region,
            role,
            unit,
            clusters,
            name,
            email,
            full_name,
            nip,
            password_stdin,
            db,
        } => {
            let store = open(&db.database).await?;
            let profile = UserProfile { full_name, nip }.checked()?;
            let (secret, generated) = obtain_password(password_stdin)?;
            let user = NewUser {
                region,
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                email,
                password_hash: password::hash(&secret),
                role,
                unit,
                clusters,
            };
            store
                .create_user_with_profile(&user, &profile, &actor)
                .await?;
            show_generated(&secret, generated);
            eprintln!("pantau: added {} ({})", user.username, user.role.code());
        }
        UserCommand::Profile {
            username,
            region,
            full_name,
            nip,
            db,
        } => {
            if full_name.is_none() && nip.is_none() {
                return Err(Failure::Usage(
                    "user profile: give --full-name, --nip or both".into(),
                ));
            }
            let store = open(&db.database).await?;
            let current = store
                .user_by_username(&username)
                .await?
                .filter(|user| user.region == region)
                .ok_or_else(|| {
                    Failure::Usage(format!("no user \"{username}\" in region {region}"))
                })?;
            let profile = UserProfile {
                full_name: full_name.or(current.full_name),
                nip: nip.or(current.nip),
            };
            store
                .set_user_profile(&region, &username, &profile, &actor)
                .await?;
            eprintln!("pantau: updated the profile of {username}");
        }
        UserCommand::Passwd {
            username,
            password_stdin,
            db,
        } => {
            let store = open(&db.database).await?;
            if store.user_by_username(&username).await?.is_none() {
                return Err(Failure::Usage(format!("no user \"{username}\"")));
            }
            let (secret, generated) = obtain_password(password_stdin)?;
            store
                .set_password_hash(&username, &password::hash(&secret), None, &actor)
                .await?;
            show_generated(&secret, generated);
        }
        UserCommand::Disable { username, db } => {
            open(&db.database)
                .await?
                .set_disabled(&username, true, &actor)
                .await?;
        }
        UserCommand::Enable { username, db } => {
            open(&db.database)
                .await?
                .set_disabled(&username, false, &actor)
                .await?;
        }
        UserCommand::Token {
            username,
            name,
            list,
            revoke,
            db,
        } => {
            let store = open(&db.database).await?;
            let account = store
                .user_by_username(&username)
                .await?
                .ok_or_else(|| Failure::Usage(format!("no user \"{username}\"")))?;
            if let Some(name) = name {
                let token = store.create_api_token(&username, &name, &actor).await?;
                println!("{token}");
            } else if let Some(id) = revoke {
                store
                    .revoke_api_token(&account.region, &username, id, &actor)
                    .await
                    .map_err(|err| match err {
                        StoreError::NotFound { .. } => Failure::Usage(err.to_string()),
                        other => other.into(),
                    })?;
                eprintln!("pantau: revoked token {id} of {username}");
            } else if list {
                let moment = |at: chrono::DateTime<chrono::Utc>| {
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                };
                for token in store.api_tokens(&account.region, &username).await? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        token.id,
                        token.name,
                        moment(token.created_at),
                        token
                            .last_used_at
                            .map_or_else(|| "never".to_owned(), moment)
                    );
                }
            }
        }
        UserCommand::List { region, db } => {
            let store = open(&db.database).await?;
            for user in store.users(&region).await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    user.username,
                    user.role.code(),
                    user.unit.as_deref().unwrap_or("-"),
                    user.clusters.join(","),
                    if user.disabled { "\tdisabled" } else { "" }
                );
            }
        }
    }
    Ok(())
}
