//! Open data of the public portal: the published figures as CSV and JSON,
//! with their licence, and a catalogue a Satu Data Indonesia portal can
//! harvest. The catalogue lives under the region's public address, so that
//! `https://host/publik/3275` is the base a harvester is given:
//!
//! - a subset of CKAN's action API (`/publik/{region}/api/3/action/...`:
//!   `package_list`, `package_search`, `package_show`, `organization_list`)
//!   with CKAN's envelope `{"help", "success", "result"}`;
//! - a DCAT catalogue in JSON-LD (`/publik/{region}/catalog.jsonld`), paged
//!   as `hydra:PagedCollection` as DCAT-AP harvesters read it.
//!
//! Datasets: one per published program (all its targets), and one per
//! indicator (a target), carrying BPS's indicator metadata (MS-Ind) and the
//! release schedule (the program's weekly reporting deadlines).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pantau_domain::bundle::{Kind, Polarity};
use pantau_domain::model::{Program, Target};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::public::{PublicRegion, evaluate_public, public_region};
use crate::AppState;
use crate::error::PageError;
use crate::service::figures::{Evaluated, encode};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/publik/{region}/program/{program}/angka.csv",
            get(figures_csv),
        )
        .route(
            "/publik/{region}/program/{program}/angka.json",
            get(figures_json),
        )
        .route("/publik/{region}/catalog.jsonld", get(dcat_catalog))
        .route("/publik/{region}/api/3/action/{action}", get(ckan_action))
}

/// Where a licence (an SPDX identifier) is written out.
pub fn licence_url(licence: &str) -> String {
    match licence {
        "CC-BY-4.0" => "https://creativecommons.org/licenses/by/4.0/".into(),
        "CC-BY-SA-4.0" => "https://creativecommons.org/licenses/by-sa/4.0/".into(),
        "CC0-1.0" => "https://creativecommons.org/publicdomain/zero/1.0/".into(),
        "ODbL-1.0" => "https://opendatacommons.org/licenses/odbl/1-0/".into(),
        other => format!("https://spdx.org/licenses/{other}.html"),
    }
}

/// The site's address for the catalogue's links: the configured public
/// address, else the host the request names.
fn site(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// One line of a download: a target's figures at the moment asked.
#[derive(Debug, Serialize)]
pub struct FigureRow {
    pub region: String,
    pub program: String,
    pub unit: String,
    pub unit_name: String,
    pub priority: Option<String>,
    pub target: String,
    pub target_name: String,
    /// Satuan, e.g. "orang".
    pub measure: Option<String>,
    pub kind: &'static str,
    pub polarity: &'static str,
    pub baseline: String,
    pub target_value: String,
    pub realized: Option<String>,
    pub expected: Option<String>,
    pub achievement_pct: Option<String>,
    pub status: &'static str,
    pub stale: bool,
    /// The moment of the figures, RFC 3339.
    pub as_of: String,
    /// Only verified entries count: always true here.
    pub verified_only: bool,
    pub licence: String,
}

fn decimal(value: rust_decimal::Decimal) -> String {
    value.normalize().to_string()
}

fn kind_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Sum => "sum",
        Kind::Last => "last",
        Kind::Milestone => "milestone",
    }
}

fn polarity_code(polarity: Polarity) -> &'static str {
    match polarity {
        Polarity::Higher => "higher",
        Polarity::Lower => "lower",
    }
}

/// The rows of a download, one per target (or the one target asked).
pub fn figure_rows(
    public: &PublicRegion,
    evaluated: &Evaluated,
    only: Option<&str>,
) -> Result<Vec<FigureRow>, PageError> {
    let program = evaluated.program();
    let region = &evaluated.region;
    let rows: Vec<FigureRow> = program
        .targets
        .iter()
        .zip(&evaluated.evaluation.targets)
        .filter(|(t, _)| only.is_none_or(|code| t.code == code))
        .map(|(t, r)| FigureRow {
            region: public.code.clone(),
            program: program.code.clone(),
            unit: region.units[t.unit as usize].code.clone(),
            unit_name: region.units[t.unit as usize].name.clone(),
            priority: t.priority.map(|p| region.priorities[p].code.clone()),
            target: t.code.clone(),
            target_name: t.name.clone(),
            measure: t.measure.clone(),
            kind: kind_code(t.kind),
            polarity: polarity_code(t.polarity),
            baseline: decimal(t.baseline),
            target_value: decimal(t.target),
            realized: r.realized.map(decimal),
            expected: r.expected.map(decimal),
            achievement_pct: r.achievement_pct.map(decimal),
            status: r.status.code(),
            stale: r.stale,
            as_of: evaluated.as_of.instant.to_rfc3339(),
            verified_only: true,
            licence: public.licence.clone(),
        })
        .collect();
    if only.is_some() && rows.is_empty() {
        return Err(PageError::NotFound);
    }
    Ok(rows)
}

