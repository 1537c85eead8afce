//! `pantau audit verify`: recompute a region's audit hash chain and name the
//! first record edited, deleted or added behind the application's back.

use crate::Failure;
use crate::database::{DatabaseArgs, open};

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check the region's audit chain; exit 1 naming the first broken link.
    Verify {
        #[arg(long)]
        region: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub async fn run(command: AuditCommand) -> Result<(), Failure> {
    match command {
        AuditCommand::Verify { region, db } => {
            let store = open(&db.database).await?;
            let report = store.verify_audit_chain(&region).await?;
            let unchained = if report.unchained > 0 {
                format!(
                    ", {} older record(s) from before the chain left unchecked",
                    report.unchained
                )
            } else {
                String::new()
            };
            match report.broken {
                None => {
                    println!(
                        "region {region}: the audit chain holds ({} record(s) checked{unchained})",
                        report.checked
                    );
                    Ok(())
                }
                Some(link) => Err(Failure::Check(format!(
                    "region {region}: the audit chain is broken: {link} ({} record(s) before it hold{unchained})",
                    report.checked
                ))),
            }
        }
    }
}
