//! `pantau serve` and `pantau demo`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use pantau_store::{Actor, ImportMode, NewUser, Role, Store, StoreError, UserProfile, password};

use crate::Failure;
use crate::database::{DatabaseArgs, LimitArgs, open_with};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "PANTAU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Mark cookies Secure (set this behind https).
    #[arg(long, env = "PANTAU_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The address people open the site at, for the links of e-mails (password
    /// reset); without it, the host the request names.
    #[arg(long, env = "PANTAU_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where evidence files are kept (outside any web root).
    #[arg(
        long,
        env = "PANTAU_EVIDENCE_DIR",
        default_value = "pantau-data/evidence"
    )]
    pub evidence_dir: PathBuf,
    #[command(flatten)]
    pub notify: NotifyArgs,
    /// A program's length cap and an import's time limit.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Seconds one request may take (an import: this plus its time limit).
    #[arg(long, env = "PANTAU_REQUEST_TIME_LIMIT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_time_limit: u64,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "PANTAU_HEADER_READ_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(long, env = "PANTAU_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// How long a session lasts after log-in, however busy, in hours; the
    /// idle limit (12 hours) ends it sooner.
    #[arg(
        long,
        env = "PANTAU_SESSION_ABSOLUTE_HOURS",
        default_value_t = 168,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub session_absolute_hours: u32,
    /// A reverse proxy whose X-Forwarded-For names the client: an address
    /// (10.0.0.5) or a network (10.0.0.0/8); repeat the flag, or separate
    /// them with commas in the variable. From anyone else the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "PANTAU_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<pantau_web::TrustedProxy>,
    /// A PostgreSQL streaming replica of --database (postgres://...) to read
    /// dashboards, lists, downloads and the API's reads from; whoever has just
    /// written reads the main database until the replica has caught up.
    #[arg(long, env = "PANTAU_DATABASE_READ_URL")]
    pub database_read: Option<String>,
    /// This server's own region code when it takes pushes from the regions
    /// below it (`pantau sync push`): 32 for a province, ID for the nation.
    #[arg(long, env = "PANTAU_REGION_CODE")]
    pub region_code: Option<pantau_domain::RegionCode>,
    /// Days without an accepted push after which a region that pushes here is late.
    #[arg(long, env = "PANTAU_SYNC_LATE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub sync_late_days: u32,
    /// A file holding the key that signs the public feedback forms and hashes
    /// senders' addresses; every app server must read the same one. Without
    /// it a random key is drawn at start (open forms fail after a restart).
    #[arg(long, env = "PANTAU_FEEDBACK_SECRET_FILE")]
    pub feedback_secret_file: Option<PathBuf>,
    /// Days after a feedback case is closed before its sender's name and
    /// contact are erased.
    #[arg(long, env = "PANTAU_FEEDBACK_RETENTION_DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub feedback_retention_days: u32,
    /// Feedback accepted from one address in an hour.
    #[arg(long, env = "PANTAU_FEEDBACK_PER_ADDRESS_HOUR", default_value_t = 5,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub feedback_per_address_hour: i64,
    /// Feedback accepted in one region in an hour.
    #[arg(long, env = "PANTAU_FEEDBACK_PER_REGION_HOUR", default_value_t = 200,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub feedback_per_region_hour: i64,
    /// How many regions' models (plan and entries) to keep in memory; the
    /// least recently read is dropped first and loaded again when read. A
    /// region of 5,200 entries takes about 0.4 MiB (docs/performance.md).
    #[arg(long, env = "PANTAU_CACHE_REGIONS", default_value_t = pantau_web::evaluation::DEFAULT_REGIONS_KEPT,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub cache_regions: usize,
}

/// Reminders by e-mail and webhook: on when `--smtp-url` or `--webhook-url` is given.
#[derive(clap::Args)]
pub struct NotifyArgs {
    /// SMTP server for reminders: smtp://host:port (plain), smtp://host:587?tls=required
    /// (STARTTLS) or smtps://host:465 (TLS); credentials as smtp://user:password@host.
    #[arg(long, env = "PANTAU_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The From address of reminders, e.g. "Pantau <pantau@bekasikota.go.id>".
    #[arg(long, env = "PANTAU_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Also POST each reminder as JSON here (e.g. a WhatsApp gateway).
    #[arg(long, env = "PANTAU_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// When reminders go out, in the program's local time: days before the
    /// deadline's date (0 or negative) @ time of day.
    #[arg(
        long,
        env = "PANTAU_REMINDER_OFFSETS",
        default_value = "-1d@15:00,0d@07:00",
        value_parser = parse_offsets,
        // The usual value starts with a minus sign.
        allow_hyphen_values = true
    )]
    pub reminder_offsets: pantau_domain::reminder::Offsets,
}

