//! `pantau backup` and `pantau restore`: one file holding a consistent copy of
//! a SQLite database and the evidence files, and putting it back.
//!
//! The database is copied with `VACUUM INTO`, inside one read transaction, so
//! the server can go on taking reports meanwhile. Evidence files are copied
//! after it: a file is written before its entry commits, so every file the
//! copy refers to is already there (a file added later is carried too, and
//! harmless). PostgreSQL is backed up with pg_dump (docs/deploy.md).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use pantau_store::StoreError;
use serde::{Deserialize, Serialize};

use crate::Failure;
use crate::database::{DatabaseArgs, open};

const DATABASE_ENTRY: &str = "pantau.db";
const EVIDENCE_PREFIX: &str = "evidence/";
const MANIFEST_ENTRY: &str = "manifest.json";
const FORMAT: &str = "pantau-backup";
const VERSION: u32 = 1;

#[derive(clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The backup file to write (it must not exist yet).
    #[arg(long)]
    pub output: PathBuf,
    /// The server's evidence folder, copied into the backup.
    #[arg(
        long,
        env = "PANTAU_EVIDENCE_DIR",
        default_value = "pantau-data/evidence"
    )]
    pub evidence_dir: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file written by `pantau backup`.
    pub file: PathBuf,
    /// Where to put the database back: `sqlite:PATH`.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Where to put the evidence files back.
    #[arg(
        long,
        env = "PANTAU_EVIDENCE_DIR",
        default_value = "pantau-data/evidence"
    )]
    pub evidence_dir: PathBuf,
    /// Replace an existing database and evidence files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    created_at: chrono::DateTime<chrono::Utc>,
    regions: Vec<String>,
    evidence_files: usize,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

fn zip_failure(err: zip::result::ZipError) -> Failure {
    Failure::Io(io::Error::other(err))
}

fn sqlite_path(url: &str) -> Result<PathBuf, Failure> {
    url.strip_prefix("sqlite:")
        .map(|p| PathBuf::from(p.trim_start_matches("//").split('?').next().unwrap_or(p)))
        .ok_or_else(|| {
            usage(
                "backup and restore work on a SQLite database (sqlite:PATH); \
                 a PostgreSQL database is backed up with pg_dump: see docs/deploy.md",
            )
        })
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = match std::fs::read_dir(dir.join(&relative)) {
            Ok(entries) => entries,
            Err(err)
                if err.kind() == io::ErrorKind::NotFound && relative.as_os_str().is_empty() =>
            {
                return Ok(found);
            }
            Err(err) => return Err(err),
        };
        for entry in entries {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

pub async fn backup(args: BackupArgs) -> Result<(), Failure> {
    let database = sqlite_path(&args.db.database)?;
    if !database.exists() {
        return Err(usage(format!(
            "--database: {} does not exist",
            database.display()
        )));
    }
    if args.output.exists() {
        return Err(usage(format!(
            "--output: {} exists already; choose a new file",
            args.output.display()
        )));
    }
    let store = open(&args.db.database).await?;
    let regions: Vec<String> = store.regions().await?.into_iter().map(|r| r.code).collect();
    let partial = PathBuf::from(format!("{}.partial", args.output.display()));
    let copy = PathBuf::from(format!("{}.db.partial", args.output.display()));
    let _ = std::fs::remove_file(&partial);
    let _ = std::fs::remove_file(&copy);
    store.snapshot_into(&copy).await?;
    let written = write_archive(&partial, &copy, &args.evidence_dir, regions.clone());
    let _ = std::fs::remove_file(&copy);
    let evidence_files = match written {
        Ok(count) => count,
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
    };
    std::fs::rename(&partial, &args.output)?;
    println!(
        "backup written to {}: {} region(s) ({}), {} evidence file(s)",
        args.output.display(),
        regions.len(),
        regions.join(", "),
        evidence_files
    );
    Ok(())
}

fn write_archive(
    archive: &Path,
    database: &Path,
    evidence_dir: &Path,
    regions: Vec<String>,
) -> Result<usize, Failure> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut zip = zip::ZipWriter::new(File::create(archive)?);
    zip.start_file(DATABASE_ENTRY, options)
        .map_err(zip_failure)?;
    io::copy(&mut File::open(database)?, &mut zip)?;
    let files = files_under(evidence_dir)?;
    for relative in &files {
        let name = format!(
            "{EVIDENCE_PREFIX}{}",
            relative.to_string_lossy().replace('\\', "/")
        );
        zip.start_file(name, options).map_err(zip_failure)?;
        io::copy(&mut File::open(evidence_dir.join(relative))?, &mut zip)?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_at: chrono::Utc::now(),
        regions,
        evidence_files: files.len(),
    };
    zip.start_file(MANIFEST_ENTRY, options)
        .map_err(zip_failure)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?)?;
    zip.finish().map_err(zip_failure)?.sync_all()?;
    Ok(files.len())
}