/// The moment of a download and, optionally, the one target it is about.
#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    pub as_of: Option<String>,
    pub target: Option<String>,
}

async fn download(
    state: &AppState,
    region: &str,
    program: &str,
    query: &DownloadQuery,
) -> Result<(std::sync::Arc<PublicRegion>, Evaluated, Vec<FigureRow>), PageError> {
    let public = public_region(state, region).await?;
    let ix = public.program(program)?;
    let evaluated = evaluate_public(state, &public, ix, query.as_of.as_deref())?;
    let rows = figure_rows(&public, &evaluated, query.target.as_deref())?;
    Ok((public, evaluated, rows))
}

fn file_name(region: &str, program: &str, target: Option<&str>, ext: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect()
    };
    match target {
        Some(t) => format!(
            "pantau-{}-{}-{}.{ext}",
            safe(region),
            safe(program),
            safe(t)
        ),
        None => format!("pantau-{}-{}.{ext}", safe(region), safe(program)),
    }
}

/// The CSV of the figures (UTF-8, a header line, one line per target).
pub fn figures_csv_text(rows: &[FigureRow]) -> Result<String, PageError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(PageError::internal)?;
    }
    let bytes = writer.into_inner().map_err(PageError::internal)?;
    String::from_utf8(bytes).map_err(PageError::internal)
}

async fn figures_csv(
    State(state): State<AppState>,
    Path((region, program)): Path<(String, String)>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, PageError> {
    let (_, _, rows) = download(&state, &region, &program, &query).await?;
    let text = figures_csv_text(&rows)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    file_name(&region, &program, query.target.as_deref(), "csv")
                ),
            ),
        ],
        text,
    )
        .into_response())
}

/// The JSON download: the figures with their licence, moment and source.
pub fn figures_document(
    public: &PublicRegion,
    evaluated: &Evaluated,
    rows: Vec<FigureRow>,
) -> Value {
    let program = evaluated.program();
    json!({
        "licence": public.licence,
        "licence_url": licence_url(&public.licence),
        "verified_only": true,
        "as_of": evaluated.as_of.instant.to_rfc3339(),
        "region": {"code": public.code, "name": public.region.name},
        "program": {
            "code": program.code,
            "name": program.name,
            "start": program.calendar.start,
            "end": program.calendar.end,
        },
        "figures": rows,
    })
}

async fn figures_json(
    State(state): State<AppState>,
    Path((region, program)): Path<(String, String)>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, PageError> {
    let (public, evaluated, rows) = download(&state, &region, &program, &query).await?;
    let mut response = Json(figures_document(&public, &evaluated, rows)).into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        format!(
            "inline; filename=\"{}\"",
            file_name(&region, &program, query.target.as_deref(), "json")
        )
        .parse()
        .map_err(PageError::internal)?,
    );
    Ok(response)
}

/// A dataset of the catalogue: a program, or one indicator of it.
struct Dataset<'a> {
    /// CKAN's name: lower case letters, digits, `-` and `_`.
    name: String,
    program: &'a Program,
    target: Option<&'a Target>,
    published_at: chrono::DateTime<chrono::Utc>,
}

fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn datasets(public: &PublicRegion) -> Vec<Dataset<'_>> {
    let mut out = Vec::new();
    for (ix, publication) in &public.published {
        let program = &public.region.programs[*ix];
        let base = format!("pantau-{}-{}", slug(&public.code), slug(&program.code));
        out.push(Dataset {
            name: base.clone(),
            program,
            target: None,
            published_at: publication.published_at,
        });
        for target in &program.targets {
            out.push(Dataset {
                name: format!("{base}-{}", slug(&target.code)),
                program,
                target: Some(target),
                published_at: publication.published_at,
            });
        }
    }
    out
}

