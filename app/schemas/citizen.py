"""The canonical citizen: what the civil registry knows, in the gateway's own words."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class MaritalStatus(StrEnum):
    SINGLE = "single"
    MARRIED = "married"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


class FamilyRelationship(StrEnum):
    HEAD = "head"
    WIFE = "wife"
    HUSBAND = "husband"
    CHILD = "child"
    PARENT = "parent"
    OTHER = "other"


class Region(BaseModel):
    code: str = Field(description="Kemendagri region code, dotted.", examples=["31.71.07.1003"])
    name: str


class Address(BaseModel):
    street: str
    rt: str = Field(description="Rukun tetangga (neighbourhood unit), 3 digits.")
    rw: str = Field(description="Rukun warga (community unit), 3 digits.")
    village: Region = Field(description="Kelurahan or desa.")
    district: Region = Field(description="Kecamatan.")
    regency: Region = Field(description="Kabupaten or kota.")
    province: Region


_FULL = " Withheld (null) unless the client has `identity:full`."


class Identity(BaseModel):
    """The KTP-el fields, as the civil registry released them. A client with `identity:read`
    alone gets the name, the address and whether the citizen is alive; the other fields are
    null and listed in the profile's `withheld`."""

    nik: str
    full_name: str
    address: Address
    deceased: bool
    date_of_death: dt.date | None = None
    family_card_number: str | None = Field(
        default=None, description="Nomor KK of the family card the citizen is on." + _FULL
    )
    place_of_birth: str | None = Field(default=None, description=_FULL.strip())
    date_of_birth: dt.date | None = Field(default=None, description=_FULL.strip())
    sex: Sex | None = Field(default=None, description=_FULL.strip())
    blood_type: str | None = Field(
        default=None, description="A, B, AB or O; null when unknown." + _FULL
    )
    religion: str | None = Field(default=None, description=_FULL.strip())
    marital_status: MaritalStatus | None = Field(default=None, description=_FULL.strip())
    occupation: str | None = Field(default=None, description=_FULL.strip())
    citizenship: str | None = Field(default=None, examples=["WNI"], description=_FULL.strip())
    family_relationship: FamilyRelationship | None = Field(default=None, description=_FULL.strip())
    id_card_valid_until: dt.date | None = Field(
        default=None, description="Null means valid for life, as every KTP-el now is." + _FULL
    )


BASIC_IDENTITY_FIELDS = frozenset({"nik", "full_name", "address", "deceased", "date_of_death"})


class FamilyMember(BaseModel):
    nik: str
    full_name: str
    relationship: FamilyRelationship
    sex: Sex
    place_of_birth: str
    date_of_birth: dt.date
    deceased: bool


class Family(BaseModel):
    family_card_number: str
    head_name: str
    members: list[FamilyMember]
