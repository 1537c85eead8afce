//! Writes a generated bundle (the benchmarks' generator) as JSON.
//!
//! ```text
//! cargo run --release -p pantau-domain --example generate_bundle -- \
//!     --units 400 --targets 20000 --entries 1000000 > /tmp/big.json
//! ```
//!
//! Options: `--units N` (400), `--targets N` (20000), `--entries N` (1000000),
//! `--seed N` (1), `--pretty`, `--check` (validate before writing),
//! `--output FILE` (default standard output), `--region-code CODE` (3275) and
//! `--region-name NAME` (many regions of one generated nation, as
//! `scripts/bench-nation` makes them, differ by these and the seed).

#[path = "../benches/support/generate.rs"]
mod generate;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

struct Args {
    units: usize,
    targets: usize,
    entries: usize,
    seed: u64,
    pretty: bool,
    check: bool,
    output: Option<String>,
    region_code: Option<String>,
    region_name: Option<String>,
}

const USAGE: &str = "usage: generate_bundle [--units N] [--targets N] [--entries N] [--seed N] \
                     [--pretty] [--check] [--output FILE] [--region-code CODE] \
                     [--region-name NAME]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        units: 400,
        targets: 20_000,
        entries: 1_000_000,
        seed: 1,
        pretty: false,
        check: false,
        output: None,
        region_code: None,
        region_name: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, text: String| {
            text.replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{name}: \"{text}\" is not a non-negative integer"))
        };
        match name.as_str() {
            "--units" => args.units = number(&name, value(&name)?)? as usize,
            "--targets" => args.targets = number(&name, value(&name)?)? as usize,
            "--entries" => args.entries = number(&name, value(&name)?)? as usize,
            "--seed" => args.seed = number(&name, value(&name)?)?,
            "--output" | "-o" => args.output = Some(value(&name)?),
            "--region-code" => args.region_code = Some(value(&name)?),
            "--region-name" => args.region_name = Some(value(&name)?),
            "--pretty" => args.pretty = true,
            "--check" => args.check = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument \"{arg}\"\n{USAGE}")),
        }
    }
    if args.targets > 0 && args.units == 0 {
        return Err("--targets needs at least one unit".into());
    }
    if args.entries > 0 && args.targets == 0 {
        return Err("--entries needs at least one target".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut bundle = generate::generate_bundle(args.units, args.targets, args.entries, args.seed);
    if let Some(code) = args.region_code {
        bundle.region.code = code;
    }
    if let Some(name) = args.region_name {
        bundle.region.name = name;
    }
    if args.check {
        if let Err(refused) = pantau_domain::validate(&bundle) {
            for problem in refused.problems.iter().take(20) {
                eprintln!("{problem}");
            }
            eprintln!(
                "generated bundle refused: {} problem(s)",
                refused.problems.len()
            );
            return ExitCode::FAILURE;
        }
    }
    let result = (|| -> io::Result<()> {
        let sink: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(File::create(path)?),
            None => Box::new(io::stdout().lock()),
        };
        let mut out = BufWriter::with_capacity(1 << 20, sink);
        if args.pretty {
            serde_json::to_writer_pretty(&mut out, &bundle)?;
        } else {
            serde_json::to_writer(&mut out, &bundle)?;
        }
        out.write_all(b"\n")?;
        out.flush()
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("writing the bundle: {err}");
            ExitCode::FAILURE
        }
    }
}
