#!/usr/bin/env python3
"""Generate examples/bekasi-100hk.json, Pantau's sample bundle (pantau-bundle/1).

Illustrative sample data modelled on public news reports; not official figures.

The story follows rakyatbekasi.com (27 April 2025): Kota Bekasi's Program 100
Hari Kerja of the Wali Kota and Wakil Wali Kota (22 February - 20 May 2025), a
weekly Friday evaluation by the Asisten Daerah, only some perangkat daerah with
100-day targets (DP3A for posyandu, Satpol PP for PKL, and a dozen more), the
seven priority programs, and weekend activities that are reported on the
following Friday. The budget section echoes "Serapan Anggaran Kota Bekasi Baru
50,70% di Akhir Oktober": the region absorbs 50.70% of its pagu by the end of
October 2025. Unit names are real; every number, note and date is invented.

What the data is built to show (as of 2025-04-25): most targets on track,
Satpol PP, DBMSDA's flood points, Disnaker and Dinsos's data update at risk,
PKL relocation, rutilahu, Dishub's cashless parking and Diskominfostandi's
overdue milestone off track, Dishub no longer reporting after March (stale),
Kecamatan Bantargebang with only nil reports and gaps until its first activity
at the end of April (no data), and three targets already achieved. Late
reports, missing weeks, returned entries and nil reports are spread over the
units. As of 2025-05-21 the program is over: sixteen targets are achieved,
eight are not; the last weeks' entries are not all verified yet, so
`--verified-only` shows fewer.

Deterministic: Python 3 standard library only, fixed random seed. Usage:

    python3 examples/generate_bekasi.py > examples/bekasi-100hk.json
"""

import datetime as dt
import json
import random
import sys

SEED = 20250222
rng = random.Random(SEED)
verify_rng = random.Random(SEED + 1)  # which of the last weeks' entries are verified yet

WIB = dt.timezone(dt.timedelta(hours=7))
START = dt.date(2025, 2, 22)
END = dt.date(2025, 5, 20)
DEADLINE_TIME = dt.time(9, 0)
FINAL_DEADLINE = dt.datetime(2025, 5, 21, 9, 0, tzinfo=WIB)


# ---------------------------------------------------------------- calendar

def build_periods():
    """Friday-to-Thursday periods; period 1 starts on the start date (a Saturday)."""
    starts = [START]
    d = START + dt.timedelta(days=1)
    while d <= END:
        if d.weekday() == 4:  # Friday
            starts.append(d)
        d += dt.timedelta(days=1)
    periods = []
    for i, s in enumerate(starts):
        e = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else END
        if i + 1 < len(starts):
            deadline = dt.datetime.combine(starts[i + 1], DEADLINE_TIME, tzinfo=WIB)
        else:
            deadline = FINAL_DEADLINE
        periods.append({"index": i + 1, "start": s, "end": e, "deadline": deadline})
    return periods


PERIODS = build_periods()
assert len(PERIODS) == 13
assert PERIODS[0]["end"] == dt.date(2025, 2, 27)
assert PERIODS[-1]["start"] == dt.date(2025, 5, 16)


def days_of(k):
    p = PERIODS[k - 1]
    n = (p["end"] - p["start"]).days + 1
    return [p["start"] + dt.timedelta(days=i) for i in range(n)]


def at(date, hour, minute):
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=WIB)


def fmt_moment(moment, utc=False):
    if utc:
        return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S+07:00")


# ---------------------------------------------------------------- reference data

CLUSTERS = [
    ("ASDA1", "Asisten Pemerintahan dan Kesejahteraan Rakyat"),
    ("ASDA2", "Asisten Perekonomian dan Pembangunan"),
    ("ASDA3", "Asisten Administrasi Umum"),
]

KECAMATAN = [
    ("KEC-BANTARGEBANG", "Bantargebang"),
    ("KEC-BEKASI-BARAT", "Bekasi Barat"),
    ("KEC-BEKASI-SELATAN", "Bekasi Selatan"),
    ("KEC-BEKASI-TIMUR", "Bekasi Timur"),
    ("KEC-BEKASI-UTARA", "Bekasi Utara"),
    ("KEC-JATIASIH", "Jatiasih"),
    ("KEC-JATISAMPURNA", "Jatisampurna"),
    ("KEC-MEDAN-SATRIA", "Medan Satria"),
    ("KEC-MUSTIKA-JAYA", "Mustika Jaya"),
    ("KEC-PONDOK-GEDE", "Pondok Gede"),
    ("KEC-PONDOK-MELATI", "Pondok Melati"),
    ("KEC-RAWALUMBU", "Rawalumbu"),
]

