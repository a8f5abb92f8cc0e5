"""Problems a citizen can read: titles and descriptions in Bahasa Indonesia, and the choice of
language from `Accept-Language`.

The texts are keyed by the problem's slug (the stable part of its `type` URI) rather than by
`ProblemKind`, so that `app.problems` can use them without an import cycle; a test holds the
two sets of keys equal, so a new kind without its Indonesian texts fails the suite.

The Indonesian description stands in for the English `detail` where a raise site gives no
Indonesian detail of its own: raise sites build English details from values, and a wrong
translation of a value-laden sentence would be worse than the kind's accurate general text.
Field-level `errors[].message` stay English, but the Indonesian detail names each field."""

from collections.abc import Iterable
from typing import Final, Literal

from app.schemas.problem import FieldError

Language = Literal["en", "id"]
DEFAULT_LANGUAGE: Final[Language] = "en"
SUPPORTED_LANGUAGES: Final[tuple[Language, ...]] = ("en", "id")

_PRIMARY_SUBTAGS: Final[dict[str, Language]] = {"en": "en", "id": "id", "in": "id"}
"""Supported languages by primary subtag; `in` is Indonesian's code before ISO 639 changed
it in 1989, which some old Android and Java clients still send."""

INDONESIAN: Final[dict[str, tuple[str, str]]] = {
    "validation-error": (
        "Permintaan tidak valid",
        "Ada parameter atau isian yang formatnya salah; `errors` menyebut masing-masing. Tidak "
        "ada instansi yang dihubungi.",
    ),
    "citizen-not-found": (
        "Warga tidak ditemukan",
        "Dukcapil tidak memiliki data warga dengan NIK ini.",
    ),
    "vehicle-not-found": (
        "Kendaraan tidak ditemukan",
        "Sistem pajak kendaraan tidak memiliki kendaraan dengan nomor polisi ini.",
    ),
    "service-request-not-found": (
        "Permohonan layanan tidak ditemukan",
        "Tidak ada permohonan layanan dengan id ini.",
    ),
    "invalid-state": (
        "Tidak dapat dilakukan pada status permohonan saat ini",
        "Misalnya membayar permohonan yang tidak sedang menunggu pembayaran, atau membatalkan "
        "permohonan yang sudah selesai.",
    ),
    "conflict": (
        "Terjadi perubahan bersamaan",
        "Permohonan berubah ketika perubahan ini diterapkan; kirim ulang permintaannya.",
    ),
    "idempotency-key-reused": (
        "Idempotency-Key sudah dipakai untuk permintaan lain",
        "Kunci ini pertama kali dipakai untuk operasi, sumber daya, atau isi permintaan yang "
        "berbeda; pengulangan harus sama persis dengan permintaan pertama.",
    ),
    "payment-mismatch": (
        "Pembayaran tidak sesuai",
        "Kode bayar atau jumlahnya berbeda dari yang ditunggu permohonan.",
    ),
    "complaint-not-found": (
        "Pengaduan tidak ditemukan",
        "Tidak ada pengaduan dengan id ini.",
    ),
    "mandate-not-found": (
        "Kuasa tidak ditemukan",
        "Tidak ada kuasa dengan id ini yang diberikan oleh warga yang diwakili pemanggil.",
    ),
    "survey-already-submitted": (
        "Survei sudah diisi",
        "Setiap permohonan layanan disurvei satu kali; permohonan ini sudah memiliki jawabannya.",
    ),
    "agency-not-found": (
        "Instansi tidak ditemukan",
        "Tidak ada instansi dengan kode ini di bus.",
    ),
    "agency-exists": (
        "Kode instansi sudah terdaftar",
        "Instansi dengan kode ini sudah ada di bus; ubah dengan PUT atau PATCH, atau hapus "
        "terlebih dahulu.",
    ),
    "jurisdiction-not-served": (
        "Belum ada instansi yang melayani wilayah ini",
        "Permintaan ini termasuk wilayah (misalnya provinsi sebuah nomor polisi) yang belum "
        "memiliki instansi terdaftar di bus; `regions` menyebut wilayahnya. Ini bukan gangguan "
        "instansi mana pun dan berlangsung sampai instansi dengan yurisdiksi itu bergabung.",
    ),
    "service-not-found": (
        "Layanan tidak ditemukan",
        "Tidak ada instansi di bus yang menyediakan layanan dengan kode ini.",
    ),
    "endpoint-refused": (
        "URL endpoint ditolak",
        "Skemanya salah, URL memuat kredensial, atau alamat internal yang tidak diizinkan.",
    ),
    "conformance-failed": (
        "Endpoint tidak lulus uji kesesuaian",
        "Adaptor dan endpoint ini tidak lulus rangkaian uji kontrak; `failures` menyebut "
        "alasannya. Tidak ada yang diubah.",
    ),
    "product-not-found": (
        "Produk data tidak ditemukan",
        "Tidak ada produk data yang dideklarasikan dengan nama ini (atau sudah dihapus).",
    ),
    "product-record-not-found": (
        "Tidak ada catatan produk data ini",
        "Instansi pemegang produk data ini tidak memiliki catatan untuk kunci ini.",
    ),
    "product-version-not-found": (
        "Versi produk data tidak ditemukan",
        "Produk data ini tidak memiliki versi dengan nomor tersebut; `GET .../versions` "
        "menyebut semuanya.",
    ),
    "product-conflict": (
        "Sudah dipakai produk atau instansi lain",
        "Kode instansi salah satu sumber sudah ada di bus, atau cakupannya adalah cakupan "
        "bawaan atau milik produk lain; `errors` menyebut masing-masing isian. Tidak ada yang "
        "diubah.",
    ),
    "agency-declared": (
        "Instansi milik produk data",
        "Instansi ini dibuat oleh deklarasi produk data: ubah deklarasi itu "
        "(`PUT /v1/data-products/{name}`). Tidak ada yang diubah.",
    ),
    "unauthenticated": (
        "Autentikasi diperlukan",
        "Tidak ada kredensial yang sah: kirim `Authorization: Bearer <token>` dengan token dari "
        "`POST /v1/oauth/token`, atau `X-API-Key` milik klien sistem. Token yang kedaluwarsa "
        "ditolak.",
    ),
    "insufficient-scope": (
        "Tidak diizinkan untuk klien ini",
        "Izin (scope) klien tidak mencakup operasi ini; `required_scopes` menyebut izin yang "
        "diperlukan.",
    ),
    "citizen-only": (
        "Hanya warga yang bersangkutan yang dapat melakukannya",
        "Hanya warga, melalui klien yang bertindak atas namanya (portal atau kios), yang boleh "
        "melakukan ini (misalnya menilai layanan); klien petugas dan sistem tidak boleh, apa "
        "pun izinnya.",
    ),
    "purpose-required": (
        "Tujuan penggunaan wajib disebutkan",
        "Klien petugas dan sistem wajib menyebutkan alasan memakai data pribadi di `X-Purpose`; "
        "alasan itu dicatat di jejak audit dan ditunjukkan kepada warga.",
    ),
    "rate-limited": (
        "Terlalu banyak permintaan",
        "Klien melewati batas jumlah permintaannya, atau terlalu banyak autentikasi klien yang "
        "gagal dari alamat ini (maka `error` OAuth bernilai `invalid_client`); `Retry-After` "
        "menyebut kapan boleh mencoba lagi. Rahasia klien yang benar tidak pernah ditolak "
        "dengan cara ini.",
    ),
    "payload-too-large": (
        "Isi permintaan terlalu besar",
        "Isi permintaan melebihi batas yang diterima gateway; tidak ada yang diproses.",
    ),
    "invalid-client": (
        "Autentikasi klien gagal",
        "Klien tidak dikenal, rahasianya salah, atau klien telah dinonaktifkan (`error` OAuth: "
        "`invalid_client`).",
    ),
    "invalid-token-request": (
        "Permintaan token ditolak",
        "Permintaan token salah bentuk atau meminta sesuatu yang tidak boleh dimiliki klien; "
        "anggota `error` OAuth menyebut sebabnya (`invalid_request`, `unsupported_grant_type`, "
        "`invalid_scope`, `unauthorized_client` untuk grant yang tidak boleh dipakai jenis klien "
        "ini, `invalid_grant` untuk token ID yang tidak diterima atau bertindak untuk warga yang "
        "tidak diizinkan).",
    ),
    "identity-provider-unavailable": (
        "Penyedia identitas tidak tersedia",
        "Masuknya warga tidak dapat diperiksa sekarang: kunci penyedia identitas tidak dapat "
        "diambil (`error` OAuth: `temporarily_unavailable`); coba lagi setelah `Retry-After`.",
    ),
    "not-found": ("Tidak ditemukan", "Sumber daya ini tidak ada."),
    "method-not-allowed": ("Metode tidak diizinkan", "Metode HTTP ini tidak didukung di sini."),
    "agency-refused-input": (
        "Instansi menolak isi permintaan",
        "Instansi menjawab bahwa yang dikirim tidak dapat diterimanya (alasannya ada di "
        "`sources`); ubah permintaannya. Instansi itu sehat: ini tidak dihitung sebagai "
        "gangguannya.",
    ),
    "client-concurrency-limited": (
        "Terlalu banyak panggilan yang sedang berjalan untuk klien ini",
        "Klien ini sudah memakai jatah adilnya atas panggilan serentak ke sebuah instansi; "
        "klien lain tetap dilayani. Tunggu sampai panggilan Anda yang sedang berjalan selesai, "
        "lalu kirim ulang (`Retry-After`).",
    ),
    "agency-bad-reply": (
        "Jawaban instansi tidak dapat dipakai",
        "Instansi menjawab dengan balasan yang rusak atau tidak terduga; `sources` menyebut "
        "instansinya.",
    ),
    "agency-unavailable": (
        "Instansi tidak tersedia",
        "Instansi yang diperlukan untuk jawaban ini sedang mati, menolak koneksi, atau "
        "dinonaktifkan.",
    ),
    "agency-timeout": (
        "Instansi tidak menjawab tepat waktu",
        "Instansi yang diperlukan untuk jawaban ini tidak membalas dalam batas waktunya.",
    ),
    "delegation-unconfirmed": (
        "Belum dapat dipastikan siapa yang boleh bertindak untuk orang ini",
        "Dukcapil tidak dapat menjawab apakah warga yang masuk boleh bertindak untuk orang yang "
        "diminta (kartu keluarganya), sehingga tidak diizinkan (`error` OAuth: "
        "`temporarily_unavailable`); coba lagi setelah `Retry-After`.",
    ),
    "access-log-unavailable": (
        "Catatan akses tidak tersedia",
        "Pembacaan ini tidak dapat dicatat di catatan akses, sehingga datanya tidak dibuka.",
    ),
    "not-ready": (
        "Gateway belum siap",
        "Gateway tidak dapat menghubungi basis datanya.",
    ),
    "internal-error": (
        "Kesalahan internal",
        "Terjadi gangguan tak terduga di gateway; gangguan itu dicatat dengan id permintaan ini, "
        "sebutkan id tersebut kepada petugas dukungan.",
    ),
}
"""(title, description) in Bahasa Indonesia, by problem slug."""