fn parse_offsets(text: &str) -> Result<pantau_domain::reminder::Offsets, String> {
    text.parse()
        .map_err(|err: pantau_domain::reminder::OffsetError| err.to_string())
}

impl NotifyArgs {
    /// The notifier's settings, or none when there is nowhere to deliver.
    fn settings(&self) -> Result<Option<pantau_notify::Settings>, Failure> {
        let smtp = match (&self.smtp_url, &self.smtp_from) {
            (Some(url), Some(from)) => Some(pantau_notify::SmtpSettings {
                url: url.clone(),
                from: from.clone(),
            }),
            (Some(_), None) => {
                return Err(Failure::Usage(
                    "--smtp-from (PANTAU_SMTP_FROM) is needed with --smtp-url".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(Failure::Usage(
                    "--smtp-url (PANTAU_SMTP_URL) is needed with --smtp-from".into(),
                ));
            }
            (None, None) => None,
        };
        let settings = pantau_notify::Settings {
            smtp,
            webhook_url: self.webhook_url.clone(),
            reminders: pantau_domain::reminder::Settings {
                offsets: self.reminder_offsets.clone(),
                ..Default::default()
            },
            ..Default::default()
        };
        if !settings.is_enabled() {
            return Ok(None);
        }
        settings.validate().map_err(|err| match err {
            pantau_notify::NotifyError::Setting { field, message } => {
                Failure::Usage(format!("--{field}: {message}"))
            }
            other => Failure::Usage(other.to_string()),
        })?;
        Ok(Some(settings))
    }
}

/// Run the reminder loops beside the server, on every app server alike: the
/// outbox makes sure each message goes out once.
fn start_notifier(store: &Arc<dyn Store>, settings: pantau_notify::Settings) {
    init_logging();
    let channels: Vec<&str> = [
        settings.smtp.as_ref().map(|_| "e-mail"),
        settings.webhook_url.as_ref().map(|_| "webhook"),
    ]
    .into_iter()
    .flatten()
    .collect();
    eprintln!(
        "pantau: reminders by {} at {} before each deadline",
        channels.join(" and "),
        settings.reminders.offsets
    );
    let store = store.clone();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(err) = pantau_notify::run(store, settings, shutdown).await {
            tracing::error!("the reminders stopped: {err}");
        }
    });
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Folder of the demo's SQLite database and evidence files.
    #[arg(long, env = "PANTAU_DEMO_DIR", default_value = "pantau-demo")]
    pub data: PathBuf,
    #[arg(long, env = "PANTAU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// A program's length cap and an import's time limit.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The sample the demo serves, built into the binary.
const SAMPLE: &str = include_str!("../../../examples/bekasi-100hk.json");
const DEMO_PASSWORD: &str = "pantau-demo";

/// A demo account: username, full name, role, unit, clusters.
type DemoAccount = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Vec<String>,
);

fn demo_accounts() -> Vec<DemoAccount> {
    vec![
        (
            "admin",
            "Admin Bagian Organisasi",
            Role::Admin,
            None,
            vec![],
        ),
        (
            "asda1",
            "Asisten Pemerintahan dan Kesra",
            Role::Evaluator,
            None,
            vec!["ASDA1".into()],
        ),
        (
            "asda2",
            "Asisten Perekonomian dan Pembangunan",
            Role::Evaluator,
            None,
            vec!["ASDA2".into()],
        ),
        (
            "asda3",
            "Asisten Administrasi Umum",
            Role::Evaluator,
            None,
            vec!["ASDA3".into()],
        ),
        (
            "operator-dp3a",
            "Operator DP3A",
            Role::Operator,
            Some("DP3A"),
            vec![],
        ),
        (
            "operator-satpolpp",
            "Operator Satpol PP",
            Role::Operator,
            Some("SATPOLPP"),
            vec![],
        ),
        (
            "operator-dlh",
            "Operator DLH",
            Role::Operator,
            Some("DLH"),
            vec![],
        ),
        ("pimpinan", "Sekretaris Daerah", Role::Leader, None, vec![]),
        ("bpkad", "Staf BPKAD", Role::Finance, None, vec![]),
    ]
}

