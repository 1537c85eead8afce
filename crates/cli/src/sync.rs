//! `pantau sync`: exchange between levels (issue 14).
//!
//! On a kab/kota's server, `push` snapshots each program of the region into
//! the sender's queue (a newer snapshot replaces an undelivered older one)
//! and delivers the queue with retries and exponential backoff; what is not
//! delivered stays queued across restarts, for the next `push` or `run`.
//! Every retry of a push sends the same body with the same Idempotency-Key,
//! so a push whose answer was lost is not applied twice.
//!
//! On a province's or the nation's server, `allow` registers a region below
//! it (regions are defined here, never by a sender) and prints its push
//! token; `status` shows each region's last accepted push and which are late.

use std::time::Duration;

use pantau_domain::RegionCode;
use pantau_store::{NewPush, QueuedPush, Store, StoreError, snapshots_of};

use crate::Failure;
use crate::database::{DatabaseArgs, open};

#[derive(clap::Subcommand)]
pub enum SyncCommand {
    /// Send this server's region to its province's or the nation's server:
    /// one complete snapshot per program, queued until delivered.
    Push(PushArgs),
    /// Deliver the pushes still queued (after a bad link or a restart).
    Run(DeliverArgs),
    /// On the receiving server: register a region below it that may push
    /// here, and print its push token (a new one replaces the old).
    Allow(AllowArgs),
    /// On the receiving server: each registered region's last accepted push,
    /// and whether it is late.
    Status(StatusArgs),
}

#[derive(clap::Args)]
pub struct PushArgs {
    /// The receiving server, e.g. https://pantau.jabarprov.go.id
    #[arg(long)]
    pub to: String,
    /// The push token the receiving server's admin issued for this region.
    #[arg(long, env = "PANTAU_SYNC_TOKEN")]
    pub token: String,
    /// The region to push; may be left out when the database holds one.
    #[arg(long)]
    pub region: Option<String>,
    /// Push this program only.
    #[arg(long)]
    pub program: Option<String>,
    /// Check the push on the receiver and print its counts; nothing is
    /// written there, nothing is queued here.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub deliver: DeliverArgs,
}

#[derive(clap::Args)]
pub struct DeliverArgs {
    /// Tries per push in this run before it is left queued.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub attempts: u32,
    /// The wait before the first retry, in milliseconds; it doubles with
    /// each retry, up to five minutes.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub backoff_ms: u64,
    /// Seconds one attempt may take, from connecting to the whole answer.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(clap::Args)]
pub struct AllowArgs {
    /// The region's Kemendagri code, e.g. 3275.
    pub code: String,
    /// Its name, e.g. "Kota Bekasi": this server's, whatever the sender calls itself.
    #[arg(long)]
    pub name: String,
    /// This server's own region code (32 for a province, ID for the nation).
    #[arg(long, env = "PANTAU_REGION_CODE")]
    pub region_code: RegionCode,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Days without an accepted push after which a region is late.
    #[arg(long, env = "PANTAU_SYNC_LATE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub late_days: u32,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

pub async fn run(command: SyncCommand) -> Result<(), Failure> {
    match command {
        SyncCommand::Push(args) => push(args).await,
        SyncCommand::Run(args) => {
            let store = open(&args.db.database).await?;
            deliver(&*store, &args).await
        }
        SyncCommand::Allow(args) => allow(args).await,
        SyncCommand::Status(args) => status(args).await,
    }
}

async fn allow(args: AllowArgs) -> Result<(), Failure> {
    let code = RegionCode::parse(&args.code).map_err(|err| Failure::Usage(err.to_string()))?;
    if !args.region_code.is_above(&code) {
        return Err(Failure::Usage(format!(
            "region {code} is not below this server's region {}: only regions below it may push here",
            args.region_code
        )));
    }
    let store = open(&args.db.database).await?;
    let token = store
        .sync_allow(code.as_str(), args.name.trim(), &pantau_store::Actor::cli())
        .await?;
    eprintln!(
        "region {code} ({}) may push here; give its admin this token (shown once):",
        args.name.trim()
    );
    println!("{token}");
    Ok(())
}

async fn status(args: StatusArgs) -> Result<(), Failure> {
    let store = open(&args.db.database).await?;
    let now = chrono::Utc::now();
    let late_after = chrono::Duration::days(i64::from(args.late_days));
    let regions = store.sync_regions().await?;
    if regions.is_empty() {
        eprintln!("no region is registered to push here: `pantau sync allow CODE --name NAME`");
    }
    for r in regions {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            r.code,
            r.name,
            r.last_push_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_else(|| "never".into()),
            r.last_program.as_deref().unwrap_or("-"),
            if r.is_late(now, late_after) {
                "late"
            } else {
                "on time"
            },
        );
    }
    Ok(())
}

fn endpoint(url: &str, region: &str) -> String {
    format!("{}/api/v1/sync/regions/{region}", url.trim_end_matches('/'))
}

fn client(timeout: Duration) -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .build()
        .map_err(|err| Failure::Check(format!("cannot make an HTTP client: {err}")))
}

