//! Lists: search (`q`), order (`urut`), page (`halaman`) and filters
//! (`status`, `unit`, `periode`, `klaster`) done by the store, with their
//! counts; the menu's pending work; evidence thumbnails; tables whose header
//! rows have as many cells as their body rows.

#[macro_use]
mod support;

use chrono::{NaiveDate, Utc};
use pantau_domain::bundle::EntryStatus;
use pantau_store::meetings::{MeetingKey, NewFollowUp};
use pantau_store::{Actor, EntryFilter, EvidenceFile, NewEntry, Review};
use reqwest::StatusCode;
use support::{TestApp, spawn_app};

const REGION: &str = "3275";
/// A word only the entries these tests make carry in their notes.
const MARK: &str = "ujidaftar";

/// `n` submitted entries of `target` (notes "ujidaftar 1" …), their ids in order.
async fn make_entries(app: &TestApp, target: &str, n: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 1..=n {
        let entry = NewEntry {
            program: "100HK".into(),
            target: target.into(),
            activity_date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
                + chrono::Duration::days(i64::from(i)),
            value: rust_decimal::Decimal::from(i),
            note: Some(format!("{MARK} {i}")),
            submitted_at: Utc::now(),
        };
        ids.push(
            app.store
                .create_entry(REGION, &entry, &Actor::cli())
                .await
                .unwrap(),
        );
    }
    ids
}

async fn count_entries(app: &TestApp, filter: EntryFilter) -> i64 {
    app.store.count_entries(REGION, &filter).await.unwrap()
}