/// The full name and NIP of a demo account's holder. Illustrative: invented
/// people and numbers shaped like real NIPs (birth date, appointment month,
/// sex, serial), like the rest of the sample. The DLH operator is a contract
/// worker (honorer) and has no NIP.
fn demo_profile(username: &str) -> UserProfile {
    let (full_name, nip) = match username {
        "admin" => ("Rina Marlina, S.Kom.", Some("198703152010012004")),
        "asda1" => ("Dr. H. Ahmad Fauzi, M.Si.", Some("196805121994031002")),
        "asda2" => ("Ir. Dewi Kartika Sari, M.T.", Some("197009231996032001")),
        "asda3" => ("Drs. Bambang Supriyadi, M.M.", Some("196911041993031005")),
        "operator-dp3a" => ("Nurul Aini, S.Sos.", Some("199202272019032011")),
        "operator-satpolpp" => ("Agus Setiawan", Some("198510082009011003")),
        "operator-dlh" => ("Rudi Hartono", None),
        "pimpinan" => ("Drs. H. Suryadi Pratama, M.Si.", Some("196604181990031003")),
        "bpkad" => ("Yuliani Rahmawati, S.E.", Some("198811202014022001")),
        _ => return UserProfile::default(),
    };
    UserProfile {
        full_name: Some(full_name.to_owned()),
        nip: nip.map(str::to_owned),
    }
}