async fn push(args: PushArgs) -> Result<(), Failure> {
    let url = args.to.trim_end_matches('/').to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Failure::Usage(format!(
            "--to: \"{url}\" is not an http:// or https:// address"
        )));
    }
    let store = open(&args.deliver.db.database).await?;
    let region = match args.region {
        Some(region) => region,
        None => {
            let regions = store.regions().await?;
            match regions.as_slice() {
                [one] => one.code.clone(),
                [] => return Err(Failure::Usage("the database holds no region".into())),
                _ => {
                    return Err(Failure::Usage(
                        "the database holds several regions: name one with --region".into(),
                    ));
                }
            }
        }
    };
    let bundle = store.region_bundle(&region).await?;
    let snapshots: Vec<_> = snapshots_of(&bundle)
        .into_iter()
        .filter(|s| {
            args.program
                .as_deref()
                .is_none_or(|p| s.programs[0].code == p)
        })
        .collect();
    if snapshots.is_empty() {
        return Err(match args.program {
            Some(program) => StoreError::NotFound {
                what: "program",
                key: program,
            }
            .into(),
            None => Failure::Usage(format!("region {region} has no program to push")),
        });
    }

    if args.dry_run {
        let http = client(Duration::from_secs(args.deliver.timeout))?;
        for snapshot in &snapshots {
            let body = serde_json::to_string(snapshot).expect("a bundle serializes");
            let program = &snapshot.programs[0].code;
            match send(&http, &url, &args.token, &region, None, body, true).await {
                Ok(answer) => print_answer(&region, program, &answer),
                Err(failed) => {
                    return Err(Failure::Check(format!(
                        "the dry run of {region} {program} failed: {}",
                        failed.message
                    )));
                }
            }
        }
        return Ok(());
    }

    for snapshot in &snapshots {
        let program = snapshot.programs[0].code.clone();
        let key = format!(
            "{region}-{program}-{}",
            pantau_store::password::generate_token().trim_start_matches("pantau_")
        );
        store
            .queue_push(
                &NewPush {
                    url: url.clone(),
                    token: args.token.clone(),
                    region: region.clone(),
                    program: program.clone(),
                    idempotency_key: key,
                    body: serde_json::to_string(snapshot).expect("a bundle serializes"),
                },
                chrono::Utc::now(),
            )
            .await?;
        println!("queued {region} {program} for {url}");
    }
    deliver(&*store, &args.deliver).await
}

/// Why an attempt failed, and whether another may succeed.
struct Failed {
    message: String,
    /// A bad link, a timeout, a server error: worth another try. A refusal
    /// (a bad token, a snapshot the receiver refuses) is not.
    retry: bool,
}