UNITS = [
    ("SETDA", "Sekretariat Daerah", "ASDA3"),
    ("SETWAN", "Sekretariat Dewan Perwakilan Rakyat Daerah", "ASDA3"),
    ("INSPEKTORAT", "Inspektorat Daerah", "ASDA3"),
    ("DISDIK", "Dinas Pendidikan", "ASDA1"),
    ("DINKES", "Dinas Kesehatan", "ASDA1"),
    ("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan", "ASDA1"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "ASDA1"),
    ("DINSOS", "Dinas Sosial", "ASDA1"),
    ("DISNAKER", "Dinas Ketenagakerjaan", "ASDA2"),
    ("DKP3", "Dinas Ketahanan Pangan, Pertanian dan Perikanan", "ASDA2"),
    ("DLH", "Dinas Lingkungan Hidup", "ASDA2"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "ASDA1"),
    ("DISHUB", "Dinas Perhubungan", "ASDA2"),
    ("DISKOMINFOSTANDI", "Dinas Komunikasi, Informatika, Statistik dan Persandian", "ASDA3"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "ASDA2"),
    ("DISPORA", "Dinas Pemuda dan Olahraga", "ASDA1"),
    ("DISPARBUD", "Dinas Pariwisata dan Kebudayaan", "ASDA2"),
    ("DISDAGPERIN", "Dinas Perdagangan dan Perindustrian", "ASDA2"),
    ("DISKOPUKM", "Dinas Koperasi dan Usaha Kecil Menengah", "ASDA2"),
    ("DBMSDA", "Dinas Bina Marga dan Sumber Daya Air", "ASDA2"),
    ("DISTARU", "Dinas Tata Ruang", "ASDA2"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "ASDA1"),
    ("DPPKB", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "ASDA1"),
    ("DISARPUS", "Dinas Kearsipan dan Perpustakaan", "ASDA3"),
    ("DISPERKIMTAN", "Dinas Perumahan, Kawasan Permukiman dan Pertanahan", "ASDA2"),
    ("BAPENDA", "Badan Pendapatan Daerah", "ASDA3"),
    ("BAPPELITBANGDA", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah", "ASDA2"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "ASDA3"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "ASDA1"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "ASDA3"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "ASDA1"),
    ("RSUD", "Rumah Sakit Umum Daerah dr. Chasbullah Abdulmadjid", "ASDA1"),
] + [(code, "Kecamatan " + name, "ASDA1") for code, name in KECAMATAN]
assert len(UNITS) == 44

# The seven priority programs as the story lists them (without the final full stop).
PRIORITIES = [
    ("P1", "Peningkatan kualitas pelayanan publik, termasuk posyandu dan fasilitas kesehatan"),
    ("P2", "Penataan kawasan PKL untuk menciptakan lingkungan yang lebih tertib dan nyaman"),
    ("P3", "Pengelolaan lingkungan hidup, termasuk pengurangan banjir dan pencemaran"),
    ("P4", "Peningkatan infrastruktur jalan dan saluran air"),
    ("P5", "Pengembangan ekonomi lokal melalui pemberdayaan UMKM"),
    ("P6", "Peningkatan kesejahteraan masyarakat, termasuk pengentasan kemiskinan ekstrem"),
    ("P7", "Optimalisasi Pendapatan Asli Daerah (PAD) untuk mendukung pembangunan berkelanjutan"),
]

KELURAHAN = [
    "Margahayu", "Kayuringin Jaya", "Pekayon Jaya", "Jakasampurna", "Harapan Jaya",
    "Perwira", "Kaliabang Tengah", "Bintara", "Kranji", "Jatiwaringin", "Jatimakmur",
    "Jatirahayu", "Jatikramat", "Jatibening", "Bojong Menteng", "Bojong Rawalumbu",
    "Pengasinan", "Mustikasari", "Cimuning", "Ciketing Udik", "Cikiwul", "Sumur Batu",
    "Harapan Mulya", "Kali Baru", "Aren Jaya", "Duren Jaya", "Jatimulya", "Jatisari",
    "Jatiluhur", "Sepanjang Jaya", "Marga Jaya", "Bekasi Jaya",
]
STREETS = [
    "Jalan Ir. H. Juanda", "Jalan Ahmad Yani", "Jalan Cut Mutia", "Jalan KH Noer Ali",
    "Jalan Chairil Anwar", "Jalan Pramuka", "Jalan Agus Salim", "Jalan Siliwangi",
    "Jalan Pekayon Raya", "Jalan Kartini", "Jalan Sersan Aswan", "Jalan Mayor Oking",
    "kawasan Stasiun Bekasi", "kawasan Alun-alun Kota Bekasi", "kawasan Pasar Baru Bekasi",
]
CHANNELS = ["Kalimalang", "Kali Bekasi", "Kali Cakung", "Kali Sunter", "Kali Buaran", "Kali Baru"]
KEC_NAMES = [name for _, name in KECAMATAN]


def kel():
    return "Kelurahan " + rng.choice(KELURAHAN)


def kec():
    return "Kecamatan " + rng.choice(KEC_NAMES)


# ---------------------------------------------------------------- targets and their weekly story
#
# Unit reporting behaviour per period 1..13:
#   o on time; l late (the Friday, after 09:00); L late (the Monday after);
#   m missing (nothing at all); n nil report on time; N nil report late.
BEHAVIOUR = {
    "DP3A":             "ooooooooooooo",
    "SATPOLPP":         "ooloooloooooo",
    "DISDAGPERIN":      "noomoLomooooo",
    "DLH":              "ooooooooooooo",
    "DBMSDA":           "ooooloooooooo",
    "DISKOPUKM":        "ooooonooooooo",
    "DISNAKER":         "nlollolololml",
    "DINSOS":           "ooooooooooooo",
    "DISPERKIMTAN":     "nmooooolooooo",
    "DINKES":           "ooooooooooooo",
    "DISDUKCAPIL":      "ooooooooooooo",
    "BAPENDA":          "ooooooooooooo",
    "DISHUB":           "oooooommmmmmm",
    "DISKOMINFOSTANDI": "onmoonoomooon",
    "KEC-BANTARGEBANG": "nnnmmmNmmoLoo",
}
assert all(len(b) == 13 for b in BEHAVIOUR.values())

# Units whose activities often fall on a Saturday or Sunday.
WEEKEND_UNITS = {"DP3A", "SATPOLPP", "DLH", "DISDUKCAPIL", "DISKOPUKM", "DBMSDA", "KEC-BANTARGEBANG"}

NIL_REASONS = {
    "DISDAGPERIN": {1: "Tidak ada kegiatan pekan ini; pendataan PKL calon relokasi masih berjalan"},
    "DISNAKER": {1: "Tidak ada kegiatan pekan ini; persiapan pelatihan berbasis kompetensi"},
    "DISKOPUKM": {6: "Libur Idulfitri 1446 H dan cuti bersama; tidak ada kegiatan pekan ini"},
    "DISPERKIMTAN": {1: "Tidak ada kegiatan pekan ini; verifikasi calon penerima bantuan rutilahu"},
    "DISKOMINFOSTANDI": {
        2: "Tidak ada kegiatan pekan ini",
        6: "Libur Idulfitri 1446 H dan cuti bersama; tidak ada kegiatan pekan ini",
        13: "Tidak ada kegiatan pekan ini; target telah tercapai",
    },
    "KEC-BANTARGEBANG": {
        1: "Tidak ada kegiatan pekan ini; pembentukan tim Kampung Bersih tingkat kecamatan",
        2: "Tidak ada kegiatan pekan ini",
        3: "Tidak ada kegiatan pekan ini; menunggu SK Camat tentang tim Kampung Bersih",
        7: "Tidak ada kegiatan pekan ini; kegiatan dijadwalkan setelah Idulfitri",
    },
}

# Each target: its definition and, per period 1..13, what is reported
# (sum: the increment, split over one to three activities; last: the level;
# milestone: (day of the period, value, note) tuples). None: nothing that week.
N = None
TARGETS = [
    dict(code="DP3A-01", unit="DP3A", priority="P1", name="Posyandu direvitalisasi",
         measure="posyandu", kind="sum", polarity="higher", baseline=0, target=120,
         plan=[("2025-03-31", 40)],
         weekly=[4, 8, 9, 8, 7, 8, 14, 17, 20, 10, 9, 7, 3]),
    dict(code="DP3A-02", unit="DP3A", priority="P6", name="Ruang Bermain Ramah Anak (RBRA) diresmikan",
         measure="lokasi", kind="sum", polarity="higher", baseline=0, target=10,
         weekly=[N, 1, N, 1, 1, 1, 1, 1, 2, N, 2, N, N]),
    dict(code="SATPOLPP-01", unit="SATPOLPP", priority="P2", name="Lokasi pedagang kaki lima (PKL) ditata",
         measure="lokasi", kind="sum", polarity="higher", baseline=0, target=30,
         weekly=[1, 2, 2, 1, 2, 1, 3, 2, 3, 3, 3, 2, 2]),
    dict(code="SATPOLPP-02", unit="SATPOLPP", priority="P2", name="Ruas jalan protokol bebas PKL",
         measure="persen", kind="last", polarity="higher", baseline=35, target=80,
         weekly=[38, 41, 45, 48, 52, 55, 58, 62, 66, 70, 74, 79, 82]),
    dict(code="DISDAGPERIN-01", unit="DISDAGPERIN", priority="P2",
         name="Pedagang kaki lima direlokasi ke lokasi binaan", measure="pedagang",
         kind="sum", polarity="higher", baseline=0, target=400,
         weekly=[N, 20, 25, N, 30, 15, 20, N, 40, 35, 40, 30, 35]),
    dict(code="DLH-01", unit="DLH", priority="P3",
         name="Peraturan Wali Kota tentang pengelolaan sampah ditetapkan",
         kind="milestone", polarity="higher", due="2025-04-30",
         weekly=[N, [(3, 0, "Penyusunan draf Perwal pengelolaan sampah bersama Bagian Hukum")], N, N,
                 [(4, 0, "Draf Perwal dalam tahap harmonisasi di Bagian Hukum Setda")], N, N,
                 [(3, 0, "Draf Perwal difasilitasi Biro Hukum Provinsi Jawa Barat")], N, N, N,
                 [(5, 1, "Perwal tentang Pengelolaan Sampah ditetapkan dan diundangkan")], N]),
    dict(code="DLH-02", unit="DLH", priority="P3", name="Titik pembuangan sampah liar dibersihkan",
         measure="titik", kind="sum", polarity="higher", baseline=0, target=60,
         weekly=[3, 5, 4, 6, 5, 4, 6, 5, 6, 5, 6, 5, 3]),
    dict(code="DBMSDA-01", unit="DBMSDA", priority="P3", name="Titik genangan banjir",
         measure="titik", kind="last", polarity="lower", baseline=45, target=20,
         plan=[("2025-04-15", 32)],
         weekly=[45, 44, 42, 41, 39, 37, 35, 33, 31, 29, 26, 23, 21]),
    dict(code="DBMSDA-02", unit="DBMSDA", priority="P4", name="Ruas jalan rusak diperbaiki",
         measure="km", kind="sum", polarity="higher", baseline=0, target=25, scale=10,
         weekly=[8, 16, 21, 19, 24, 22, 25, 23, 26, 21, 23, 19, 12]),
    dict(code="DBMSDA-03", unit="DBMSDA", priority="P4", name="Saluran drainase dinormalisasi",
         measure="km", kind="sum", polarity="higher", baseline=0, target=40, scale=10,
         plan=[("2025-03-31", 10), ("2025-04-30", 28)],
         weekly=[15, 20, 25, 22, 26, 24, 35, 36, 37, 38, 39, 46, 40]),
    dict(code="DISKOPUKM-01", unit="DISKOPUKM", priority="P5",
         name="UMKM mendapat pelatihan dan pendampingan", measure="pelaku UMKM",
         kind="sum", polarity="higher", baseline=0, target=1000,
         weekly=[60, 110, 120, 130, 140, N, 180, 210, 90, N, N, N, N]),
    dict(code="DISKOPUKM-02", unit="DISKOPUKM", priority="P5",
         name="UMKM difasilitasi Nomor Induk Berusaha (NIB)", measure="pelaku UMKM",
         kind="sum", polarity="higher", baseline=0, target=500,
         weekly=[20, 30, 35, 40, 45, N, 55, 60, 65, 45, 40, 40, 35]),
    dict(code="DISNAKER-01", unit="DISNAKER", priority="P5",
         name="Pencari kerja mengikuti pelatihan berbasis kompetensi", measure="orang",
         kind="sum", polarity="higher", baseline=0, target=300,
         weekly=[N, 20, 20, 20, 20, 15, 20, 20, 25, 25, 30, N, 45]),
    dict(code="DINSOS-01", unit="DINSOS", priority="P6",
         name="Keluarga miskin ekstrem menerima bantuan sosial", measure="KK",
         kind="sum", polarity="higher", baseline=0, target=1500,
         plan=[("2025-03-15", 300)],
         weekly=[50, 120, 150, 110, 120, 130, 140, 120, 140, 130, 140, 110, 60]),
    dict(code="DINSOS-02", unit="DINSOS", priority="P6",
         name="Data Tunggal Sosial Ekonomi Nasional (DTSEN) dimutakhirkan", measure="persen",
         kind="last", polarity="higher", baseline=62, target=100,
         weekly=[63.5, 65.2, 67.0, 69.1, 71.4, 73.0, 76.2, 79.8, 84.0, 87.5, 90.1, 93.4, 95.6]),
    dict(code="DISPERKIMTAN-01", unit="DISPERKIMTAN", priority="P6",
         name="Rumah tidak layak huni (rutilahu) diperbaiki", measure="unit",
         kind="sum", polarity="higher", baseline=0, target=150,
         weekly=[N, N, 5, 6, 8, 7, 8, 9, 9, 12, 15, 18, 16]),
    dict(code="DINKES-01", unit="DINKES", priority="P1", name="Cakupan imunisasi dasar lengkap",
         measure="persen", kind="last", polarity="higher", baseline=72, target=95,
         weekly=[73.1, 74.8, 76.0, 77.9, 79.5, 81.2, 83.0, 85.1, 88.4, 90.0, 92.3, 94.1, 95.4]),
    dict(code="DINKES-02", unit="DINKES", priority="P1",
         name="Layanan Cek Kesehatan Gratis (CKG) dibuka di seluruh puskesmas",
         kind="milestone", polarity="higher", due="2025-03-15",
         weekly=[N, [(3, 0, "Uji coba CKG di 12 puskesmas")],
                 [(3, 1, "CKG berjalan di seluruh puskesmas Kota Bekasi")], N, N, N, N, N, N, N, N, N, N]),
    dict(code="DISDUKCAPIL-01", unit="DISDUKCAPIL", priority="P1", name="Cakupan kepemilikan KTP-el",
         measure="persen", kind="last", polarity="higher", baseline=96.1, target=99,
         weekly=[96.2, 96.4, 96.6, 96.9, 97.1, 97.3, 97.6, 97.9, 98.3, 98.5, 98.7, 99.0, 99.1]),
    dict(code="BAPENDA-01", unit="BAPENDA", priority="P7", name="Realisasi Pendapatan Asli Daerah",
         measure="Rp miliar", kind="sum", polarity="higher", baseline=0, target=900, scale=100,
         weekly=[4835, 7120, 6685, 7410, 6945, 5890, 5230, 7860, 12025, 6840, 7215, 7030, 6155]),
    dict(code="BAPENDA-02", unit="BAPENDA", priority="P7",
         name="Pembayaran pajak daerah melalui QRIS tersedia untuk seluruh jenis pajak",
         kind="milestone", polarity="higher", due="2025-04-01",
         weekly=[N, [(4, 0, "Uji coba pembayaran PBB-P2 melalui QRIS di tiga kecamatan")], N,
                 [(6, 1, "QRIS diluncurkan untuk seluruh jenis pajak daerah")], N, N, N, N, N, N, N, N, N]),
    dict(code="DISHUB-01", unit="DISHUB", priority="P7",
         name="Titik parkir tepi jalan menerapkan pembayaran nontunai", measure="titik",
         kind="sum", polarity="higher", baseline=0, target=40,
         weekly=[1, 2, 3, 2, 3, 1, N, N, N, N, N, N, N]),
    dict(code="DISKOMINFOSTANDI-01", unit="DISKOMINFOSTANDI", priority="P1",
         name="Kanal pengaduan SP4N-LAPOR! terintegrasi dengan aplikasi layanan warga",
         kind="milestone", polarity="higher", due="2025-04-15",
         weekly=[[(4, 0, "Rapat koordinasi integrasi kanal pengaduan")], N, N,
                 [(4, 0, "Penyusunan kebutuhan antarmuka (API) integrasi")],
                 [(5, 0, "Pengembangan modul integrasi pada aplikasi layanan warga")], N,
                 [(4, 0, "Uji coba integrasi tertunda; menunggu akses API dari Kementerian PANRB")],
                 [(5, 0, "Akses API diterima; pengujian internal")], N,
                 [(3, 0, "Uji coba terbatas di 3 kecamatan")],
                 [(4, 0, "Perbaikan hasil uji coba")],
                 [(3, 1, "Kanal pengaduan terintegrasi resmi diluncurkan")], N]),
    dict(code="KEC-BANTARGEBANG-01", unit="KEC-BANTARGEBANG", priority="P3",
         name="RW bebas sampah liar (Kampung Bersih)", measure="RW",
         kind="sum", polarity="higher", baseline=0, target=20,
         weekly=[N, N, N, N, N, N, N, N, N, 2, 3, 4, 3]),
]

# Entries that the verifier returned: (target, period, wrong value, reason). The
# unit sends a corrected entry a few days later.
RETURNED = {
    ("DP3A-01", 4): (10, "jumlah posyandu tidak sesuai berita acara revitalisasi"),
    ("DBMSDA-02", 6): (None, "foto dokumentasi sebelum dan sesudah perbaikan belum dilampirkan"),
    ("DINSOS-01", 8): (None, "data KK penerima belum dipadankan dengan DTSEN"),
    ("DISPERKIMTAN-01", 5): (None, "lokasi rumah belum disertai titik koordinat"),
}

# Entries written in UTC, as one operator's tool does.
UTC_ENTRIES = {("DISKOPUKM-02", 3), ("BAPENDA-01", 7)}


# ---------------------------------------------------------------- notes

def num(v):
    """A number as Indonesian writes it: decimal comma."""
    return f"{v:g}".replace(".", ",")


def note_for(code, value, date, k):
    v = value
    if code == "DP3A-01":
        return f"Revitalisasi {v} posyandu di {kec()} ({rng.choice(['penggantian alat timbang', 'pengecatan dan alat antropometri', 'pelatihan kader', 'penyediaan meja layanan'])})"
    if code == "DP3A-02":
        return f"Peresmian RBRA di {kel()}"
    if code == "SATPOLPP-01":
        return f"Penataan PKL di {rng.choice(STREETS)}"
    if code == "SATPOLPP-02":
        return "Rekap pemantauan ruas jalan protokol bebas PKL"
    if code == "DISDAGPERIN-01":
        return f"Relokasi {v} pedagang ke lokasi binaan {rng.choice(['Pasar Baru Bekasi', 'Pasar Kranji', 'Pasar Bantargebang', 'Pasar Pondok Gede', 'sentra kuliner Harapan Indah'])}"
    if code == "DLH-02":
        day = "Sabtu Bersih" if date.weekday() == 5 else ("Minggu Bersih" if date.weekday() == 6 else "Pembersihan")
        return f"{day}: {v} titik sampah liar di {kel()}"
    if code == "DBMSDA-01":
        return f"Pemantauan titik genangan setelah normalisasi saluran di {kec()}"
    if code == "DBMSDA-02":
        return f"Perbaikan jalan {num(v)} km di {rng.choice(STREETS + ['jalan lingkungan ' + kel()])}"
    if code == "DBMSDA-03":
        return f"Normalisasi saluran {rng.choice(CHANNELS)} sepanjang {num(v)} km"
    if code == "DISKOPUKM-01":
        topic = rng.choice(["pemasaran digital", "pengemasan produk", "laporan keuangan sederhana",
                            "sertifikasi halal", "akses permodalan"])
        return f"Pelatihan {topic} untuk {v} pelaku UMKM di {kec()}"
    if code == "DISKOPUKM-02":
        return f"Fasilitasi NIB melalui OSS untuk {v} pelaku UMKM"
    if code == "DISNAKER-01":
        skill = rng.choice(["barista", "las listrik", "menjahit", "operator komputer", "teknisi AC",
                            "tata boga", "servis sepeda motor"])
        return f"Pelatihan kejuruan {skill} di UPTD Balai Latihan Kerja, {v} peserta"
    if code == "DINSOS-01":
        return f"Penyaluran bantuan sosial kepada {v} KK miskin ekstrem di {kec()}"
    if code == "DINSOS-02":
        return "Pemutakhiran DTSEN melalui musyawarah kelurahan"
    if code == "DISPERKIMTAN-01":
        return f"Perbaikan {v} rutilahu di {kel()}"
    if code == "DINKES-01":
        return "Rekap cakupan imunisasi dasar lengkap dari puskesmas"
    if code == "DISDUKCAPIL-01":
        if date.weekday() == 6:
            return "Perekaman KTP-el jemput bola di Car Free Day Jalan Ahmad Yani"
        return f"Perekaman KTP-el jemput bola di {rng.choice(['sekolah', 'kantor kelurahan', 'panti sosial', 'rumah sakit', 'pusat perbelanjaan'])}"
    if code == "BAPENDA-01":
        return f"Rekapitulasi penerimaan PAD pekan ke-{k}: Rp {num(v)} miliar"
    if code == "DISHUB-01":
        return f"Penerapan pembayaran parkir nontunai di {rng.choice(STREETS)}"
    if code == "KEC-BANTARGEBANG-01":
        return f"Kerja bakti Kampung Bersih di {rng.choice(['Kelurahan Sumur Batu', 'Kelurahan Cikiwul', 'Kelurahan Ciketing Udik', 'Kelurahan Bantargebang'])}"
    return None


# ---------------------------------------------------------------- entries

def split(total, parts):
    """Split a positive integer into `parts` positive integers (fewer when too small)."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0] + cuts + [total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


def activity_days(unit, k, n):
    """n distinct activity dates in period k, weekend days likely for weekend units."""
    days = days_of(k)
    weekend = [d for d in days if d.weekday() >= 5]
    weekday = [d for d in days if d.weekday() < 5]
    chosen = []
    for _ in range(n):
        pool_w = [d for d in weekend if d not in chosen]
        pool_d = [d for d in weekday if d not in chosen]
        if unit in WEEKEND_UNITS and pool_w and rng.random() < 0.45:
            chosen.append(rng.choice(pool_w))
        elif pool_d:
            chosen.append(rng.choice(pool_d))
        else:
            chosen.append(rng.choice(pool_w))
    return sorted(chosen)


def submission(unit, k, date, behaviour):
    """When an entry with activity date `date` in period k is submitted."""
    deadline = PERIODS[k - 1]["deadline"]
    dl_date = deadline.date()
    if behaviour == "o":
        if date.weekday() < 5 and rng.random() < 0.5:
            # Reported on the day, in the afternoon or evening.
            return at(date, rng.randint(14, 20), rng.randrange(0, 60))
        # Weekly batch: the Friday morning before 09:00 (weekend activities always).
        return at(dl_date, rng.randint(6, 8), rng.randrange(0, 56, 1))
    if behaviour == "l":
        return at(dl_date, rng.randint(9, 15), rng.randrange(5, 60))
    if behaviour == "L":
        return at(dl_date + dt.timedelta(days=3), rng.randint(8, 14), rng.randrange(0, 60))
    raise ValueError(behaviour)


def status_for(moment):
    """Verifiers are behind in the last weeks: the final week is not verified yet."""
    if moment >= at(dt.date(2025, 5, 19), 0, 0):
        return "submitted"
    if moment >= at(dt.date(2025, 5, 12), 0, 0):
        return "submitted" if verify_rng.random() < 0.5 else "verified"
    return "verified"


def fmt_value(units, scale):
    if scale == 1:
        return units
    return round(units / scale, 2)


def build_entries():
    entries = []
    for t in TARGETS:
        unit = t["unit"]
        scale = t.get("scale", 1)
        for k in range(1, 14):
            w = t["weekly"][k - 1]
            behaviour = BEHAVIOUR[unit][k - 1]
            if w is None:
                continue
            assert behaviour in "olL", (t["code"], k, behaviour)
            if t["kind"] == "sum":
                n = 1 if w < 3 else rng.choice([1, 2, 2, 3])
                if t["code"] == "BAPENDA-01":
                    n = 1
                parts = split(w, n)
                if t["code"] == "BAPENDA-01":
                    dates = [PERIODS[k - 1]["end"]]
                else:
                    dates = activity_days(unit, k, len(parts))
                items = list(zip(dates, parts))
            elif t["kind"] == "last":
                days = [d for d in days_of(k) if d.weekday() < 5] or days_of(k)
                if unit in WEEKEND_UNITS and rng.random() < 0.35:
                    days = [d for d in days_of(k) if d.weekday() >= 5] or days
                items = [(rng.choice(days), w)]
            else:
                items = [(days_of(k)[off], val) for off, val, _ in w]
            for i, (date, val) in enumerate(items):
                moment = submission(unit, k, date, behaviour)
                if t["kind"] == "milestone":
                    note = w[i][2]
                    value = val
                else:
                    value = fmt_value(val, scale)
                    note = note_for(t["code"], value, date, k)
                e = {"target": t["code"], "activity_date": date, "moment": moment,
                     "utc": (t["code"], k) in UTC_ENTRIES and i == 0,
                     "value": value, "status": status_for(moment), "note": note}
                if i == 0 and (t["code"], k) in RETURNED:
                    wrong, reason = RETURNED[(t["code"], k)]
                    returned = dict(e)
                    if wrong is not None:
                        returned["value"] = fmt_value(wrong, scale)
                    returned["status"] = "returned"
                    returned["note"] = f"Dikembalikan verifikator: {reason}"
                    entries.append(returned)
                    fixed = moment + dt.timedelta(days=rng.randint(2, 4))
                    e["moment"] = at(fixed.date(), rng.randint(9, 15), rng.randrange(0, 60))
                    e["status"] = status_for(e["moment"])
                    e["note"] = f"Dikirim ulang setelah dikembalikan: {note}"
                entries.append(e)
    return entries


def build_nil_reports():
    nils = []
    for unit, behaviour in BEHAVIOUR.items():
        for k, b in enumerate(behaviour, start=1):
            if b not in "nN":
                continue
            p = PERIODS[k - 1]
            date = p["start"] + dt.timedelta(days=rng.randint(0, (p["end"] - p["start"]).days))
            dl = p["deadline"]
            if b == "n":
                moment = at(dl.date(), rng.randint(7, 8), rng.randrange(0, 56))
            else:
                moment = at(dl.date() + dt.timedelta(days=rng.randint(1, 4)), rng.randint(9, 15), rng.randrange(0, 60))
            nils.append({"unit": unit, "date": date, "moment": moment,
                         "reason": NIL_REASONS[unit][k]})
    return nils


# ---------------------------------------------------------------- budgets

# Pagu in rupiah and how far each unit keeps to its disbursement plan.
BUDGET_UNITS = [
    ("DISDIK", 1_284_650_000_000, 0.64), ("DINKES", 512_300_000_000, 0.80),
    ("RSUD", 410_750_000_000, 0.95), ("DBMSDA", 685_420_000_000, 0.50),
    ("DLH", 298_600_000_000, 0.68), ("SETDA", 245_800_000_000, 0.92),
    ("BPKAD", 186_900_000_000, 0.85), ("DINSOS", 96_450_000_000, 0.97),
    ("DISPERKIMTAN", 248_300_000_000, 0.45), ("SATPOLPP", 78_900_000_000, 0.94),
    ("DISHUB", 112_600_000_000, 0.58), ("DP3A", 24_750_000_000, 0.96),
    ("DISDAGPERIN", 41_200_000_000, 0.62), ("DISKOPUKM", 28_350_000_000, 0.99),
    ("DISNAKER", 22_800_000_000, 0.80), ("DISDUKCAPIL", 38_650_000_000, 0.98),
    ("BAPENDA", 92_400_000_000, 0.93), ("DISKOMINFOSTANDI", 64_300_000_000, 0.72),
    ("DAMKAR", 71_500_000_000, 0.90), ("KEC-BANTARGEBANG", 18_900_000_000, 0.70),
]
# Pagu written as strings of digits (both forms are accepted).
PAGU_AS_STRING = {"DISDIK", "RSUD"}
# Anggaran kas: share of the pagu planned per month (percent, sums to 100).
PLAN_WEIGHTS = [2, 4, 5, 6, 7, 8, 8, 9, 9, 10, 12, 20]
# Realised spending lags the plan most in the first quarter.
LAG = [0.85, 0.9, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05]
REGION_ABSORPTION_OCT = (5070, 10000)  # 50.70% of the total pagu by the end of October


def build_budgets():
    budgets = []
    for unit, pagu, keep in BUDGET_UNITS:
        planned = [pagu * w // 100 // 1000 * 1000 for w in PLAN_WEIGHTS[:-1]]
        planned.append(pagu - sum(planned))
        realised = []
        for m in range(10):
            noise = rng.uniform(0.85, 1.15)
            realised.append(int(planned[m] * keep * LAG[m] * noise) // 1000 * 1000)
        budgets.append({"unit": unit, "pagu": pagu, "planned": planned, "realised": realised})
    # Scale realised spending so that the region absorbs exactly 50.70% by October.
    total_pagu = sum(b["pagu"] for b in budgets)
    want = total_pagu * REGION_ABSORPTION_OCT[0] // REGION_ABSORPTION_OCT[1]
    have = sum(sum(b["realised"]) for b in budgets)
    for b in budgets:
        b["realised"] = [r * want // have // 1000 * 1000 for r in b["realised"]]
    gap = want - sum(sum(b["realised"]) for b in budgets)
    budgets[0]["realised"][9] += gap  # Disdik's October closes the gap
    out = []
    for b in budgets:
        assert sum(b["planned"]) == b["pagu"]
        assert sum(b["realised"]) <= b["pagu"] and min(b["realised"]) >= 0
        months = []
        cum = 0
        physical = 0.0
        for m in range(12):
            month = {"month": m + 1, "planned": b["planned"][m]}
            if m < 10:
                cum += b["realised"][m]
                month["realised"] = b["realised"][m]
                target_physical = min(100.0, cum * 100 / b["pagu"] + rng.uniform(1.5, 7.5))
                physical = max(physical, round(target_physical, 1))
                month["physical_pct"] = physical
            months.append(month)
        pagu = str(b["pagu"]) if b["unit"] in PAGU_AS_STRING else b["pagu"]
        if b["unit"] == "RSUD":
            months[0]["planned"] = str(months[0]["planned"])
        out.append({"unit": b["unit"], "year": 2025, "pagu": pagu, "months": months})
    return out


# ---------------------------------------------------------------- assemble

def main():
    entries = build_entries()
    nils = build_nil_reports()
    budgets = build_budgets()

    target_order = {t["code"]: i for i, t in enumerate(TARGETS)}
    entries.sort(key=lambda e: (e["activity_date"], target_order[e["target"]], e["moment"]))
    nils.sort(key=lambda n: (n["date"], n["unit"]))

    for e in entries:
        assert START <= e["activity_date"] <= END
        assert e["moment"] >= at(e["activity_date"], 0, 0)

    targets_out = []
    for t in TARGETS:
        out = {"code": t["code"], "unit": t["unit"], "priority": t["priority"], "name": t["name"]}
        if "measure" in t:
            out["measure"] = t["measure"]
        out["kind"] = t["kind"]
        out["polarity"] = t["polarity"]
        if t["kind"] != "milestone":
            out["baseline"] = t["baseline"]
            out["target"] = t["target"]
        else:
            out["due"] = t["due"]
        if "plan" in t:
            out["plan"] = [{"date": d, "value": v} for d, v in t["plan"]]
        targets_out.append(out)

    bundle = {
        "format": "pantau-bundle/1",
        "note": "Illustrative sample data modelled on public news reports; not official figures.",
        "region": {"code": "3275", "name": "Kota Bekasi", "timezone": "Asia/Jakarta"},
        "clusters": [{"code": c, "name": n} for c, n in CLUSTERS],
        "units": [{"code": c, "name": n, "cluster": cl} for c, n, cl in UNITS],
        "priorities": [{"code": c, "name": n} for c, n in PRIORITIES],
        "programs": [{
            "code": "100HK",
            "name": "Program 100 Hari Kerja",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "evaluation_weekday": "friday",
            "deadline_time": "09:00",
            "final_deadline": fmt_moment(FINAL_DEADLINE),
            "thresholds": {"on_track": 0.9, "at_risk": 0.7},
            "targets": targets_out,
            "entries": [{
                "target": e["target"],
                "activity_date": e["activity_date"].isoformat(),
                "submitted_at": fmt_moment(e["moment"], e["utc"]),
                "value": e["value"],
                "status": e["status"],
                **({"note": e["note"]} if e["note"] else {}),
            } for e in entries],
            "nil_reports": [{
                "unit": n["unit"],
                "date": n["date"].isoformat(),
                "submitted_at": fmt_moment(n["moment"]),
                "reason": n["reason"],
            } for n in nils],
        }],
        "budget_flag_margin": 10,
        "budgets": budgets,
    }
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))


if __name__ == "__main__":
    main()