/// The `data-entry` ids of a page, in order.
fn entry_ids(page: &str) -> Vec<i64> {
    page.match_indices("data-entry=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

fn showing(page: &str) -> String {
    let start = page.find("id=\"list-count\"").expect(page);
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    rest[open..rest.find("</p>").unwrap()].to_owned()
}

async fn queue_searches_sorts_filters_and_pages(backend: &str) {
    let app = spawn_app(backend).await;
    let asda1_filter = || EntryFilter {
        clusters: Some(vec!["ASDA1".into()]),
        status: Some(EntryStatus::Submitted),
        ..Default::default()
    };
    let ids = make_entries(&app, "DP3A-01", 25).await;
    let waiting = count_entries(&app, asda1_filter()).await;
    assert!(waiting >= 25);
    let asda1 = app.logged_in("asda1").await;

    let (status, page) = asda1.get("/verifikasi").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        showing(&page),
        format!("Menampilkan 1–{} dari {waiting}", waiting.min(20))
    );
    assert_eq!(entry_ids(&page).len() as i64, waiting.min(20));
    // The menu counts what waits in the evaluator's clusters.
    assert!(
        page.contains(&format!(
            "Verifikasi <span class=\"badge\">({waiting})</span>"
        )),
        "{page}"
    );
    assert!(page.contains("href=\"/verifikasi\" aria-current=\"page\""));

    // Search: only these entries, twenty to a page, newest first.
    let (_, page) = asda1.get(&format!("/verifikasi?q={MARK}")).await;
    assert_eq!(showing(&page), "Menampilkan 1–20 dari 25");
    let newest: Vec<i64> = ids.iter().rev().take(20).copied().collect();
    assert_eq!(entry_ids(&page), newest);
    assert!(
        page.contains(&format!("href=\"/verifikasi?q={MARK}&#38;halaman=2\"")),
        "the next page keeps the search: {page}"
    );
    let (_, page) = asda1.get(&format!("/verifikasi?q={MARK}&halaman=2")).await;
    assert_eq!(showing(&page), "Menampilkan 21–25 dari 25");
    assert_eq!(
        entry_ids(&page),
        ids[..5].iter().rev().copied().collect::<Vec<_>>()
    );
    // A review sends the evaluator back to the page it was taken on.
    assert!(page.contains(&format!(
        "name=\"kembali\" value=\"/verifikasi?q={MARK}&#38;halaman=2\""
    )));

    // Order: oldest first, and by activity date.
    let (_, page) = asda1.get(&format!("/verifikasi?q={MARK}&urut=lama")).await;
    assert_eq!(entry_ids(&page)[..3], ids[..3]);
    assert!(page.contains(&format!(
        "href=\"/verifikasi?q={MARK}&#38;urut=lama&#38;halaman=2\""
    )));
    let (_, page) = asda1
        .get(&format!("/verifikasi?q={MARK}&urut=kegiatan"))
        .await;
    assert_eq!(entry_ids(&page)[0], ids[24]);

    // Filters: the unit, the period (week 2 of the program's calendar), a word of the note.
    let (_, page) = asda1.get(&format!("/verifikasi?q={MARK}&unit=DP3A")).await;
    assert_eq!(showing(&page), "Menampilkan 1–20 dari 25");
    let (_, page) = asda1
        .get(&format!("/verifikasi?q={MARK}&unit=SATPOLPP"))
        .await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
    let region = pantau_domain::validate(&app.store.region_bundle(REGION).await.unwrap()).unwrap();
    let week2 = region.programs[0].calendar.periods()[1].clone();
    assert_eq!(week2.index, 2);
    let in_week: i64 = count_entries(
        &app,
        EntryFilter {
            search: Some(MARK.into()),
            activity_from: Some(week2.start),
            activity_to: Some(week2.end),
            ..asda1_filter()
        },
    )
    .await;
    assert!(in_week > 0);
    let (_, page) = asda1.get(&format!("/verifikasi?q={MARK}&periode=2")).await;
    assert_eq!(
        showing(&page),
        format!("Menampilkan 1–{in_week} dari {in_week}")
    );
    let (_, page) = asda1.get(&format!("/verifikasi?q={MARK}+25")).await;
    assert_eq!(entry_ids(&page), vec![ids[24]]);

    // Bad values: a notice, never an error page.
    for (query, notice) in [
        ("unit=DLH", "Perangkat daerah “DLH” tidak dikenal"),
        ("urut=acak", "Urutan “acak” tidak dikenal"),
        ("halaman=abc", "Halaman “abc” tidak ada"),
        ("halaman=-1", "Halaman “-1” tidak ada"),
        ("periode=99", "Periode “99” tidak dikenal"),
    ] {
        let (status, page) = asda1.get(&format!("/verifikasi?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert!(page.contains(notice), "{query}: {page}");
    }
    let (status, page) = asda1.get(&format!("/verifikasi?q={MARK}&halaman=9")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Halaman “9” tidak ada; yang ditampilkan halaman 2."));
    assert_eq!(showing(&page), "Menampilkan 21–25 dari 25");

    // Another cluster's evaluator sees none of them, and its own count.
    let asda2 = app.logged_in("asda2").await;
    let (_, page) = asda2.get(&format!("/verifikasi?q={MARK}")).await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
}

async fn history_follow_ups_and_audit_lists(backend: &str) {
    let app = spawn_app(backend).await;
    let ids = make_entries(&app, "DP3A-01", 22).await;
    app.store
        .review_entry(
            REGION,
            ids[3],
            &Review::Return {
                reason: "foto kurang jelas".into(),
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
    let operator = app.logged_in("op-dp3a").await;
    let returned = count_entries(
        &app,
        EntryFilter {
            unit: Some("DP3A".into()),
            status: Some(EntryStatus::Returned),
            ..Default::default()
        },
    )
    .await;
    let (status, page) = operator.get(&format!("/lapor/riwayat?q={MARK}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(showing(&page), "Menampilkan 1–20 dari 22");
    assert!(page.contains(&format!(
        "Riwayat laporan <span class=\"badge\">({returned})</span>"
    )));
    let (_, page) = operator
        .get(&format!("/lapor/riwayat?q={MARK}&status=dikembalikan"))
        .await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    assert_eq!(entry_ids(&page), vec![ids[3]]);
    assert!(page.contains("foto kurang jelas"));
    let (status, page) = operator.get("/lapor/riwayat?status=hilang").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Status “hilang” tidak dikenal"));
    // Another unit's operator sees none of them.
    let other = app.logged_in("op-dlh").await;
    let (_, page) = other.get(&format!("/lapor/riwayat?q={MARK}")).await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
    assert_eq!(
        other.get("/verifikasi").await.0,
        StatusCode::FORBIDDEN,
        "an operator has no queue"
    );

    // Follow-ups: overdue, open and done, searched and filtered by state.
    let key = MeetingKey::weekly("100HK", "ASDA1", 6);
    let today = Utc::now().date_naive();
    for (i, due) in [(1, -3), (2, -1), (3, 5), (4, 9)] {
        app.store
            .add_follow_up(
                REGION,
                &key,
                &NewFollowUp {
                    unit: "DP3A".into(),
                    description: format!("{MARK} tindak {i}"),
                    due: today + chrono::Duration::days(due),
                },
                &Actor::cli(),
            )
            .await
            .unwrap();
    }
    let (_, page) = operator.get("/tindak-lanjut").await;
    assert!(
        page.contains("Tindak lanjut <span class=\"badge\">(4)</span>"),
        "{page}"
    );
    let (_, page) = operator.get(&format!("/tindak-lanjut?q={MARK}")).await;
    assert_eq!(showing(&page), "Menampilkan 1–4 dari 4");
    let (_, page) = operator.get("/tindak-lanjut?status=lewat").await;
    assert_eq!(showing(&page), "Menampilkan 1–2 dari 2");
    let (_, page) = operator.get("/tindak-lanjut?status=terbuka").await;
    assert_eq!(showing(&page), "Menampilkan 1–2 dari 2");
    let (_, page) = operator
        .get(&format!("/tindak-lanjut?q={MARK}+tindak+4"))
        .await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    let evaluator = app.logged_in("asda1").await;
    let (_, page) = evaluator
        .get(&format!("/tindak-lanjut?q={MARK}&unit=DP3A"))
        .await;
    assert_eq!(showing(&page), "Menampilkan 1–4 dari 4");
    let (_, page) = evaluator.get("/tindak-lanjut?unit=DLH").await;
    assert!(
        page.contains("Perangkat daerah “DLH” tidak dikenal"),
        "{page}"
    );

    // The audit log: searched, oldest first, paged, counted by the store.
    let admin = app.logged_in("admin").await;
    let total = app
        .store
        .count_audit(REGION, &pantau_store::AuditFilter::default())
        .await
        .unwrap();
    assert!(total > 20);
    let (status, page) = admin.get("/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(showing(&page), format!("Menampilkan 1–20 dari {total}"));
    let (_, page) = admin.get("/audit?q=foto+kurang").await;
    assert_eq!(
        showing(&page),
        "Tidak ada yang cocok.",
        "details are not searched"
    );
    let (_, page) = admin.get("/audit?q=return").await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    let (_, page) = admin.get("/audit?urut=lama&halaman=2").await;
    assert_eq!(
        showing(&page),
        format!("Menampilkan 21–{} dari {total}", total.min(40))
    );
    assert!(
        page.contains("href=\"/audit?urut=lama\" rel=\"prev\""),
        "{page}"
    );
}

async fn meetings_list_filters_and_pages(backend: &str) {
    let app = spawn_app(backend).await;
    let asda1 = app.logged_in("asda1").await;
    let (status, page) = asda1.get("/rapat").await;
    assert_eq!(status, StatusCode::OK);
    let count = showing(&page);
    assert!(count.starts_with("Menampilkan 1–20 dari "), "{count}");
    let (_, page) = asda1.get("/rapat?klaster=ASDA2&periode=6").await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    assert!(page.contains("href=\"/rapat/100HK/ASDA2/6\""));
    let (_, page) = asda1.get("/rapat?q=akhir").await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    let (_, page) = asda1.get("/rapat?status=ditutup").await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
    let (_, page) = asda1.get("/rapat?status=dibuka&klaster=X").await;
    assert!(page.contains("Klaster (Asisten) “X” tidak dikenal"));
    let (_, page) = asda1.get("/rapat?halaman=2&urut=lama").await;
    assert!(
        page.contains("href=\"/rapat?urut=lama\" rel=\"prev\""),
        "{page}"
    );
}

/// A real PNG of `width` × `height`.
fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        if (x / 40 + y / 40) % 2 == 0 {
            image::Rgb([200, 30, 30])
        } else {
            image::Rgb([250, 250, 250])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn thumbnails_are_made_on_the_server(backend: &str) {
    let app = spawn_app(backend).await;
    let dir = std::env::temp_dir().join(support::unique("pantau_thumbs"));
    std::fs::create_dir_all(&dir).unwrap();
    let photo = png(800, 600);
    let photo_path = dir.join("foto.png");
    std::fs::write(&photo_path, &photo).unwrap();
    let pdf_path = dir.join("surat.pdf");
    std::fs::write(&pdf_path, b"%PDF-1.4\n%%EOF\n").unwrap();
    let file = |name: &str, content_type: &str, path: &std::path::Path, size: usize| EvidenceFile {
        file_name: name.into(),
        content_type: content_type.into(),
        size_bytes: size as i64,
        stored_path: path.to_string_lossy().into_owned(),
    };
    let created = app
        .store
        .create_entry_with_evidence(
            REGION,
            &NewEntry {
                program: "100HK".into(),
                target: "DP3A-01".into(),
                activity_date: NaiveDate::from_ymd_opt(2025, 5, 2).unwrap(),
                value: 3.into(),
                note: Some(MARK.into()),
                submitted_at: Utc::now(),
            },
            &[
                file("foto.png", "image/png", &photo_path, photo.len()),
                file("surat.pdf", "application/pdf", &pdf_path, 15),
            ],
            &Actor::cli(),
        )
        .await
        .unwrap();
    let (photo_id, pdf_id) = (created.evidence[0], created.evidence[1]);

    // The queue shows the photo's thumbnail and the PDF's icon.
    let evaluator = app.logged_in("asda1").await;
    let (_, queue) = evaluator.get(&format!("/verifikasi?q={MARK}")).await;
    assert!(
        queue.contains(&format!("<img src=\"/bukti/{photo_id}/kecil\"")),
        "{queue}"
    );
    let pdf_link = queue
        .find(&format!("data-evidence=\"{pdf_id}\""))
        .expect("the PDF is listed");
    assert!(queue[pdf_link..].starts_with(&format!(
        "data-evidence=\"{pdf_id}\"><svg class=\"pdf-icon\""
    )));

    // The thumbnail is a real, smaller picture of the same shape, kept on disk.
    let path = format!("/bukti/{photo_id}/kecil");
    let (status, content_type, bytes) = evaluator.download(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "image/png");
    let small = image::load_from_memory(&bytes).unwrap();
    assert_eq!((small.width(), small.height()), (192, 144));
    assert!(bytes.len() < photo.len());
    assert!(
        dir.join("foto.png.thumb.png").exists(),
        "kept next to the evidence"
    );
    let (_, _, again) = evaluator.download(&path).await;
    assert_eq!(again, bytes, "served from the kept copy");
    // A PDF has no picture to make small.
    let (status, _, _) = evaluator.download(&format!("/bukti/{pdf_id}/kecil")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The target page shows them too.
    let owner = app.logged_in("op-dp3a").await;
    let (_, target) = owner.get("/target/100HK/DP3A-01").await;
    assert!(target.contains(&format!("<img src=\"/bukti/{photo_id}/kecil\"")));
    assert_eq!(owner.download(&path).await.0, StatusCode::OK);

    // An operator of another unit may open neither the file nor its thumbnail.
    let other = app.logged_in("op-dlh").await;
    assert_eq!(other.download(&path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        other.download(&format!("/bukti/{photo_id}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, target) = other.get("/target/100HK/DP3A-01").await;
    assert!(!target.contains(&format!("/bukti/{photo_id}")));
    // Nor anyone logged out.
    assert_eq!(app.browser().get(&path).await.0, StatusCode::SEE_OTHER);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cells of each row of each table of a page: `(header cells, [body row cells])`.
fn tables(page: &str) -> Vec<(String, usize, Vec<usize>)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<table") {
        let end = rest[start..].find("</table>").expect("a closed table") + start;
        let table = &rest[start..end];
        let name = table[..table.find('>').unwrap()].to_owned();
        let cells = |row: &str| {
            row.match_indices("<td")
                .chain(row.match_indices("<th"))
                .filter(|(i, _)| {
                    // `<th` and `<td` only, not `<thead`.
                    matches!(row.as_bytes().get(i + 3), Some(b' ' | b'>'))
                })
                .map(|(i, _)| {
                    let tag = &row[i..i + row[i..].find('>').unwrap()];
                    tag.split("colspan=\"")
                        .nth(1)
                        .and_then(|v| v[..v.find('"').unwrap()].parse().ok())
                        .unwrap_or(1)
                })
                .sum::<usize>()
        };
        let rows: Vec<&str> = table.split("<tr").skip(1).collect();
        if let Some(head) = table.find("<thead") {
            let head_end = table.find("</thead>").unwrap();
            let head_cells = cells(&table[head..head_end]);
            let body: Vec<usize> = rows
                .iter()
                .filter(|r| !r.contains("</thead>") && !table[head..head_end].contains(*r))
                .map(|r| cells(r))
                .collect();
            out.push((name, head_cells, body));
        }
        rest = &rest[end..];
    }
    out
}

async fn every_table_heads_its_columns(backend: &str) {
    let app = spawn_app(backend).await;
    make_entries(&app, "DP3A-01", 3).await;
    let pages: [(&str, &[&str]); 5] = [
        (
            "asda1",
            &[
                "/dasbor",
                "/unit/DP3A",
                "/target/100HK/DP3A-01",
                "/rapat",
                "/rapat/100HK/ASDA1/6",
                "/verifikasi",
                "/tindak-lanjut",
                "/pimpinan",
            ],
        ),
        ("op-dp3a", &["/lapor", "/lapor/riwayat", "/tindak-lanjut"]),
        ("admin", &["/audit", "/admin", "/rapat"]),
        (
            "leader",
            &["/pimpinan", "/rapat", "/dasbor?as_of=2025-04-25"],
        ),
        ("finance", &["/anggaran"]),
    ];
    let mut checked = 0;
    for (user, paths) in pages {
        let browser = app.logged_in(user).await;
        for path in paths {
            let (status, page) = browser.get(path).await;
            assert_eq!(status, StatusCode::OK, "{user} {path}");
            for (table, head, body) in tables(&page) {
                for (i, cells) in body.iter().enumerate() {
                    assert_eq!(
                        *cells, head,
                        "{user} {path}: {table}> row {i} has {cells} cells under {head} headings"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} tables were checked");
}

/// The region's day, `offset` days from today.
fn region_day(offset: i64) -> String {
    (Utc::now()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .date_naive()
        + chrono::Duration::days(offset))
    .format("%Y-%m-%d")
    .to_string()
}

async fn audit_filters_export_and_counts_repeated_refusals(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let before = app
        .store
        .count_audit(REGION, &pantau_store::AuditFilter::default())
        .await
        .unwrap();
    for _ in 0..50 {
        let (status, _) = operator.get("/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _, _) = operator.download("/audit.csv").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the export is the admin's too"
    );
    let after = app
        .store
        .count_audit(REGION, &pantau_store::AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(
        after - before,
        2,
        "50 refusals and an export refused: two records"
    );
    // Text a spreadsheet would run, recorded by someone called so.
    app.store
        .append_audit(
            Some(REGION),
            &Actor {
                user_id: None,
                label: "=HYPERLINK(\"http://x\")".into(),
            },
            pantau_store::NewAudit {
                action: "edit".into(),
                entity: "@SUM(A1)".into(),
                entity_id: Some("-1+1".into()),
                before: None,
                after: None,
            },
        )
        .await
        .unwrap();
    // Enough more for a second page.
    for n in 0..20 {
        app.store
            .append_audit(
                Some(REGION),
                &Actor::cli(),
                pantau_store::NewAudit {
                    action: "note".into(),
                    entity: "test".into(),
                    entity_id: Some(n.to_string()),
                    before: None,
                    after: None,
                },
            )
            .await
            .unwrap();
    }

    let admin = app.logged_in("admin").await;
    let (status, page) = admin.get("/audit?pelaku=op-dp3a").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        showing(&page),
        "Menampilkan 1–3 dari 3",
        "its log-in and two records"
    );
    let (status, page) = admin
        .get("/audit?pelaku=op-dp3a&tindakan=permission_denied")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(showing(&page), "Menampilkan 1–2 dari 2");
    assert!(page.contains("Ditolak 50 kali berturut-turut"), "{page}");
    assert!(
        page.contains("href=\"/audit.csv?pelaku=op-dp3a&#38;tindakan=permission_denied\""),
        "the export keeps the filters: {page}"
    );
    let (_, page) = admin
        .get("/audit?pelaku=op-dp3a&tindakan=permission_denied&objek=audit.export")
        .await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    let (_, page) = admin.get("/audit?tindakan=nope").await;
    assert!(page.contains("Tindakan “nope” tidak dikenal"), "{page}");

    // Dates are the region's days, both ends included. Since `before`: two
    // refusals, the 21 records above and the admin's log-in.
    let total = before + 24;
    let (_, page) = admin
        .get(&format!(
            "/audit?dari={}&sampai={}",
            region_day(-1),
            region_day(1)
        ))
        .await;
    assert_eq!(showing(&page), format!("Menampilkan 1–20 dari {total}"));
    assert!(
        page.contains(&format!(
            "href=\"/audit?dari={}&#38;sampai={}&#38;halaman=2\"",
            region_day(-1),
            region_day(1)
        )),
        "the page links keep the dates: {page}"
    );
    let (_, page) = admin.get(&format!("/audit?dari={}", region_day(1))).await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
    let (_, page) = admin
        .get(&format!("/audit?sampai={}", region_day(-1)))
        .await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
    let (_, page) = admin.get("/audit?dari=kemarin").await;
    assert!(page.contains("“kemarin” bukan tanggal"), "{page}");
    assert_eq!(showing(&page), format!("Menampilkan 1–20 dari {total}"));

    // The export: the same filters, every row, formulas neutralised.
    let (status, content_type, bytes) = admin
        .download("/audit.csv?pelaku=op-dp3a&tindakan=permission_denied")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let refused = rows
        .iter()
        .find(|r| &r[column("entity")] == "audit.read")
        .unwrap();
    assert_eq!(&refused[column("repeated")], "50");
    assert_eq!(&refused[column("action")], "permission_denied");
    let (_, _, bytes) = admin
        .download("/audit.csv?pelaku=%3DHYPERLINK(%22http%3A%2F%2Fx%22)")
        .await;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][column("actor")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&rows[0][column("entity")], "'@SUM(A1)");
    assert_eq!(&rows[0][column("entity_id")], "'-1+1");
    let (_, _, all) = admin.download("/audit.csv").await;
    let all = csv::Reader::from_reader(all.as_slice()).records().count() as i64;
    assert_eq!(all, total, "the export is not paged");
}

async fn imported_entries_say_so(backend: &str) {
    let app = spawn_app(backend).await;
    let evaluator = app.logged_in("asda1").await;
    let (status, page) = evaluator.get("/target/100HK/DP3A-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("diimpor"), "{page}");
    let operator = app.logged_in("op-dp3a").await;
    let (_, page) = operator.get("/lapor/riwayat").await;
    assert!(page.contains("diimpor"), "{page}");
    // Entries submitted here carry no marker.
    let (_, page) = operator.get(&format!("/lapor/riwayat?q={MARK}")).await;
    assert_eq!(showing(&page), "Tidak ada yang cocok.");
    make_entries(&app, "DP3A-01", 1).await;
    let (_, page) = operator.get(&format!("/lapor/riwayat?q={MARK}")).await;
    assert_eq!(showing(&page), "Menampilkan 1–1 dari 1");
    assert!(!page.contains("diimpor"), "{page}");
}

on_both_backends!(
    audit_filters_export_and_counts_repeated_refusals,
    imported_entries_say_so,
    queue_searches_sorts_filters_and_pages,
    history_follow_ups_and_audit_lists,
    meetings_list_filters_and_pages,
    thumbnails_are_made_on_the_server,
    every_table_heads_its_columns,
);