async fn send(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    region: &str,
    key: Option<&str>,
    body: String,
    dry_run: bool,
) -> Result<serde_json::Value, Failed> {
    let mut request = http
        .post(endpoint(url, region))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    if dry_run {
        request = request.query(&[("dry_run", "true")]);
    }
    let response = request.send().await.map_err(|err| Failed {
        message: describe(&err),
        retry: true,
    })?;
    let status = response.status();
    let text = response.text().await.map_err(|err| Failed {
        message: format!("the answer was cut off: {}", describe(&err)),
        retry: true,
    })?;
    let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    if status.is_success() {
        return json.ok_or_else(|| Failed {
            message: "the answer is not JSON".into(),
            retry: true,
        });
    }
    let message = json
        .as_ref()
        .and_then(|j| j["message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| text.chars().take(200).collect());
    Err(Failed {
        message: format!("{status}: {message}"),
        retry: status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS,
    })
}

/// An HTTP error with its causes, which say what actually went wrong.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn print_answer(region: &str, program: &str, answer: &serde_json::Value) {
    let count = |field: &str| answer[field].as_u64().unwrap_or(0);
    let mut how = Vec::new();
    if answer["dry_run"] == true {
        how.push("dry run, nothing written");
    }
    if answer["replayed"] == true {
        how.push("delivered before; its answer again");
    }
    println!(
        "{region} {program}: imported {}, updated {}, unchanged {}, deleted {}, refused {}{}",
        count("imported"),
        count("updated"),
        count("unchanged"),
        count("deleted"),
        count("refused"),
        if how.is_empty() {
            String::new()
        } else {
            format!(" ({})", how.join("; "))
        }
    );
    for conflict in answer["conflicts"].as_array().into_iter().flatten() {
        println!(
            "  refused {}: {}",
            conflict["path"].as_str().unwrap_or("?"),
            conflict["reason"].as_str().unwrap_or("?")
        );
    }
}

/// Deliver every queued push, each with up to `attempts` tries and a
/// doubling wait between them; what fails stays queued.
async fn deliver(store: &dyn Store, args: &DeliverArgs) -> Result<(), Failure> {
    let http = client(Duration::from_secs(args.timeout))?;
    let waiting = store.waiting_pushes().await?;
    let mut left = 0;
    for queued in &waiting {
        if !deliver_one(store, &http, queued, args).await? {
            left += 1;
        }
    }
    if left > 0 {
        return Err(Failure::Check(format!(
            "{left} push(es) still queued: a later `pantau sync push` or `pantau sync run` delivers them"
        )));
    }
    Ok(())
}

const MAX_WAIT: Duration = Duration::from_secs(300);

async fn deliver_one(
    store: &dyn Store,
    http: &reqwest::Client,
    queued: &QueuedPush,
    args: &DeliverArgs,
) -> Result<bool, Failure> {
    let mut wait = Duration::from_millis(args.backoff_ms);
    for attempt in 1..=args.attempts {
        let result = send(
            http,
            &queued.url,
            &queued.token,
            &queued.region,
            Some(&queued.idempotency_key),
            queued.body.clone(),
            false,
        )
        .await;
        match result {
            Ok(answer) => {
                store
                    .push_delivered(queued.id, &answer.to_string(), chrono::Utc::now())
                    .await?;
                print_answer(&queued.region, &queued.program, &answer);
                return Ok(true);
            }
            Err(failed) => {
                let next = chrono::Utc::now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
                store.push_failed(queued.id, &failed.message, next).await?;
                eprintln!(
                    "{} {} to {}: attempt {attempt} failed: {}",
                    queued.region, queued.program, queued.url, failed.message
                );
                if !failed.retry {
                    eprintln!(
                        "  not retried: the receiver refuses it; it stays queued until a newer snapshot replaces it"
                    );
                    return Ok(false);
                }
                if attempt < args.attempts {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_WAIT);
                }
            }
        }
    }
    Ok(false)
}
