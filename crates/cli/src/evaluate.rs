//! `pantau evaluate` and `pantau validate`: the engine on a bundle file, no database.

use std::io::{self, Read, Write};
use std::path::Path;

use chrono::Utc;
use pantau_domain::{Options, evaluate, model};

use crate::{EvaluateArgs, Failure, Format, print_json, table};

pub fn read_bundle_text(path: &Path) -> Result<String, Failure> {
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
pub fn load_region(path: &Path) -> Result<model::Region, Failure> {
    let bundle = {
        let text = read_bundle_text(path)?;
        pantau_domain::parse(&text).map_err(Failure::Refused)?
    };
    pantau_domain::validate(&bundle).map_err(Failure::Refused)
}

pub fn run_validate(path: &Path) -> Result<(), Failure> {
    let region = load_region(path)?;
    let entries: usize = region.programs.iter().map(|p| p.entries.len()).sum();
    println!(
        "ok: {} ({}): {} unit(s), {} program(s), {} entries",
        region.name,
        region.code,
        region.units.len(),
        region.programs.len(),
        entries
    );
    Ok(())
}

pub fn run_evaluate(args: EvaluateArgs) -> Result<(), Failure> {
    let region = match (&args.bundle, &args.region, &args.database) {
        (Some(path), _, _) => load_region(path)?,
        (None, Some(code), Some(url)) => crate::database::run(async {
            let bundle = crate::database::open(url)
                .await?
                .region_bundle(code)
                .await?;
            pantau_domain::validate(&bundle).map_err(Failure::Refused)
        })?,
        _ => {
            return Err(Failure::Usage(
                "name a bundle file, or --region with --database".into(),
            ));
        }
    };
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
        // domain.md, "The moment of a figure": now, or the final deadline once passed.
        None => calendar.default_as_of(Utc::now()),
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
            table::write(&mut out, &region, program, &evaluation, &as_of, args.lang)?;
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
