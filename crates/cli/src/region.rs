//! `pantau region`: the tree of regions. Provinces and the nation are added
//! here; a kab/kota comes with its plan from `pantau import`.

use std::collections::BTreeMap;
use std::io::Write;

use pantau_domain::{RegionCode, RegionLevel};
use pantau_store::{Actor, RegionRow};

use crate::Failure;
use crate::database::{DatabaseArgs, open};

#[derive(clap::Subcommand)]
pub enum RegionCommand {
    /// Register a province (two digits, e.g. 32) or the nation (ID).
    Add {
        /// The Kemendagri code: ID, or two digits.
        code: String,
        /// The region's name, e.g. "Jawa Barat".
        #[arg(long)]
        name: String,
        /// The IANA time zone of the region's figures.
        #[arg(long, default_value = "Asia/Jakarta")]
        timezone: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Print the tree of regions, with each kab/kota's programs.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub async fn run(command: RegionCommand) -> Result<(), Failure> {
    match command {
        RegionCommand::Add {
            code,
            name,
            timezone,
            db,
        } => {
            // Checked here too, so that a bad code is named before the database is opened.
            let parsed = RegionCode::parse(&code).map_err(|err| Failure::Usage(err.to_string()))?;
            if parsed.level() == RegionLevel::KabKota {
                return Err(Failure::Usage(format!(
                    "{parsed} is a kab/kota: a kab/kota comes with its plan from `pantau import BUNDLE`; \
                     `pantau region add` registers a province (two digits) or the nation (ID)"
                )));
            }
            let store = open(&db.database).await?;
            store
                .add_region(
                    &RegionRow {
                        code: parsed.to_string(),
                        name,
                        timezone,
                    },
                    &Actor::cli(),
                )
                .await?;
            eprintln!("pantau: added region {parsed} ({})", parsed.level().code());
            Ok(())
        }
        RegionCommand::List { db } => {
            let store = open(&db.database).await?;
            let regions = store.regions().await?;
            let mut programs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            for (region, code, name) in store.region_programs().await? {
                programs.entry(region).or_default().push((code, name));
            }
            let text = tree_text(&regions, &programs);
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

/// The tree as text: the nation, its provinces, their kab/kota with their
/// programs, each level indented by two spaces; then the regions whose
/// parent is not registered, and the regions whose code is outside the tree.
pub fn tree_text(
    regions: &[RegionRow],
    programs: &BTreeMap<String, Vec<(String, String)>>,
) -> String {
    let mut coded: Vec<(RegionCode, &RegionRow)> = Vec::new();
    let mut outside: Vec<&RegionRow> = Vec::new();
    for region in regions {
        match RegionCode::parse(&region.code) {
            Ok(code) => coded.push((code, region)),
            Err(_) => outside.push(region),
        }
    }
    coded.sort_by(|a, b| a.0.cmp(&b.0));
    let registered: std::collections::BTreeSet<&RegionCode> =
        coded.iter().map(|(c, _)| c).collect();
    let mut out = String::new();
    let line = |out: &mut String, depth: usize, code: &RegionCode, row: &RegionRow| {
        let indent = "  ".repeat(depth);
        out.push_str(&format!(
            "{indent}{code}  {}  [{}]\n",
            row.name,
            code.level().code()
        ));
        for (program, name) in programs.get(row.code.as_str()).into_iter().flatten() {
            out.push_str(&format!("{indent}    program {program}: {name}\n"));
        }
    };
    // A region is placed under its nearest registered ancestor; one without
    // any is a root of the tree.
    fn depth_of(code: &RegionCode, registered: &std::collections::BTreeSet<&RegionCode>) -> usize {
        code.ancestors().filter(|a| registered.contains(a)).count()
    }
    let roots: Vec<&(RegionCode, &RegionRow)> = coded
        .iter()
        .filter(|(code, _)| !code.ancestors().any(|a| registered.contains(&a)))
        .collect();
    let mut orphans: Vec<(&RegionCode, &&RegionRow)> = Vec::new();
    for root in &roots {
        // A kab/kota whose province is not registered is listed apart.
        if root.0.level() == RegionLevel::KabKota {
            orphans.push((&root.0, &root.1));
            continue;
        }
        line(&mut out, 0, &root.0, root.1);
        for (code, row) in coded.iter().filter(|(c, _)| root.0.is_above(c)) {
            if code.level() == RegionLevel::KabKota
                && !registered.contains(&code.parent().expect("a kab/kota has a province"))
            {
                // Under the nation but not under a registered province.
                orphans.push((code, row));
                continue;
            }
            line(&mut out, depth_of(code, &registered), code, row);
        }
    }
    if !orphans.is_empty() {
        out.push_str("\n(no parent registered)\n");
        for (code, row) in orphans {
            line(&mut out, 1, code, row);
        }
    }
    if !outside.is_empty() {
        out.push_str("\n(code outside the Kemendagri tree)\n");
        for row in outside {
            out.push_str(&format!("  {}  {}\n", row.code, row.name));
            for (program, name) in programs.get(row.code.as_str()).into_iter().flatten() {
                out.push_str(&format!("      program {program}: {name}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, name: &str) -> RegionRow {
        RegionRow {
            code: code.into(),
            name: name.into(),
            timezone: "Asia/Jakarta".into(),
        }
    }

    #[test]
    fn the_tree_nests_by_code_and_lists_the_rest_apart() {
        let regions = vec![
            row("3275", "Kota Bekasi"),
            row("32", "Jawa Barat"),
            row("ID", "Indonesia"),
            row("3171", "Kota Jakarta Pusat"),
            row("KOTA-X", "Kota Contoh"),
        ];
        let mut programs = BTreeMap::new();
        programs.insert(
            "3275".to_owned(),
            vec![("100HK".to_owned(), "100 Hari Kerja".to_owned())],
        );
        let text = tree_text(&regions, &programs);
        assert_eq!(
            text,
            "ID  Indonesia  [nation]\n\
             \x20 32  Jawa Barat  [province]\n\
             \x20   3275  Kota Bekasi  [kab_kota]\n\
             \x20       program 100HK: 100 Hari Kerja\n\
             \n(no parent registered)\n\
             \x20 3171  Kota Jakarta Pusat  [kab_kota]\n\
             \n(code outside the Kemendagri tree)\n\
             \x20 KOTA-X  Kota Contoh\n"
        );
    }

    #[test]
    fn without_a_nation_provinces_are_the_roots() {
        let regions = vec![row("32", "Jawa Barat"), row("3275", "Kota Bekasi")];
        let text = tree_text(&regions, &BTreeMap::new());
        assert_eq!(
            text,
            "32  Jawa Barat  [province]\n  3275  Kota Bekasi  [kab_kota]\n"
        );
    }
}