/// The release schedule: the program's reporting periods, each released
/// (final) at its deadline.
fn release_schedule(program: &Program) -> Vec<Value> {
    program
        .calendar
        .periods()
        .iter()
        .map(|p| {
            json!({
                "periode": p.index,
                "mulai": p.start,
                "akhir": p.end,
                "rilis": p.deadline.to_rfc3339(),
            })
        })
        .collect()
}

/// BPS's indicator metadata (MS-Ind, Peraturan BPS 5/2020) of a target,
/// under its field names.
fn ms_ind(public: &PublicRegion, program: &Program, target: &Target) -> Value {
    let unit = &public.region.units[target.unit as usize];
    let measure = target.measure.clone().unwrap_or_default();
    let (konsep, rumus) = match target.kind {
        Kind::Sum => (
            "Capaian kumulatif",
            "Realisasi = nilai dasar + jumlah realisasi terverifikasi; capaian = realisasi / target x 100",
        ),
        Kind::Last => (
            "Capaian non-kumulatif",
            "Realisasi = nilai terverifikasi terakhir; capaian = realisasi / target x 100",
        ),
        Kind::Milestone => (
            "Tonggak (selesai/belum)",
            "Realisasi = 1 bila selesai, 0 bila belum; capaian = realisasi x 100",
        ),
    };
    let interpretasi = match target.polarity {
        Polarity::Higher => "Semakin tinggi nilainya semakin baik",
        Polarity::Lower => "Semakin rendah nilainya semakin baik",
    };
    json!({
        "nama_indikator": target.name,
        "kode_indikator": target.code,
        "konsep": konsep,
        "definisi": format!("{} ({}), target {} {} pada {}", target.name, program.name, decimal(target.target), measure, target.due),
        "rumus_perhitungan": rumus,
        "ukuran": konsep,
        "satuan": measure,
        "klasifikasi_penyajian": "Perangkat daerah",
        "indikator_komposit": false,
        "level_estimasi": format!("Kabupaten/kota: {}", public.region.name),
        "interpretasi": interpretasi,
        "sumber_data": format!("Laporan realisasi {} ({}), diverifikasi", unit.name, unit.code),
        "produsen_data": unit.name,
        "periode": format!("{} s.d. {}", program.calendar.start, program.calendar.end),
        "frekuensi_penerbitan": "Mingguan",
        "diakses_umum": true,
    })
}

fn dataset_title(d: &Dataset) -> String {
    match d.target {
        Some(t) => format!("{} ({})", t.name, d.program.name),
        None => d.program.name.clone(),
    }
}

fn download_url(base: &str, public: &PublicRegion, d: &Dataset, ext: &str) -> String {
    let mut url = format!(
        "{base}/publik/{}/program/{}/angka.{ext}",
        public.code,
        encode(&d.program.code)
    );
    if let Some(t) = d.target {
        url.push_str(&format!("?target={}", encode(&t.code)));
    }
    url
}

fn page_url(base: &str, public: &PublicRegion, d: &Dataset) -> String {
    match d.target {
        Some(t) => format!(
            "{base}/publik/{}/program/{}/target/{}",
            public.code,
            encode(&d.program.code),
            encode(&t.code)
        ),
        None => format!(
            "{base}/publik/{}/program/{}",
            public.code,
            encode(&d.program.code)
        ),
    }
}

/// The organisation that publishes: the region.
fn organization(public: &PublicRegion) -> Value {
    json!({
        "id": format!("pemda-{}", slug(&public.code)),
        "name": format!("pemda-{}", slug(&public.code)),
        "title": public.region.name,
        "type": "organization",
        "is_organization": true,
        "state": "active",
    })
}

