//! A deterministic generator of large, realistic, valid bundles for the
//! benchmarks (`benches/engine.rs`) and the `generate_bundle` example.
//!
//! The shape follows the Bekasi story (domain.md): a 100-day program from
//! 2025-02-22 to 2025-05-20 with Friday evaluations at 09:00 WIB, units under
//! four Asisten Daerah, seven priority programs, targets of all three kinds,
//! entries reported a few days after the activity, a few nil reports, and a
//! budget for (nearly) every unit. Randomness comes from an inline splitmix64
//! so that the same arguments always give the same bundle, byte for byte.

#![allow(dead_code)]

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use pantau_domain::bundle::{
    Budget, BudgetMonth, Bundle, Cluster, Entry, EntryStatus, FORMAT, Kind, NilReport, PlanPoint,
    Polarity, Priority, Program, RegionInfo, Rupiah, Target, Thresholds, Unit, Weekday,
};
use rust_decimal::Decimal;

/// splitmix64 (Steele, Lea, Flood 2014): small, fast, good enough here.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub const PROGRAM_START: (i32, u32, u32) = (2025, 2, 22);
pub const PROGRAM_END: (i32, u32, u32) = (2025, 5, 20);

fn date(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).expect("a valid date")
}

fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is an offset")
}

/// A moment in WIB: `days` after `day` at `h:m:s` local time.
fn wib_moment(day: NaiveDate, days: u64, h: u32, m: u32, s: u32) -> DateTime<FixedOffset> {
    let local = (day + Days::new(days)).and_time(NaiveTime::from_hms_opt(h, m, s).expect("a time"));
    wib()
        .from_local_datetime(&local)
        .single()
        .expect("a fixed offset is never ambiguous")
}

/// `x` rounded to `scale` decimals.
fn dec(x: f64, scale: u32) -> Decimal {
    let factor = 10f64.powi(scale as i32);
    Decimal::new((x * factor).round() as i64, scale)
}

const CLUSTERS: [(&str, &str); 4] = [
    ("ASDA1", "Asisten Pemerintahan dan Kesejahteraan Rakyat"),
    ("ASDA2", "Asisten Perekonomian dan Pembangunan"),
    ("ASDA3", "Asisten Administrasi Umum"),
    ("SEKDA", "Sekretariat Daerah"),
];

const PRIORITIES: [(&str, &str); 7] = [
    ("P1", "Peningkatan kualitas pelayanan publik"),
    ("P2", "Peningkatan kualitas pendidikan dan kesehatan"),
    ("P3", "Pengelolaan lingkungan hidup dan penanganan banjir"),
    ("P4", "Penguatan ekonomi kerakyatan dan UMKM"),
    ("P5", "Pembangunan infrastruktur dan penataan kota"),
    ("P6", "Reformasi birokrasi dan tata kelola pemerintahan"),
    ("P7", "Penguatan toleransi dan ketertiban umum"),
];