_LOCATIONS: Final[dict[str, str]] = {
    "path": "path URL",
    "query": "parameter query",
    "header": "header",
    "body": "isi permintaan",
}


def fields_detail(errors: Iterable[FieldError]) -> str:
    """An Indonesian `detail` for a validation problem: which fields, and where they were
    sent; each field's own message stays in `errors`."""
    named = "; ".join(f"{e.field} ({_LOCATIONS.get(e.location, e.location)})" for e in errors)
    return f"Isian yang tidak valid: {named}. Rincian tiap isian ada di `errors`."


def _quality(params: str) -> float | None:
    """The `q` of one language range (1 when absent), or None if it is malformed."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            q = float(value.strip())
        except ValueError:
            return None
        return q if 0 <= q <= 1 else None
    return 1.0


def preferred_language(accept_language: str | None) -> Language:
    """The supported language an `Accept-Language` header (RFC 9110 section 12.5.4) prefers
    most: by `q`, then by order; `id-ID` and `in` count as Indonesian, `*` covers whichever
    language is not named, and `q=0` refuses one. English when none is acceptable. A dozen
    lines instead of a dependency: the only maintained parsers come with a whole web
    framework (Werkzeug) or locale database (Babel)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    named: dict[Language, float] = {}
    wildcard: float | None = None
    for language_range in accept_language.split(","):
        tag, _, params = language_range.partition(";")
        q = _quality(params)
        tag = tag.strip().lower()
        if q is None or not tag:
            continue
        if tag == "*":
            wildcard = q if wildcard is None else wildcard
            continue
        language = _PRIMARY_SUBTAGS.get(tag.split("-", 1)[0])
        if language is not None and language not in named:
            named[language] = q
    ranked = [*named.items()]
    if wildcard is not None:
        ranked += [
            (language, wildcard) for language in SUPPORTED_LANGUAGES if language not in named
        ]
    acceptable = [(language, q) for language, q in ranked if q > 0]
    if not acceptable:
        return DEFAULT_LANGUAGE
    return max(acceptable, key=lambda item: item[1])[0]
