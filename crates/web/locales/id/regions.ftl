# The supervisor's (pembina's) pages: the regions below.
nav-regions = Wilayah binaan
regions-title = Wilayah binaan
regions-up = ← Wilayah di atasnya
regions-read-only = Hanya baca: pembina melihat angka wilayah di bawahnya dan tidak mengubah apa pun.
regions-search = Cari nama atau kode
regions-sort = Urutkan menurut
regions-name = Nama
regions-region = Wilayah
regions-absorption = Serapan anggaran
regions-none = Tidak ada wilayah terdaftar di bawah wilayah ini yang cocok.
regions-all-programs = Semua program kab/kota-nya