/// Bekasi-like perangkat daerah; beyond these the generator adds kecamatan and kelurahan.
const UNITS: [(&str, &str); 36] = [
    ("DISDIK", "Dinas Pendidikan"),
    ("DINKES", "Dinas Kesehatan"),
    ("DBMSDA", "Dinas Bina Marga dan Sumber Daya Air"),
    (
        "DISPERKIMTAN",
        "Dinas Perumahan, Kawasan Permukiman dan Pertanahan",
    ),
    ("DISTARU", "Dinas Tata Ruang"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja"),
    ("DAMKAR", "Dinas Pemadam Kebakaran"),
    ("DINSOS", "Dinas Sosial"),
    ("DISNAKER", "Dinas Tenaga Kerja"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak"),
    ("DKPPPA", "Dinas Ketahanan Pangan, Pertanian dan Perikanan"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    (
        "DPPKB",
        "Dinas Pengendalian Penduduk dan Keluarga Berencana",
    ),
    ("DISHUB", "Dinas Perhubungan"),
    (
        "DISKOMINFOSTANDI",
        "Dinas Komunikasi, Informatika, Statistik dan Persandian",
    ),
    ("DKUKM", "Dinas Koperasi dan Usaha Kecil Menengah"),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    ),
    ("DISPORA", "Dinas Pemuda dan Olahraga"),
    ("DISBUDPAR", "Dinas Kebudayaan dan Pariwisata"),
    ("DISARPUS", "Dinas Kearsipan dan Perpustakaan"),
    ("DISPERINDAG", "Dinas Perdagangan dan Perindustrian"),
    (
        "BAPPELITBANGDA",
        "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah",
    ),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("BAPENDA", "Badan Pendapatan Daerah"),
    (
        "BKPSDM",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
    ),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik"),
    ("INSPEKTORAT", "Inspektorat Daerah"),
    ("SETWAN", "Sekretariat DPRD"),
    ("BAGHUKUM", "Bagian Hukum Sekretariat Daerah"),
    ("BAGORG", "Bagian Organisasi Sekretariat Daerah"),
    ("BAGPBJ", "Bagian Pengadaan Barang dan Jasa"),
    ("BAGKESRA", "Bagian Kesejahteraan Rakyat"),
    ("RSUD", "Rumah Sakit Umum Daerah dr. Chasbullah Abdulmadjid"),
    ("BAGPROKOPIM", "Bagian Protokol dan Komunikasi Pimpinan"),
];

const KECAMATAN: [&str; 12] = [
    "Bekasi Barat",
    "Bekasi Selatan",
    "Bekasi Timur",
    "Bekasi Utara",
    "Bantargebang",
    "Jatiasih",
    "Jatisampurna",
    "Medan Satria",
    "Mustikajaya",
    "Pondokgede",
    "Pondok Melati",
    "Rawalumbu",
];

/// (name, measure, decimals of the reported values)
const SUM_TEMPLATES: [(&str, &str, u32); 10] = [
    ("Posyandu direvitalisasi", "posyandu", 0),
    ("Jalan lingkungan diperbaiki", "meter", 0),
    ("Sumur resapan dibangun", "unit", 0),
    ("Pelaku UMKM dilatih", "orang", 0),
    ("Titik penerangan jalan umum dipasang", "titik", 0),
    ("Izin usaha diterbitkan", "izin", 0),
    ("Bantuan sosial tersalurkan", "KK", 0),
    ("Sampah terangkut ke TPA", "ton", 1),
    ("Saluran drainase dinormalisasi", "meter", 0),
    ("Rumah tidak layak huni diperbaiki", "rumah", 0),
];

const LAST_HIGHER_TEMPLATES: [(&str, &str, u32); 5] = [
    ("Cakupan imunisasi dasar lengkap", "%", 1),
    ("Indeks kepuasan masyarakat", "indeks", 2),
    ("Persentase layanan perizinan daring", "%", 1),
    ("Tingkat kehadiran ASN", "%", 1),
    ("Persentase sekolah ramah anak", "%", 1),
];

const LAST_LOWER_TEMPLATES: [(&str, &str, u32); 5] = [
    ("Titik genangan banjir", "titik", 0),
    ("Prevalensi stunting", "%", 2),
    ("Waktu penyelesaian layanan perizinan", "hari", 1),
    ("Aduan pelayanan belum ditindaklanjuti", "aduan", 0),
    ("Tunggakan pajak bumi dan bangunan", "miliar rupiah", 2),
];

const MILESTONE_TEMPLATES: [&str; 6] = [
    "Peraturan Wali Kota ditetapkan",
    "Aplikasi layanan diluncurkan",
    "Nota kesepahaman kerja sama ditandatangani",
    "Standar operasional prosedur disahkan",
    "Mal pelayanan publik diresmikan",
    "Dokumen perencanaan diserahkan",
];

const NOTES: [&str; 8] = [
    "Kegiatan terlaksana sesuai rencana",
    "Revitalisasi di wilayah utara",
    "Bersama kelurahan dan kader PKK",
    "Data diverifikasi oleh bidang teknis",
    "Laporan susulan kegiatan akhir pekan",
    "Menunggu dokumentasi tambahan",
    "Koordinasi dengan kecamatan",
    "Pelaksanaan melalui swakelola",
];

/// What the generator needs to remember about a target to report on it.
struct Plan {
    kind: Kind,
    polarity: Polarity,
    baseline: f64,
    goal: f64,
    decimals: u32,
    /// Mean number of entries this target receives (for `sum` step sizes).
    mean_entries: f64,
    /// How well the unit does on it: the share of the planned gain it reaches by the end.
    performance: f64,
    /// Milestones: the day index from which entries report 1, if ever.
    done_from: Option<i64>,
    /// A target whose unit never reports on it (stays `no_data`).
    silent: bool,
    /// Its unit habitually reports a week or two late.
    tardy: bool,
}

/// A realistic, valid bundle with `units` units, `targets` targets and exactly
/// `entries` entries in one program, the same for the same arguments.
pub fn generate_bundle(units: usize, targets: usize, entries: usize, seed: u64) -> Bundle {
    assert!(units > 0 || targets == 0, "targets need at least one unit");
    assert!(
        targets > 0 || entries == 0,
        "entries need at least one target"
    );
    let mut rng = Rng::new(seed ^ 0x5041_4E54_4155_0001);
    let start = date(PROGRAM_START);
    let end = date(PROGRAM_END);
    let days = (end - start).num_days() + 1;

    let n_clusters = CLUSTERS.len().min(units.max(1));
    let clusters: Vec<Cluster> = CLUSTERS[..n_clusters]
        .iter()
        .map(|(code, name)| Cluster {
            code: (*code).into(),
            name: (*name).into(),
        })
        .collect();
    let priorities: Vec<Priority> = PRIORITIES
        .iter()
        .map(|(code, name)| Priority {
            code: (*code).into(),
            name: (*name).into(),
        })
        .collect();

    let unit_list: Vec<Unit> = (0..units)
        .map(|i| {
            let (code, name) = if i < UNITS.len() {
                (UNITS[i].0.to_string(), UNITS[i].1.to_string())
            } else if i < UNITS.len() + KECAMATAN.len() {
                let k = i - UNITS.len();
                (
                    format!("KEC{:02}", k + 1),
                    format!("Kecamatan {}", KECAMATAN[k]),
                )
            } else {
                let k = i - UNITS.len() - KECAMATAN.len();
                (
                    format!("KEL{:03}", k + 1),
                    format!(
                        "Kelurahan Sintetis {} ({})",
                        k + 1,
                        KECAMATAN[k % KECAMATAN.len()]
                    ),
                )
            };
            // Dinas and badan are spread over the clusters; kecamatan and
            // kelurahan report to the Asisten Pemerintahan. One unit in fifty
            // answers to no cluster.
            let cluster = if i % 50 == 49 {
                None
            } else if i < UNITS.len() {
                Some(clusters[i % n_clusters].code.clone())
            } else {
                Some(clusters[(i / 7) % n_clusters].code.clone())
            };
            Unit {
                code,
                name,
                cluster,
            }
        })
        .collect();

    // Targets in contiguous blocks per unit, codes like `DINKES-07`.
    let mean_entries = entries as f64 / targets.max(1) as f64;
    let mut target_list = Vec::with_capacity(targets);
    let mut plans = Vec::with_capacity(targets);
    let mut last_unit = usize::MAX;
    let mut k_in_unit = 0;
    let mut tardy = false;
    for i in 0..targets {
        let u = i * units / targets;
        if u != last_unit {
            last_unit = u;
            k_in_unit = 0;
            // One unit in sixteen reports more than a week late, so that
            // compliance is not all on time.
            tardy = rng.chance(1.0 / 16.0);
        }
        k_in_unit += 1;
        let (target, mut plan) =
            gen_target(&mut rng, &unit_list[u].code, k_in_unit, days, mean_entries);
        plan.tardy = tardy;
        target_list.push(target);
        plans.push(plan);
    }

    // Entries: each picks a target and an activity day, and is submitted a few
    // days later during office hours, as a database export (ordered by
    // submission) would list them.
    let utc = FixedOffset::east_opt(0).expect("UTC is an offset");
    let mut timed: Vec<(DateTime<FixedOffset>, Entry)> = Vec::with_capacity(entries);
    for _ in 0..entries {
        let mut t = rng.below(targets as u64) as usize;
        while plans[t].silent {
            t = (t + 1) % targets;
        }
        let plan = &plans[t];
        let day = rng.below(days as u64) as i64;
        let activity_date = start + Days::new(day as u64);
        let delay = match rng.below(100) {
            _ if plan.tardy => rng.range(8, 16) as u64,
            0..=24 => 0,
            25..=49 => 1,
            50..=69 => 2,
            70..=84 => 3,
            85..=94 => rng.range(4, 6) as u64,
            _ => rng.range(7, 12) as u64,
        };
        let hour = if delay == 0 {
            rng.range(8, 23)
        } else {
            rng.range(6, 21)
        } as u32;
        let mut submitted_at = wib_moment(
            activity_date,
            delay,
            hour,
            rng.below(60) as u32,
            rng.below(60) as u32,
        );
        // A few clients send UTC; the instant is the same.
        if rng.chance(0.02) {
            submitted_at = submitted_at.with_timezone(&utc);
        }
        let value = gen_value(&mut rng, plan, day, days);
        let status = match rng.below(100) {
            0..=84 => EntryStatus::Verified,
            85..=94 => EntryStatus::Submitted,
            _ => EntryStatus::Returned,
        };
        let note = rng.chance(0.35).then(|| (*rng.pick(&NOTES)).to_string());
        timed.push((
            submitted_at,
            Entry {
                target: target_list[t].code.clone(),
                activity_date,
                submitted_at,
                value,
                status,
                note,
            },
        ));
    }
    timed.sort_by_key(|(at, _)| *at);
    let entry_list: Vec<Entry> = timed.into_iter().map(|(_, e)| e).collect();

    // Nil reports: now and then a unit had nothing to report for a week.
    let mut nil_reports = Vec::new();
    for unit in &unit_list {
        let mut week_start = 0i64;
        while week_start < days {
            if rng.chance(0.04) {
                let day = (week_start + rng.range(0, 6)).min(days - 1);
                let date = start + Days::new(day as u64);
                let submitted_at = wib_moment(
                    date,
                    rng.range(1, 7) as u64,
                    rng.range(7, 16) as u32,
                    rng.below(60) as u32,
                    0,
                );
                nil_reports.push(NilReport {
                    unit: unit.code.clone(),
                    date,
                    submitted_at,
                    reason: rng
                        .chance(0.7)
                        .then(|| "Tidak ada kegiatan pada periode ini".to_string()),
                });
            }
            week_start += 7;
        }
    }
    nil_reports.sort_by_key(|n| n.submitted_at);

    let budgets = gen_budgets(&mut rng, &unit_list);

    Bundle {
        format: FORMAT.into(),
        region: RegionInfo {
            code: "3275".into(),
            name: "Kota Bekasi (data sintetis)".into(),
            timezone: Some("Asia/Jakarta".into()),
        },
        clusters,
        units: unit_list,
        priorities,
        programs: vec![Program {
            code: "100HK".into(),
            name: "Program 100 Hari Kerja".into(),
            start,
            end,
            timezone: None,
            evaluation_weekday: Some(Weekday::Friday),
            deadline_time: Some("09:00".into()),
            final_deadline: Some(wib_moment(end, 1, 9, 0, 0)),
            thresholds: Some(Thresholds::default()),
            targets: target_list,
            entries: entry_list,
            nil_reports,
        }],
        budget_flag_margin: Some(Decimal::TEN),
        budgets,
    }
}

fn gen_target(rng: &mut Rng, unit: &str, k: usize, days: i64, mean_entries: f64) -> (Target, Plan) {
    let code = format!("{unit}-{k:02}");
    let priority = (!rng.chance(0.05)).then(|| PRIORITIES[rng.below(7) as usize].0.to_string());
    let silent = rng.chance(0.02);
    let start = date(PROGRAM_START);
    let roll = rng.below(100);
    let (kind, polarity, name, measure, decimals, baseline, goal) = match roll {
        // Half are running counts.
        0..=49 => {
            let (name, measure, decimals) = *rng.pick(&SUM_TEMPLATES);
            let goal = rng.range(10, 2000) as f64;
            let baseline = if rng.chance(0.7) {
                0.0
            } else {
                (goal * rng.uniform(0.05, 0.5)).round()
            };
            (
                Kind::Sum,
                Polarity::Higher,
                name,
                Some(measure),
                decimals,
                baseline,
                goal,
            )
        }
        // Levels where more is better.
        50..=67 => {
            let (name, measure, decimals) = *rng.pick(&LAST_HIGHER_TEMPLATES);
            let baseline = (rng.uniform(20.0, 75.0) * 10.0).round() / 10.0;
            let goal = (baseline + rng.uniform(5.0, 24.0)).round();
            (
                Kind::Last,
                Polarity::Higher,
                name,
                Some(measure),
                decimals,
                baseline,
                goal,
            )
        }
        // Levels where less is better; a few aim at zero.
        68..=79 => {
            let (name, measure, decimals) = *rng.pick(&LAST_LOWER_TEMPLATES);
            let baseline = rng.range(10, 200) as f64;
            let goal = if rng.chance(0.05) {
                0.0
            } else {
                (baseline * rng.uniform(0.3, 0.8)).round()
            };
            (
                Kind::Last,
                Polarity::Lower,
                name,
                Some(measure),
                decimals,
                baseline,
                goal,
            )
        }
        // Milestones, a few with polarity lower (which the engine ignores).
        _ => {
            let name = *rng.pick(&MILESTONE_TEMPLATES);
            let polarity = if rng.chance(0.05) {
                Polarity::Lower
            } else {
                Polarity::Higher
            };
            (Kind::Milestone, polarity, name, None, 0, 0.0, 1.0)
        }
    };

    let mut target = Target {
        code,
        unit: unit.to_string(),
        priority,
        name: name.to_string(),
        measure: measure.map(str::to_string),
        kind,
        polarity,
        baseline: None,
        target: None,
        due: None,
        plan: None,
    };
    let mut done_from = None;
    match kind {
        Kind::Milestone => {
            // Milestones mostly leave baseline and target out.
            if rng.chance(0.2) {
                target.baseline = Some(Decimal::ZERO);
                target.target = Some(Decimal::ONE);
            }
            if rng.chance(0.5) {
                target.due = Some(start + Days::new(rng.range(days / 2, days - 1) as u64));
            }
            if !rng.chance(0.2) {
                done_from = Some(rng.range(days / 4, days + 10));
            }
        }
        Kind::Sum | Kind::Last => {
            target.baseline = Some(dec(baseline, decimals));
            target.target = Some(dec(goal, decimals));
            if rng.chance(0.3) {
                // One to three plan points on a gentle S-curve.
                let n = rng.range(1, 3) as usize;
                let mut plan: Vec<PlanPoint> = [(2025, 3, 31), (2025, 4, 30), (2025, 5, 15)]
                    .iter()
                    .take(n)
                    .map(|&ymd| {
                        let d = date(ymd);
                        let f = (d - start).num_days() as f64 / (days - 1) as f64;
                        let shaped = f * f * (3.0 - 2.0 * f);
                        PlanPoint {
                            date: d,
                            value: dec(baseline + (goal - baseline) * shaped, decimals),
                        }
                    })
                    .collect();
                // An occasional plan point on the first day replaces (start, baseline).
                if rng.chance(0.1) {
                    plan.insert(
                        0,
                        PlanPoint {
                            date: start,
                            value: dec(baseline, decimals),
                        },
                    );
                }
                target.plan = Some(plan);
            }
        }
    }
    let plan = Plan {
        kind,
        polarity,
        baseline,
        goal,
        decimals,
        mean_entries: mean_entries.max(1.0),
        performance: rng.uniform(0.45, 1.4),
        done_from,
        silent,
        tardy: false,
    };
    (target, plan)
}

/// The value reported for an activity on day index `day`.
fn gen_value(rng: &mut Rng, plan: &Plan, day: i64, days: i64) -> Decimal {
    let f = (day + 1) as f64 / days as f64;
    match plan.kind {
        Kind::Sum => {
            // Steps that, on average, reach `performance` of the gain by the end.
            let gain = plan.goal - plan.baseline;
            let step = gain / plan.mean_entries * plan.performance * rng.uniform(0.0, 2.0);
            dec(step.max(0.0), plan.decimals)
        }
        Kind::Last => {
            let gain = plan.goal - plan.baseline;
            let level = plan.baseline + gain * f * plan.performance * rng.uniform(0.8, 1.2);
            dec(level.max(0.0), plan.decimals)
        }
        Kind::Milestone => {
            if plan.done_from.is_some_and(|d| day >= d) {
                Decimal::ONE
            } else {
                Decimal::ZERO
            }
        }
    }
}

fn gen_budgets(rng: &mut Rng, units: &[Unit]) -> Vec<Budget> {
    // Anggaran kas: a slow start, most spending from mid-year.
    const WEIGHTS: [u64; 12] = [3, 5, 7, 8, 8, 9, 9, 9, 10, 10, 10, 12];
    let weight_sum: u64 = WEIGHTS.iter().sum();
    let mut budgets = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        // One unit in twenty has no budget this year.
        if i % 20 == 19 {
            continue;
        }
        for year in [2024, 2025] {
            if year == 2024 && !rng.chance(0.1) {
                continue;
            }
            let pagu = rng.range(500, 60_000) as u64 * 1_000_000;
            let realised_through = if year == 2024 { 12 } else { 4 };
            let mut physical = 0.0f64;
            let months = (1..=12u32)
                .map(|m| {
                    let planned = pagu / weight_sum * WEIGHTS[m as usize - 1];
                    let (realised, physical_pct) = if m <= realised_through {
                        let realised =
                            (planned as f64 * rng.uniform(0.4, 1.05)) as u64 / 1000 * 1000;
                        physical = (physical + rng.uniform(2.0, 10.0)).min(100.0);
                        (realised, Some(dec(physical, 1)))
                    } else {
                        (0, None)
                    };
                    BudgetMonth {
                        month: m,
                        planned: Rupiah(planned.into()),
                        realised: Rupiah(realised.into()),
                        physical_pct,
                    }
                })
                .collect();
            budgets.push(Budget {
                unit: unit.code.clone(),
                year,
                pagu: Rupiah(pagu.into()),
                months,
            });
        }
    }
    budgets
}
