"""The community satisfaction index (Survei Kepuasan Masyarakat), exactly as PermenPANRB
14/2017 computes it.

Each of the nine elements (unsur) is averaged over the respondents who answered (nilai
rata-rata, NRR); every element weighs the same, 1/9 (the regulation writes the weight as
0,11 and practitioners as 0.111; the exact ninth is what keeps the scale at 25-100); the
unit's index is the weighted sum, on the 1-4 scale, and the published index is that sum
times 25. The grade follows the regulation's table of intervals:

| 1-4 scale       | 25-100 scale   | grade | mutu pelayanan |
|-----------------|----------------|-------|----------------|
| 1.0000 - 2.5996 | 25.00 - 64.99  | D     | tidak baik     |
| 2.6000 - 3.0640 | 65.00 - 76.60  | C     | kurang baik    |
| 3.0644 - 3.5320 | 76.61 - 88.30  | B     | baik           |
| 3.5324 - 4.0000 | 88.31 - 100.00 | A     | sangat baik    |

Exact fractions are kept to the end and rounded half up only for publication (means to two
decimals, the 1-4 index to four, the converted index to two), and the grade is read from the
published converted index, as an agency reading its own report would.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Element:
    field: str
    code: str
    name_id: str
    name_en: str


ELEMENTS: tuple[Element, ...] = (
    Element("requirements", "U1", "Persyaratan", "Requirements"),
    Element(
        "procedure",
        "U2",
        "Sistem, mekanisme, dan prosedur",
        "Systems, mechanisms and procedures",
    ),
    Element("completion_time", "U3", "Waktu penyelesaian", "Completion time"),
    Element("fee", "U4", "Biaya/tarif", "Fees and tariffs"),
    Element("product", "U5", "Produk spesifikasi jenis pelayanan", "Product specification"),
    Element("staff_competence", "U6", "Kompetensi pelaksana", "Staff competence"),
    Element("staff_behaviour", "U7", "Perilaku pelaksana", "Staff behaviour"),
    Element(
        "complaint_handling",
        "U8",
        "Penanganan pengaduan, saran dan masukan",
        "Handling of complaints, suggestions and feedback",
    ),
    Element("facilities", "U9", "Sarana dan prasarana", "Facilities"),
)
WEIGHT = Fraction(1, len(ELEMENTS))
CONVERSION = 25


@dataclass(frozen=True)
class Grade:
    letter: str
    name_id: str
    name_en: str
    lowest: Decimal


GRADES: tuple[Grade, ...] = (
    Grade("A", "Sangat baik", "Very good", Decimal("88.31")),
    Grade("B", "Baik", "Good", Decimal("76.61")),
    Grade("C", "Kurang baik", "Poor", Decimal("65.00")),
    Grade("D", "Tidak baik", "Very poor", Decimal("25.00")),
)


def published(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def grade_of(converted: Decimal) -> Grade:
    return next(grade for grade in GRADES if converted >= grade.lowest)


@dataclass(frozen=True)
class ElementResult:
    element: Element
    mean: Decimal
    weighted: Decimal
    grade: Grade


@dataclass(frozen=True)
class SatisfactionIndex:
    respondents: int
    elements: tuple[ElementResult, ...]
    index: Decimal
    converted: Decimal
    grade: Grade


def satisfaction_index(responses: Sequence[Mapping[str, int]]) -> SatisfactionIndex | None:
    """None without respondents: an index of nobody's answers is not zero, it is absent."""
    if not responses:
        return None
    means = {
        e.field: Fraction(sum(r[e.field] for r in responses), len(responses)) for e in ELEMENTS
    }
    index = sum((mean * WEIGHT for mean in means.values()), Fraction(0))
    converted = published(index * CONVERSION, 2)
    return SatisfactionIndex(
        respondents=len(responses),
        elements=tuple(
            ElementResult(
                element=e,
                mean=published(means[e.field], 2),
                weighted=published(means[e.field] * WEIGHT, 3),
                grade=grade_of(published(means[e.field] * CONVERSION, 2)),
            )
            for e in ELEMENTS
        ),
        index=published(index, 4),
        converted=converted,
        grade=grade_of(converted),
    )
