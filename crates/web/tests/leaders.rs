//! The leaders' dashboard on the real server, on SQLite and PostgreSQL: its
//! figures, heat map and trends are the engine's; filters narrow it; bad
//! filters are refused with the field named; the print view drops the controls.

use pantau_domain::evaluation::ComplianceState;
use reqwest::StatusCode;

#[macro_use]
mod support;
use support::{PASSWORD, spawn_app};

const AS_OF: &str = "2025-04-25";

fn sample() -> pantau_domain::model::Region {
    pantau_domain::load(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/bekasi-100hk.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

async fn logged_in(base: &str, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{base}/masuk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &page[start..start + page[start..].find('"').unwrap()];
    let response = client
        .post(format!("{base}/masuk"))
        .form(&[
            ("csrf", csrf),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{username} logs in"
    );
    client
}

async fn get(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The `<figure id=...>` part of a page.
fn figure<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<figure id=\"{id}\">"))
        .unwrap_or_else(|| panic!("figure {id}"));
    &page[start..start + page[start..].find("</figure>").unwrap()]
}

fn ranked_units(page: &str) -> Vec<String> {
    let table = &page[page.find("<table id=\"ranked\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("data-unit=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

async fn figures_and_heat_map_are_the_engines(backend: &str) {
    let app = spawn_app(backend).await;
    let leader = logged_in(&app.base, "leader").await;
    let (status, page) = get(
        &leader,
        format!("{}/pimpinan?program=100HK&as_of={AS_OF}", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");

    let region = sample();
    let program = region.program("100HK").unwrap();
    let as_of = program.calendar.parse_as_of(AS_OF).unwrap();
    let evaluation = pantau_domain::evaluate(&region, program, &as_of, Default::default());

    // The headline capaian, as the engine has it (Indonesian decimal comma).
    let capaian = format!(
        "{:.2}%",
        pantau_domain::rating::round2(evaluation.summary.achievement_pct.unwrap())
    )
    .replace('.', ",");
    assert!(page.contains(&capaian), "summary capaian {capaian}");

    // One heat map cell per unit with targets and week; the missing ones are the engine's.
    let heat = figure(&page, "heatmap");
    let with_targets: Vec<_> = evaluation.units.iter().filter(|u| u.targets > 0).collect();
    let periods = program.calendar.periods().len();
    assert_eq!(
        heat.matches("data-state=").count(),
        with_targets.len() * periods
    );
    let engine_count = |state: ComplianceState| {
        with_targets
            .iter()
            .flat_map(|u| &u.compliance)
            .filter(|c| c.state == state)
            .count()
    };
    assert_eq!(
        heat.matches("data-state=\"missing\"").count(),
        engine_count(ComplianceState::Missing)
    );
    // Weeks the engine lists as open, and weeks not begun yet.
    assert_eq!(
        heat.matches("data-state=\"open\"").count(),
        engine_count(ComplianceState::Open)
            + with_targets
                .iter()
                .map(|u| periods - u.compliance.len())
                .sum::<usize>()
    );
    let reported = heat.matches("data-state=\"on_time\"").count()
        + heat.matches("data-state=\"late\"").count()
        + heat.matches("data-state=\"nil\"").count();
    assert_eq!(
        reported,
        engine_count(ComplianceState::OnTime) + engine_count(ComplianceState::Late)
    );
    assert!(
        heat.contains("data-state=\"nil\""),
        "the sample's nil reports show as nil weeks"
    );

    // A trend point per deadline passed, for capaian and for the reporting rate.
    let passed = program
        .calendar
        .periods()
        .iter()
        .filter(|p| p.deadline <= as_of.instant)
        .count();
    assert!(passed > 3);
    assert_eq!(
        figure(&page, "trend").matches("<circle").count(),
        2 * passed
    );

    // Units ranked by capaian, highest first.
    let ranked = ranked_units(&page);
    assert_eq!(ranked.len(), with_targets.len());
    let capaian_of = |code: &str| {
        let i = region.units.iter().position(|u| u.code == code).unwrap();
        evaluation.units[i].achievement_pct
    };
    for pair in ranked.windows(2) {
        let (a, b) = (capaian_of(&pair[0]), capaian_of(&pair[1]));
        assert!(
            a.is_some() >= b.is_some() && (b.is_none() || a >= b),
            "{pair:?} ranked by capaian"
        );
    }

    // The region's budget absorption beside performance.
    assert!(page.contains("id=\"budget\""));
}

async fn filters_narrow_and_bad_filters_are_named(backend: &str) {
    let app = spawn_app(backend).await;
    let evaluator = logged_in(&app.base, "asda1").await;
    let region = sample();
    let (status, page) = get(
        &evaluator,
        format!(
            "{}/pimpinan?program=100HK&as_of={AS_OF}&cluster=ASDA2",
            app.base
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ranked = ranked_units(&page);
    assert!(!ranked.is_empty());
    let asda2 = region
        .clusters
        .iter()
        .position(|c| c.code == "ASDA2")
        .unwrap();
    for code in &ranked {
        let unit = region.units.iter().find(|u| &u.code == code).unwrap();
        assert_eq!(unit.cluster, Some(asda2), "{code} is in ASDA2");
    }

    let priority = &region.priorities[0].code;
    let (status, page) = get(
        &evaluator,
        format!(
            "{}/pimpinan?program=100HK&as_of={AS_OF}&priority={priority}",
            app.base
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let program = region.program("100HK").unwrap();
    let p = region
        .priorities
        .iter()
        .position(|x| &x.code == priority)
        .unwrap();
    let mut expected: Vec<String> = program
        .targets
        .iter()
        .filter(|t| t.priority == Some(p))
        .map(|t| region.units[t.unit as usize].code.clone())
        .collect();
    expected.sort();
    expected.dedup();
    let mut ranked = ranked_units(&page);
    ranked.sort();
    assert_eq!(ranked, expected);

    let (status, page) = get(
        &evaluator,
        format!("{}/pimpinan?program=100HK&cluster=NOPE", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("cluster") && page.contains("NOPE"), "{page}");
    let (status, page) = get(
        &evaluator,
        format!("{}/pimpinan?program=100HK&as_of=2025-13-40", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("as_of"), "{page}");
}

async fn print_view_and_log_in(backend: &str) {
    let app = spawn_app(backend).await;
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = anonymous
        .get(format!("{}/pimpinan", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let leader = logged_in(&app.base, "leader").await;
    let (_, page) = get(
        &leader,
        format!("{}/pimpinan?program=100HK&as_of={AS_OF}", app.base),
    )
    .await;
    assert!(page.contains("id=\"filters\"") && page.contains("action=\"/keluar\""));
    let (status, print) = get(
        &leader,
        format!("{}/pimpinan?program=100HK&as_of={AS_OF}&cetak=1", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!print.contains("id=\"filters\""), "no controls on paper");
    assert!(
        !print.contains("action=\"/keluar\""),
        "no navigation on paper"
    );
    assert!(print.contains("size:A4"));
    assert_eq!(ranked_units(&print), ranked_units(&page));
}

on_both_backends!(
    figures_and_heat_map_are_the_engines,
    filters_narrow_and_bad_filters_are_named,
    print_view_and_log_in,
);