async fn prepare_demo(store: &Arc<dyn Store>) -> Result<(), Failure> {
    let bundle = pantau_domain::parse(SAMPLE).map_err(Failure::Refused)?;
    let actor = Actor {
        user_id: None,
        label: "demo".into(),
    };
    match store
        .import_bundle(&bundle, ImportMode::NewRegion, &actor)
        .await
    {
        // A new demo shows its program in the public portal at once; a
        // demo started again keeps what its admin published or withdrew.
        Ok(_) => {
            for program in &bundle.programs {
                store
                    .publish(&bundle.region.code, &program.code, &actor)
                    .await?;
            }
        }
        Err(StoreError::RegionExists(_)) => {}
        Err(err) => return Err(err.into()),
    }
    let hash = password::hash(DEMO_PASSWORD);
    for (username, name, role, unit, clusters) in demo_accounts() {
        let user = NewUser {
            region: bundle.region.code.clone(),
            username: username.into(),
            display_name: name.into(),
            email: None,
            password_hash: hash.clone(),
            role,
            unit: unit.map(str::to_owned),
            clusters,
        };
        match store
            .create_user_with_profile(&user, &demo_profile(username), &actor)
            .await
        {
            Ok(_) | Err(StoreError::UsernameTaken(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    // The province above the sample and the nation, each with its
    // supervisor (pembina), so that the supervisors' pages can be seen.
    let above = [
        (
            "32",
            "Provinsi Jawa Barat",
            "pembina",
            "Pembina Provinsi Jawa Barat",
        ),
        ("ID", "Indonesia", "pembina-pusat", "Pembina Kemendagri"),
    ];
    let registered = store.regions().await?;
    for (code, name, username, display_name) in above {
        if registered.iter().all(|r| r.code != code) {
            let region = pantau_store::RegionRow {
                code: code.into(),
                name: name.into(),
                timezone: "Asia/Jakarta".into(),
            };
            store.add_region(&region, &actor).await?;
        }
        let supervisor = NewUser {
            region: code.into(),
            username: username.into(),
            display_name: display_name.into(),
            email: None,
            password_hash: hash.clone(),
            role: Role::Supervisor,
            unit: None,
            clusters: vec![],
        };
        match store.create_user(&supervisor, &actor).await {
            Ok(_) | Err(StoreError::UsernameTaken(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// Log to standard error; `RUST_LOG` (or `PANTAU_LOG`) sets the level, default info.
fn init_logging() {
    let filter = std::env::var("PANTAU_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

async fn listen_and_serve(state: pantau_web::AppState, listen: SocketAddr) -> Result<(), Failure> {
    init_logging();
    // Expired sessions are removed hourly, by whichever app server runs this.
    let store = state.store.clone();
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(err) = store.session_purge(chrono::Utc::now()).await {
                tracing::warn!("purging expired sessions failed: {err}");
            }
        }
    });
    // Answered feedback without reply closes itself; personal data past the
    // retention period is erased.
    tokio::spawn(pantau_web::feedback_upkeep(state.clone()));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|err| Failure::Usage(format!("--listen {listen}: {err}")))?;
    eprintln!("pantau: serving http://{listen}");
    pantau_web::serve(listener, state).await?;
    Ok(())
}

pub async fn serve(args: ServeArgs) -> Result<(), Failure> {
    let notify = args.notify.settings()?;
    let store = open_with(&args.db.database, args.limits.limits()).await?;
    // Several app servers on one PostgreSQL learn each other's changes as
    // they commit (versions, sessions, accounts), instead of asking the
    // database on every request.
    store.watch_versions().await?;
    // Opened before anything starts, so that a wrong URL stops the server.
    let replica = match &args.database_read {
        Some(url) => Some(pantau_store::connect_replica(store.as_ref(), url).await?),
        None => None,
    };
    if let Some(settings) = notify {
        start_notifier(&store, settings);
    }
    let config = pantau_web::Config {
        secure_cookies: args.secure_cookies,
        evidence_dir: args.evidence_dir,
        public_url: args.public_url,
        import_time_limit: args.limits.import_time(),
        request_time_limit: std::time::Duration::from_secs(args.request_time_limit),
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        session_absolute_hours: args.session_absolute_hours,
        trusted_proxies: args.trusted_proxies,
        sync_region: args.region_code,
        sync_late_after: chrono::Duration::days(i64::from(args.sync_late_days)),
        feedback_retention_days: args.feedback_retention_days,
        feedback_per_address_hour: args.feedback_per_address_hour,
        feedback_per_region_hour: args.feedback_per_region_hour,
        regions_kept: args.cache_regions,
        ..Default::default()
    };
    let config = match &args.feedback_secret_file {
        Some(path) => {
            let secret = std::fs::read(path).map_err(|err| {
                Failure::Usage(format!("--feedback-secret-file {}: {err}", path.display()))
            })?;
            if secret.trim_ascii().len() < 16 {
                return Err(Failure::Usage(format!(
                    "--feedback-secret-file {}: holds fewer than 16 bytes; use a long random key",
                    path.display()
                )));
            }
            pantau_web::Config {
                feedback_secret: secret.trim_ascii().to_vec(),
                ..config
            }
        }
        None => config,
    };
    let mut state = pantau_web::AppState::new(store, config);
    if let Some(replica) = replica {
        state = state.with_replica(replica);
    }
    listen_and_serve(state, args.listen).await
}

pub async fn demo(args: DemoArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.data)?;
    let url = format!("sqlite:{}", args.data.join("pantau.db").display());
    let store = open_with(&url, args.limits.limits()).await?;
    prepare_demo(&store).await?;
    println!("Pantau demo: Kota Bekasi, Program 100 Hari Kerja (illustrative sample data)");
    println!(
        "Open http://{}/ and log in with password \"{DEMO_PASSWORD}\" as:",
        args.listen
    );
    println!(
        "The published program is public, without log-in, at http://{}/publik/3275",
        args.listen
    );
    for (username, name, role, unit, clusters) in demo_accounts() {
        let scope = unit
            .map(str::to_owned)
            .unwrap_or_else(|| clusters.join(", "));
        println!(
            "  {username:<18} {:<22} {name}{}",
            pantau_present::role(pantau_present::Lang::En, role),
            if scope.is_empty() {
                String::new()
            } else {
                format!(" ({scope})")
            }
        );
    }
    for (username, name) in [
        (
            "pembina",
            "Pembina Provinsi Jawa Barat (region 32, above Kota Bekasi)",
        ),
        ("pembina-pusat", "Pembina Kemendagri (the nation, ID)"),
    ] {
        println!(
            "  {username:<18} {:<22} {name}",
            pantau_present::role(pantau_present::Lang::En, Role::Supervisor)
        );
    }
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2025, m, d).expect("a date of the sample");
    println!(
        "The program ran {}: add ?as_of=2025-04-25 to a dashboard address to see it mid-way ({}).",
        pantau_present::date_range(pantau_present::Lang::En, day(2, 22), day(5, 20)),
        pantau_present::date(pantau_present::Lang::En, day(4, 25))
    );
    let config = pantau_web::Config {
        evidence_dir: args.data.join("evidence"),
        import_time_limit: args.limits.import_time(),
        ..Default::default()
    };
    listen_and_serve(pantau_web::AppState::new(store, config), args.listen).await
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::{Cli, Command};

    fn serve(args: &[&str]) -> Result<super::ServeArgs, clap::Error> {
        let all = ["pantau", "serve"].iter().chain(args);
        match Cli::try_parse_from(all)?.command {
            Command::Serve(args) => Ok(args),
            _ => unreachable!("pantau serve parses as serve"),
        }
    }

    #[test]
    fn trusted_proxies_are_repeated_flags_of_addresses_or_networks() {
        let args = serve(&[
            "--trusted-proxy",
            "10.0.0.5",
            "--trusted-proxy",
            "172.16.0.0/12,fd00::/8",
        ])
        .unwrap();
        let shown: Vec<String> = args.trusted_proxies.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["10.0.0.5/32", "172.16.0.0/12", "fd00::/8"]);
        let error = serve(&["--trusted-proxy", "proxy.local"])
            .err()
            .expect("a name is refused");
        assert!(
            error
                .to_string()
                .contains("\"proxy.local\" is not an IP address"),
            "{error}"
        );
    }
}
