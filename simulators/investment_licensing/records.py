"""OSS's register of businesses in its wire shape (USAHA), serialised once per record version.

A list page is a join of ready-made bytes; a write re-serialises only the records it changes.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from simulators.world import Activity, Address, Business, Permit


def millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _permit(permit: Permit) -> dict[str, Any]:
    return {
        "jenis_izin": permit.kind,
        "nomor": permit.number,
        "status": permit.status,
        "tgl_terbit": millis(permit.issued_at),
        "keterangan": permit.note,
    }


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "kode_kbli": activity.kbli.code,
        "judul_kbli": activity.kbli.title,
        "kd_resiko": activity.kbli.risk,
        "perizinan": [_permit(p) for p in activity.permits],
    }


def usaha(business: Business) -> dict[str, Any]:
    """One business in OSS's USAHA shape."""
    village = business.address.village
    return {
        "nib": business.nib,
        "nama_usaha": business.name,
        "jenis_pelaku_usaha": business.owner_kind,
        "nik_pemilik": business.owner_nik,
        "npwp": business.npwp,
        "skala_usaha": business.scale,
        "alamat_usaha": {
            "alamat": business.address.street,
            "kd_prop": village.province_code,
            "kd_kab": village.regency_code,
            "kd_kec": village.district_code,
            "kd_kel": village.village_code,
        },
        "tgl_terbit_nib": millis(business.issued_at),
        "kbli": [_activity(a) for a in business.activities],
    }


class Directory:
    """One app's businesses: by NIB, and each owner's NIBs in the order OSS registered them."""

    def __init__(self, businesses: Iterable[Business]) -> None:
        self._businesses: dict[str, Business] = {}
        self.records: dict[str, bytes] = {}
        self._nibs_of: defaultdict[str, list[str]] = defaultdict(list)
        for business in sorted(businesses, key=lambda b: (b.issued_at, b.nib)):
            self.add(business)

    def __contains__(self, nib: str) -> bool:
        return nib in self._businesses

    def _store(self, business: Business) -> None:
        self._businesses[business.nib] = business
        self.records[business.nib] = json.dumps(usaha(business)).encode()

    def get(self, nib: str) -> Business:
        return self._businesses[nib]

    def replace(self, business: Business) -> None:
        """A new version of a business already registered (a permit decided)."""
        self._store(business)

    def add(self, business: Business) -> None:
        self._store(business)
        self._nibs_of[business.owner_nik].append(business.nib)

    def of_owner(self, nik: str) -> list[bytes]:
        return [self.records[nib] for nib in self._nibs_of.get(nik, ())]

    def move_owner(self, nik: str, address: Address) -> int:
        """Moves the individual (UMK) businesses of ``nik``; companies keep their own seat."""
        moved = 0
        for nib in self._nibs_of.get(nik, ()):
            business = self._businesses[nib]
            if business.owner_kind == "UMK_PERORANGAN":
                self._store(replace(business, address=address))
                moved += 1
        return moved
