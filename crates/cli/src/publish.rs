//! `pantau publish`: make a program of a region public at `/publik/{region}`
//! (and in the public API and the open-data catalogue), or withdraw it.
//! Audited as done by `cli`, like the admin page's button.

use crate::Failure;
use crate::database::{DatabaseArgs, open};

#[derive(clap::Args)]
pub struct PublishArgs {
    /// The region's code, e.g. 3275.
    #[arg(long)]
    pub region: String,
    /// The program's code, e.g. 100HK.
    #[arg(long)]
    pub program: String,
    /// Make the program private again.
    #[arg(long)]
    pub withdraw: bool,
    /// The licence of the region's open data (CC-BY-4.0, CC-BY-SA-4.0,
    /// CC0-1.0, ODbL-1.0); unchanged when left out (CC-BY-4.0 by default).
    #[arg(long)]
    pub licence: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

pub async fn publish(args: PublishArgs) -> Result<(), Failure> {
    let store = open(&args.db.database).await?;
    let actor = pantau_store::Actor::cli();
    if let Some(licence) = &args.licence {
        store
            .set_open_data_licence(&args.region, licence, &actor)
            .await?;
    }
    if args.withdraw {
        store.withdraw(&args.region, &args.program, &actor).await?;
        println!(
            "region {}: program {} withdrawn; it is no longer public",
            args.region, args.program
        );
    } else {
        store.publish(&args.region, &args.program, &actor).await?;
        println!(
            "region {}: program {} published at /publik/{}",
            args.region, args.program, args.region
        );
    }
    Ok(())
}