/// A dataset as CKAN's `package_show` gives it.
fn ckan_package(base: &str, public: &PublicRegion, d: &Dataset) -> Value {
    let modified = d.published_at.to_rfc3339();
    let mut extras = vec![
        json!({"key": "verified_only", "value": "true"}),
        json!({"key": "frekuensi_penerbitan", "value": "Mingguan"}),
        json!({"key": "jadwal_rilis", "value": serde_json::to_string(&release_schedule(d.program)).unwrap_or_default()}),
    ];
    if let Some(t) = d.target
        && let Value::Object(fields) = ms_ind(public, d.program, t)
    {
        for (key, value) in fields {
            let value = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            extras.push(json!({"key": key, "value": value}));
        }
    }
    let resources: Vec<Value> = ["csv", "json"]
        .iter()
        .map(|ext| {
            json!({
                "id": format!("{}-{ext}", d.name),
                "package_id": d.name,
                "name": format!("{} ({})", dataset_title(d), ext.to_uppercase()),
                "url": download_url(base, public, d, ext),
                "format": ext.to_uppercase(),
                "mimetype": if *ext == "csv" { "text/csv" } else { "application/json" },
            })
        })
        .collect();
    json!({
        "id": d.name,
        "name": d.name,
        "title": dataset_title(d),
        "type": "dataset",
        "state": "active",
        "private": false,
        "notes": format!("Angka terverifikasi program {} di {}.", d.program.name, public.region.name),
        "url": page_url(base, public, d),
        "license_id": public.licence,
        "license_title": public.licence,
        "license_url": licence_url(&public.licence),
        "metadata_created": modified,
        "metadata_modified": modified,
        "organization": organization(public),
        "owner_org": format!("pemda-{}", slug(&public.code)),
        "tags": [{"name": "pantau"}, {"name": slug(&d.program.code)}],
        "num_resources": resources.len(),
        "resources": resources,
        "extras": extras,
    })
}

/// The parameters of the CKAN actions implemented.
#[derive(Debug, Default, Deserialize)]
pub struct CkanQuery {
    id: Option<String>,
    q: Option<String>,
    rows: Option<String>,
    start: Option<String>,
}

fn ckan_help(base: &str, region: &str, action: &str) -> String {
    format!("{base}/publik/{region}/api/3/action/help_show?name={action}")
}

fn ckan_error(help: String, status: StatusCode, kind: &str, message: String) -> Response {
    (
        status,
        Json(json!({
            "help": help,
            "success": false,
            "error": {"__type": kind, "message": message},
        })),
    )
        .into_response()
}

fn ckan_number(
    field: &str,
    text: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => t
            .parse::<usize>()
            .map(|n| n.min(max))
            .map_err(|_| format!("{field}: Invalid integer")),
    }
}

async fn ckan_action(
    State(state): State<AppState>,
    Path((region, action)): Path<(String, String)>,
    Query(query): Query<CkanQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let base = site(&state, &headers);
    let help = ckan_help(&base, &region, &action);
    let public = match public_region(&state, &region).await {
        Ok(public) => public,
        Err(PageError::NotFound) => {
            return Ok(ckan_error(
                help,
                StatusCode::NOT_FOUND,
                "Not Found Error",
                format!("Region not found: {region}"),
            ));
        }
        Err(other) => return Err(other),
    };
    let all = datasets(&public);
    let result = match action.as_str() {
        "package_list" => json!(all.iter().map(|d| d.name.clone()).collect::<Vec<_>>()),
        "organization_list" => json!([format!("pemda-{}", slug(&public.code))]),
        "package_show" => {
            let Some(id) = query.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) else {
                return Ok(ckan_error(
                    help,
                    StatusCode::CONFLICT,
                    "Validation Error",
                    "id: Missing value".into(),
                ));
            };
            match all.iter().find(|d| d.name == id) {
                Some(d) => ckan_package(&base, &public, d),
                None => {
                    return Ok(ckan_error(
                        help,
                        StatusCode::NOT_FOUND,
                        "Not Found Error",
                        "Not found".into(),
                    ));
                }
            }
        }
        "package_search" => {
            let rows = ckan_number("rows", query.rows.as_deref(), 10, 1000);
            let start = ckan_number("start", query.start.as_deref(), 0, usize::MAX);
            let (rows, start) = match (rows, start) {
                (Ok(rows), Ok(start)) => (rows, start),
                (Err(message), _) | (_, Err(message)) => {
                    return Ok(ckan_error(
                        help,
                        StatusCode::CONFLICT,
                        "Validation Error",
                        message,
                    ));
                }
            };
            // Free text over the title and name; `*:*` (CKAN's "all") or none
            // matches every dataset.
            let words: Vec<String> = query
                .q
                .as_deref()
                .filter(|q| q.trim() != "*:*")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_lowercase)
                .collect();
            let matching: Vec<&Dataset> = all
                .iter()
                .filter(|d| {
                    let text = format!("{} {}", dataset_title(d), d.name).to_lowercase();
                    words.iter().all(|w| text.contains(w.as_str()))
                })
                .collect();
            json!({
                "count": matching.len(),
                "sort": "score desc, metadata_modified desc",
                "facets": {},
                "search_facets": {},
                "results": matching
                    .iter()
                    .skip(start)
                    .take(rows)
                    .map(|d| ckan_package(&base, &public, d))
                    .collect::<Vec<_>>(),
            })
        }
        _ => {
            return Ok(ckan_error(
                help,
                StatusCode::BAD_REQUEST,
                "Bad request",
                format!("Bad request - Action name not known: {action}"),
            ));
        }
    };
    Ok(Json(json!({"help": help, "success": true, "result": result})).into_response())
}