pub async fn restore(args: RestoreArgs) -> Result<(), Failure> {
    let database = sqlite_path(&args.db.database)?;
    let mut zip = zip::ZipArchive::new(File::open(&args.file)?).map_err(|e| {
        usage(format!(
            "{}: not a Pantau backup ({e})",
            args.file.display()
        ))
    })?;
    let manifest: Manifest = {
        let entry = zip.by_name(MANIFEST_ENTRY).map_err(|_| {
            usage(format!(
                "{}: not a Pantau backup (no manifest)",
                args.file.display()
            ))
        })?;
        serde_json::from_reader(entry)
            .map_err(|e| usage(format!("{}: unreadable manifest: {e}", args.file.display())))?
    };
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(usage(format!(
            "{}: a {} version {} file; this pantau restores {FORMAT} version {VERSION}",
            args.file.display(),
            manifest.format,
            manifest.version
        )));
    }
    let has_evidence = files_under(&args.evidence_dir).map(|f| !f.is_empty())?;
    if !args.force && (database.exists() || has_evidence) {
        return Err(usage(format!(
            "{} or {} holds data already; restore into new places, or add --force to replace them",
            database.display(),
            args.evidence_dir.display()
        )));
    }
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // The database goes in under a temporary name and is renamed at the end,
    // so a failed restore leaves no half-written database behind.
    let incoming = PathBuf::from(format!("{}.restoring", database.display()));
    {
        let mut entry = zip.by_name(DATABASE_ENTRY).map_err(|_| {
            usage(format!(
                "{}: no database in the backup",
                args.file.display()
            ))
        })?;
        io::copy(&mut entry, &mut File::create(&incoming)?)?;
    }
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(zip_failure)?;
        let Some(relative) = entry
            .enclosed_name()
            .and_then(|p| p.strip_prefix(EVIDENCE_PREFIX).ok().map(Path::to_path_buf))
        else {
            continue;
        };
        let target = args.evidence_dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        io::copy(&mut entry, &mut File::create(&target)?)?;
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    std::fs::rename(&incoming, &database)?;

    // What came back must hold: every region validates and its audit chain verifies.
    let store = open(&args.db.database).await?;
    for region in &manifest.regions {
        let bundle = store.region_bundle(region).await?;
        pantau_domain::validate(&bundle).map_err(StoreError::Refused)?;
        let chain = store.verify_audit_chain(region).await?;
        if let Some(link) = chain.broken {
            return Err(Failure::Check(format!(
                "region {region}: restored, but its audit chain is broken: {link}"
            )));
        }
    }
    println!(
        "restored {} (taken {}): {} region(s) ({}) valid with intact audit chains, {} evidence file(s)",
        args.file.display(),
        manifest.created_at.to_rfc3339(),
        manifest.regions.len(),
        manifest.regions.join(", "),
        manifest.evidence_files
    );
    Ok(())
}
