"""Where an agency instance has authority, and which regions a request's key points to.

A jurisdiction is national (no regions) or a set of Kemendagri codes: provinces (`32`) or
regencies and cities (`3275`). A request's key (a plate, a village code) becomes candidate
regions; the router then picks the instances whose jurisdiction covers them, the most specific
first, so a regency office would win over its province's, and a province's over a national one.

The plate rule follows the TNKB region letters of Polri's registration regulation (Perkapolri
5/2012, carried on by Perpol 7/2021). The letters name the police region, not always the
province that taxes the vehicle: Polda Metro Jaya registers `B` plates for Jakarta and for its
neighbours in West Java (Bekasi, Depok) and Banten (Tangerang), and the first suffix letter
names the registering regency. PKB is owed to the province of registration (UU 1/2022 art. 4),
so a `B ... K..` car of Kota Bekasi pays West Java, not Jakarta.
"""

from dataclasses import dataclass

from lokal.wilayah import wilayah_name

#: Plate region letters -> provinces whose SAMSAT registers them. Where a code is shared by
#: provinces split off from one another (Papua 2022, North Kalimantan 2012), every successor is
#: a candidate: the plate alone does not decide.
PLATE_PROVINCES: dict[str, tuple[str, ...]] = {
    "BL": ("11",),
    "BB": ("12",),
    "BK": ("12",),
    "BA": ("13",),
    "BM": ("14",),
    "BH": ("15",),
    "BG": ("16",),
    "BD": ("17",),
    "BE": ("18",),
    "BN": ("19",),
    "BP": ("21",),
    "A": ("36",),
    "D": ("32",),
    "E": ("32",),
    "F": ("32",),
    "T": ("32",),
    "Z": ("32",),
    "G": ("33",),
    "H": ("33",),
    "K": ("33",),
    "R": ("33",),
    "AA": ("33",),
    "AD": ("33",),
    "AB": ("34",),
    "L": ("35",),
    "M": ("35",),
    "N": ("35",),
    "P": ("35",),
    "S": ("35",),
    "W": ("35",),
    "AE": ("35",),
    "AG": ("35",),
    "DK": ("51",),
    "DR": ("52",),
    "EA": ("52",),
    "DH": ("53",),
    "EB": ("53",),
    "ED": ("53",),
    "KB": ("61",),
    "KH": ("62",),
    "DA": ("63",),
    "KT": ("64", "65"),
    "KU": ("65",),
    "DB": ("71",),
    "DL": ("71",),
    "DN": ("72",),
    "DD": ("73",),
    "DP": ("73",),
    "DT": ("74",),
    "DM": ("75",),
    "DC": ("76",),
    "DE": ("81",),
    "DG": ("82",),
    "PA": ("91", "93", "94", "95"),
    "DS": ("91", "93", "94", "95"),
    "PG": ("91", "93", "94", "95"),
    "PT": ("91", "93", "94", "95"),
    "PB": ("92", "96"),
}

#: First suffix letter of a Polda Metro Jaya `B` plate -> the registering regency or city.
METRO_JAYA_SUFFIX: dict[str, str] = {
    "P": "3171",  # Jakarta Pusat
    "U": "3172",  # Jakarta Utara
    "B": "3173",  # Jakarta Barat
    "S": "3174",  # Jakarta Selatan
    "T": "3175",  # Jakarta Timur
    "C": "3671",  # Kota Tangerang
    "V": "3671",  # Kota Tangerang (SAMSAT Ciledug)
    "G": "3603",  # Kabupaten Tangerang (SAMSAT Tigaraksa)
    "N": "3603",  # Kabupaten Tangerang (SAMSAT BSD)
    "W": "3674",  # Kota Tangerang Selatan
    "E": "3276",  # Kota Depok
    "Z": "3276",  # Kota Depok
    "F": "3216",  # Kabupaten Bekasi
    "K": "3275",  # Kota Bekasi
}
#: A `B` plate whose suffix names no regency could be any of Polda Metro Jaya's provinces.
METRO_JAYA_PROVINCES = ("31", "32", "36")


def plate_regions(plate_number: str) -> tuple[str, ...]:
    """Candidate regions (most specific known) that tax a normalised plate (`B 1234 KXY`)."""
    region, _, rest = plate_number.partition(" ")
    suffix = rest.partition(" ")[2]
    if region == "B":
        regency = METRO_JAYA_SUFFIX.get(suffix[:1])
        return (regency,) if regency else METRO_JAYA_PROVINCES
    return PLATE_PROVINCES.get(region, ())


def region_name(code: str) -> str | None:
    """The Kemendagri name of a province (`32`) or regency (`3275`) code; None if unknown."""
    if len(code) == 2 and code.isdigit():
        return wilayah_name(code)
    if len(code) == 4 and code.isdigit():
        return wilayah_name(f"{code[:2]}.{code[2:]}")
    return None


def describe_regions(codes: tuple[str, ...] | frozenset[str]) -> str:
    """`province 94 (Papua Tengah)`, for problems a person reads."""
    named = []
    for code in sorted(codes):
        level = "province" if len(code) == 2 else "regency"
        name = region_name(code)
        named.append(f"{level} {code} ({name})" if name else f"{level} {code}")
    return ", ".join(named)


@dataclass(frozen=True)
class Jurisdiction:
    """National when `regions` is empty; otherwise the provinces and regencies served."""

    regions: frozenset[str] = frozenset()

    @property
    def national(self) -> bool:
        return not self.regions

    def specificity(self, region: str) -> int | None:
        """How closely this jurisdiction covers `region`: 2 the regency itself, 1 its
        province, 0 nationally; None when it does not cover it at all."""
        if region in self.regions:
            return 2 if len(region) == 4 else 1
        if region[:2] in self.regions:
            return 1
        return 0 if self.national else None

    def as_list(self) -> list[str]:
        return sorted(self.regions)


NATIONAL = Jurisdiction()
