"""Static reference tables the demo world draws from.

Kept apart from the generator so the values a reviewer may want to check against the real
regulations (KBLI risk levels, NJKB values, plate letters) sit in one readable place.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Risk = Literal["R", "MR", "MT", "T"]
Golongan = Literal["SEPEDA_MOTOR", "MOBIL_PRIBADI", "BUS_PRIBADI"]

#: Regency/city code -> TNKB region letters. 1271 is Kota Medan in the Kemendagri table
#: (1275 is Kota Binjai). Polda Metro Jaya's area (Jakarta's five administrative cities,
#: Bekasi, Depok and Tangerang) all carry ``B``, whichever province taxes the vehicle.
REGENCY_PLATES: dict[str, str] = {
    "3171": "B",
    "3172": "B",
    "3173": "B",
    "3174": "B",
    "3175": "B",
    "3273": "D",
    "3271": "F",
    "3471": "AB",
    "1471": "BM",
    "3578": "L",
    "3374": "H",
    "5171": "DK",
    "7371": "DD",
    "1271": "BK",
    "3275": "B",
    "3216": "B",
    "3276": "B",
    "3671": "B",
    "3603": "B",
    "3674": "B",
}

#: On a ``B`` plate the first suffix letter tells the regency that registered the vehicle
#: (Korlantas/Polda Metro Jaya practice under the TNKB rules, Perkapolri 5/2012, later
#: Perpol 7/2021): it is how a ``B`` vehicle's taxing province (DKI Jakarta, West Java or
#: Banten) can be told from its plate. Where two SAMSAT offices serve one regency each has
#: its own letter (Kota Tangerang C and V for Ciledug; Kabupaten Tangerang G for Tigaraksa
#: and N for BSD; Depok E east and Z west). Sources: otomotifnet.gridoto.com "tiga huruf
#: terakhir pelat nomor" and metro.sindonews.com (25 Oct 2020) list these letters.
SUFFIX_LETTERS: dict[str, tuple[str, ...]] = {
    "3171": ("P",),
    "3172": ("U",),
    "3173": ("B",),
    "3174": ("S",),
    "3175": ("T",),
    "3275": ("K",),
    "3216": ("F",),
    "3276": ("E", "Z"),
    "3671": ("C", "V"),
    "3603": ("G", "N"),
    "3674": ("W",),
}

#: Jakarta's administrative cities only; kept for readers of the older name.
JAKARTA_SUFFIX_LETTER: dict[str, str] = {
    code: letters[0] for code, letters in SUFFIX_LETTERS.items() if code.startswith("31")
}


@dataclass(frozen=True, slots=True)
class Kbli:
    """A KBLI 2020 code with the single risk level the simulator assigns to it.

    Real OSS risk also depends on scale and parameters (land area, capacity); one level per
    code is enough to exercise every licensing path.
    """

    code: str
    title: str
    risk: Risk
    shop_label: str


KBLI_TABLE: tuple[Kbli, ...] = (
    Kbli(
        "47111",
        "PERDAGANGAN ECERAN YANG UTAMANYA MAKANAN, MINUMAN ATAU TEMBAKAU DI "
        "MINIMARKET/SUPERMARKET/HYPERMARKET",
        "R",
        "MINIMARKET",
    ),
    Kbli(
        "47112",
        "PERDAGANGAN ECERAN YANG UTAMANYA MAKANAN, MINUMAN ATAU TEMBAKAU BUKAN DI "
        "MINIMARKET/SUPERMARKET/HYPERMARKET (TRADISIONAL)",
        "R",
        "TOKO KELONTONG",
    ),
    Kbli("56102", "RUMAH/WARUNG MAKAN", "R", "WARUNG MAKAN"),
    Kbli("56103", "KEDAI MAKANAN", "R", "KEDAI"),
    Kbli("62019", "AKTIVITAS PEMROGRAMAN KOMPUTER LAINNYA", "R", "STUDIO DIGITAL"),
    Kbli("73100", "PERIKLANAN", "R", "JASA IKLAN"),
    Kbli("14111", "INDUSTRI PAKAIAN JADI (KONVEKSI) DARI TEKSTIL", "R", "KONVEKSI"),
    Kbli("45405", "REPARASI DAN PERAWATAN SEPEDA MOTOR", "R", "BENGKEL MOTOR"),
    Kbli(
        "47911",
        "PERDAGANGAN ECERAN MELALUI MEDIA UNTUK KOMODITI MAKANAN, MINUMAN, TEMBAKAU, "
        "KIMIA, FARMASI, KOSMETIK DAN ALAT LABORATORIUM",
        "R",
        "OLSHOP",
    ),
    Kbli("56101", "RESTORAN", "MR", "RESTORAN"),
    Kbli("56303", "RUMAH MINUM/KAFE", "MR", "KEDAI KOPI"),
    Kbli("10710", "INDUSTRI PRODUK ROTI DAN KUE", "MR", "TOKO ROTI"),
    Kbli("45201", "REPARASI DAN PERAWATAN MOBIL", "MR", "BENGKEL MOBIL"),
    Kbli("79120", "AKTIVITAS BIRO PERJALANAN WISATA", "MR", "BIRO PERJALANAN"),
    Kbli("55110", "HOTEL BINTANG", "MT", "HOTEL"),
    Kbli("41011", "KONSTRUKSI GEDUNG HUNIAN", "MT", "KONTRAKTOR"),
    Kbli("52101", "PERGUDANGAN DAN PENYIMPANAN", "MT", "GUDANG"),
    Kbli("86105", "AKTIVITAS KLINIK SWASTA", "T", "KLINIK"),
    Kbli(
        "47772", "PERDAGANGAN ECERAN BARANG DAN OBAT FARMASI UNTUK MANUSIA DI APOTIK", "T", "APOTEK"
    ),
    Kbli("35101", "PEMBANGKITAN TENAGA LISTRIK", "T", "PEMBANGKIT"),
    Kbli("05100", "PERTAMBANGAN BATU BARA", "T", "TAMBANG"),
)

KBLI_BY_CODE: dict[str, Kbli] = {k.code: k for k in KBLI_TABLE}


@dataclass(frozen=True, slots=True)
class VehicleModel:
    """A make/model as the SAMSAT NJKB table lists it (NJKB of a recent model year)."""

    make: str
    model: str
    jenis: str
    golongan: Golongan
    cc: int
    njkb: int
    bobot: Decimal


_ONE = Decimal("1.000")
#: Goods vehicles carry a heavier weight coefficient than passenger cars.
_GOODS = Decimal("1.300")

CARS: tuple[VehicleModel, ...] = (
    VehicleModel("TOYOTA", "AVANZA 1.3 G MT", "MINIBUS", "MOBIL_PRIBADI", 1329, 172_500_000, _ONE),
    VehicleModel(
        "TOYOTA", "KIJANG INNOVA 2.0 G AT", "MINIBUS", "MOBIL_PRIBADI", 1998, 290_000_000, _ONE
    ),
    VehicleModel("TOYOTA", "CALYA 1.2 G MT", "MINIBUS", "MOBIL_PRIBADI", 1197, 135_000_000, _ONE),
    VehicleModel("TOYOTA", "FORTUNER 2.4 VRZ AT", "JEEP", "MOBIL_PRIBADI", 2393, 480_000_000, _ONE),
    VehicleModel("DAIHATSU", "XENIA 1.3 R MT", "MINIBUS", "MOBIL_PRIBADI", 1329, 165_000_000, _ONE),
    VehicleModel("DAIHATSU", "SIGRA 1.2 R MT", "MINIBUS", "MOBIL_PRIBADI", 1197, 130_000_000, _ONE),
    VehicleModel("HONDA", "BRIO SATYA E CVT", "MINIBUS", "MOBIL_PRIBADI", 1199, 150_000_000, _ONE),
    VehicleModel("HONDA", "HR-V 1.5 SE CVT", "JEEP", "MOBIL_PRIBADI", 1498, 330_000_000, _ONE),
    VehicleModel(
        "HONDA", "CIVIC 1.5 TURBO RS CVT", "SEDAN", "MOBIL_PRIBADI", 1498, 480_000_000, _ONE
    ),
    VehicleModel(
        "MITSUBISHI", "XPANDER ULTIMATE CVT", "MINIBUS", "MOBIL_PRIBADI", 1499, 250_000_000, _ONE
    ),
    VehicleModel("SUZUKI", "ERTIGA GX MT", "MINIBUS", "MOBIL_PRIBADI", 1462, 195_000_000, _ONE),
    VehicleModel("HYUNDAI", "CRETA PRIME IVT", "JEEP", "MOBIL_PRIBADI", 1497, 330_000_000, _ONE),
    VehicleModel(
        "SUZUKI", "CARRY PICK UP 1.5 FD", "PICK UP", "MOBIL_PRIBADI", 1462, 130_000_000, _GOODS
    ),
    VehicleModel(
        "TOYOTA", "HIACE PREMIO 2.8 MT", "MICROBUS", "BUS_PRIBADI", 2755, 520_000_000, _ONE
    ),
)

MOTORCYCLES: tuple[VehicleModel, ...] = (
    VehicleModel("HONDA", "BEAT CBS", "SEPEDA MOTOR", "SEPEDA_MOTOR", 110, 15_000_000, _ONE),
    VehicleModel("HONDA", "SCOOPY STYLISH", "SEPEDA MOTOR", "SEPEDA_MOTOR", 110, 18_500_000, _ONE),
    VehicleModel("HONDA", "VARIO 125 CBS", "SEPEDA MOTOR", "SEPEDA_MOTOR", 125, 19_500_000, _ONE),
    VehicleModel("HONDA", "PCX 160 CBS", "SEPEDA MOTOR", "SEPEDA_MOTOR", 157, 28_000_000, _ONE),
    VehicleModel(
        "YAMAHA", "NMAX 155 CONNECTED", "SEPEDA MOTOR", "SEPEDA_MOTOR", 155, 27_000_000, _ONE
    ),
    VehicleModel("YAMAHA", "AEROX 155", "SEPEDA MOTOR", "SEPEDA_MOTOR", 155, 24_000_000, _ONE),
    VehicleModel("YAMAHA", "MIO M3 125", "SEPEDA MOTOR", "SEPEDA_MOTOR", 125, 14_500_000, _ONE),
    VehicleModel("SUZUKI", "NEX II", "SEPEDA MOTOR", "SEPEDA_MOTOR", 113, 14_000_000, _ONE),
    VehicleModel("KAWASAKI", "NINJA 250 SE", "SEPEDA MOTOR", "SEPEDA_MOTOR", 249, 60_000_000, _ONE),
    VehicleModel("HONDA", "CB500X", "SEPEDA MOTOR", "SEPEDA_MOTOR", 471, 110_000_000, _ONE),
)

COLORS: tuple[str, ...] = ("HITAM", "PUTIH", "SILVER", "ABU-ABU", "MERAH", "BIRU", "COKLAT")

OCCUPATIONS_ADULT: tuple[str, ...] = (
    "KARYAWAN SWASTA",
    "WIRASWASTA",
    "PEDAGANG",
    "PEGAWAI NEGERI SIPIL (PNS)",
    "GURU",
    "BURUH HARIAN LEPAS",
    "SOPIR",
    "DOKTER",
    "PERAWAT",
    "KARYAWAN BUMN",
)

BIRTH_PLACES_ELSEWHERE: tuple[str, ...] = (
    "PADANG",
    "PALEMBANG",
    "MALANG",
    "SURAKARTA",
    "CIREBON",
    "TASIKMALAYA",
    "BALIKPAPAN",
    "PONTIANAK",
    "BANJARMASIN",
    "MANADO",
    "KUPANG",
    "AMBON",
    "JAMBI",
    "LAMPUNG",
    "KEDIRI",
)

BUSINESS_WORDS: tuple[str, ...] = (
    "MAJU",
    "JAYA",
    "SEJAHTERA",
    "ABADI",
    "MAKMUR",
    "SENTOSA",
    "KARYA",
    "MANDIRI",
    "BERKAH",
    "SUMBER",
    "REJEKI",
    "NUSANTARA",
    "INDAH",
    "PRIMA",
    "GEMILANG",
    "CAHAYA",
    "BERSAMA",
    "LESTARI",
    "SINAR",
    "MULIA",
    "UTAMA",
    "PERKASA",
)

#: Balinese birth-order names, used for Hindu citizens of Denpasar.
BALI_BIRTH_NAMES: tuple[str, ...] = ("PUTU", "MADE", "KADEK", "NYOMAN", "KETUT", "WAYAN", "KOMANG")