/// How many datasets a page of the DCAT catalogue holds.
const DCAT_PAGE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    page: Option<String>,
}

async fn dcat_catalog(
    State(state): State<AppState>,
    Path(region): Path<String>,
    Query(query): Query<CatalogQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let base = site(&state, &headers);
    let public = public_region(&state, &region).await?;
    let all = datasets(&public);
    let page = match query
        .page
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| PageError::BadRequest("page: a whole number from 1".into()))?,
    };
    let last = all.len().div_ceil(DCAT_PAGE).max(1);
    let catalog_url = format!("{base}/publik/{}/catalog.jsonld", public.code);
    let page_link = |n: usize| format!("{catalog_url}?page={n}");
    let licence = licence_url(&public.licence);
    let datasets: Vec<Value> = all
        .iter()
        .skip((page - 1) * DCAT_PAGE)
        .take(DCAT_PAGE)
        .map(|d| {
            let distributions: Vec<Value> = ["csv", "json"]
                .iter()
                .map(|ext| {
                    json!({
                        "@type": "dcat:Distribution",
                        "dct:title": format!("{} ({})", dataset_title(d), ext.to_uppercase()),
                        "dcat:downloadURL": {"@id": download_url(&base, &public, d, ext)},
                        "dcat:mediaType": if *ext == "csv" { "text/csv" } else { "application/json" },
                        "dct:format": ext.to_uppercase(),
                        "dct:license": {"@id": licence},
                    })
                })
                .collect();
            let mut dataset = json!({
                "@id": page_url(&base, &public, d),
                "@type": "dcat:Dataset",
                "dct:identifier": d.name,
                "dct:title": dataset_title(d),
                "dct:description": format!("Angka terverifikasi program {} di {}.", d.program.name, public.region.name),
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": public.region.name},
                "dct:issued": d.published_at.to_rfc3339(),
                "dct:accrualPeriodicity": {"@id": "http://purl.org/cld/freq/weekly"},
                "dct:temporal": {
                    "@type": "dct:PeriodOfTime",
                    "dcat:startDate": d.program.calendar.start,
                    "dcat:endDate": d.program.calendar.end,
                },
                "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": public.region.name, "dct:identifier": public.code},
                "dcat:landingPage": {"@id": page_url(&base, &public, d)},
                "dcat:keyword": ["pantau", d.program.code],
                "pantau:jadwalRilis": release_schedule(d.program),
                "dcat:distribution": distributions,
            });
            if let Some(t) = d.target {
                dataset["pantau:msInd"] = ms_ind(&public, d.program, t);
            }
            dataset
        })
        .collect();
    let mut view = json!({
        "@id": page_link(page),
        "@type": "hydra:PagedCollection",
        "hydra:totalItems": all.len(),
        "hydra:itemsPerPage": DCAT_PAGE,
        "hydra:firstPage": page_link(1),
        "hydra:lastPage": page_link(last),
    });
    if page > 1 {
        view["hydra:previousPage"] = json!(page_link(page - 1));
    }
    if page < last {
        view["hydra:nextPage"] = json!(page_link(page + 1));
    }
    let document = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "hydra": "http://www.w3.org/ns/hydra/core#",
            "pantau": format!("{base}/ns/pantau#"),
        },
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": format!("Pantau · {}", public.region.name),
        "dct:description": "Angka terverifikasi program pemerintah daerah yang dipublikasikan.",
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": public.region.name},
        "dct:license": {"@id": licence},
        "dcat:dataset": datasets,
        "hydra:view": view,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        document.to_string(),
    )
        .into_response())
}
