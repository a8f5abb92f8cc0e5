"""The HTML a citizen sees: sign-in, consent and error pages, in Bahasa Indonesia or English.

Plain server-rendered forms, no script: every field has a visible label and a hint, an error
is announced in a summary at the top (role="alert") that links to its field and is also tied
to the field itself (aria-describedby, aria-invalid), the first field in error gets the
focus, and the DOM order is the reading and tab order. Every value is escaped.
"""

import base64
import hashlib
from dataclasses import dataclass
from html import escape
from typing import Final

from simulators.identity_provider.state import Locale

_CSS: Final = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1a1a1a}"
    "label{display:block;font-weight:600;margin-top:1rem}"
    ".hint{color:#4a4a4a;margin:0}"
    "input{font-size:1.1rem;padding:.4rem;width:100%;max-width:20rem;border:2px solid #4a4a4a}"
    "input[aria-invalid=true]{border-color:#b00020}"
    ".error{color:#b00020;font-weight:600;margin:.25rem 0}"
    "#error-summary{border:3px solid #b00020;padding:.5rem 1rem;margin-bottom:1rem}"
    "button{font-size:1.1rem;margin:1.25rem .5rem 0 0;padding:.5rem 1.25rem}"
    ":focus{outline:3px solid #ffbf47;outline-offset:2px}"
)
STYLE_HASH: Final = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
"""The CSP allows exactly this stylesheet inline, and nothing else at all."""

TEXTS: Final[dict[Locale, dict[str, str]]] = {
    "id": {
        "provider": "Identitas Kependudukan Digital",
        "sign_in_title": "Masuk dengan Identitas Kependudukan Digital",
        "sign_in_intro": "{client} meminta Anda masuk untuk membuktikan identitas Anda.",
        "nik_label": "NIK",
        "nik_hint": "Nomor Induk Kependudukan, 16 angka, seperti pada KTP-el Anda.",
        "pin_label": "PIN",
        "pin_hint": "PIN Identitas Kependudukan Digital Anda, 6 angka.",
        "sign_in": "Masuk",
        "errors_title": "Ada yang perlu diperbaiki",
        "nik_format": "NIK harus terdiri atas 16 angka.",
        "pin_format": "PIN harus terdiri atas 6 angka.",
        "wrong_pin": "NIK atau PIN salah. Sisa percobaan: {left}.",
        "locked": "Terlalu banyak PIN salah. NIK ini dikunci; coba lagi dalam {minutes} menit.",
        "deceased": "NIK ini tercatat meninggal dunia dan tidak dapat digunakan untuk masuk.",
        "consent_title": "Izinkan {client} mengakses data Anda?",
        "signed_in_as": "Anda masuk sebagai {name} (NIK {nik}).",
        "consent_asks": "{client} meminta data berikut dari Identitas Kependudukan Digital Anda:",
        "claim_nik": "NIK (Nomor Induk Kependudukan)",
        "claim_name": "Nama lengkap",
        "approve": "Izinkan",
        "deny": "Tolak",
        "other_language": "English",
        "error_title": "Permintaan tidak dapat diproses",
        "unknown_client": "Aplikasi yang meminta Anda masuk tidak terdaftar.",
        "repeated_parameter": "Permintaan aplikasi tidak sah: ada parameter yang berulang.",
        "bad_redirect": "Alamat kembali aplikasi tidak terdaftar untuk aplikasi ini.",
        "session_expired": "Sesi masuk Anda telah berakhir. Mulai lagi dari aplikasi.",
        "bad_form": "Formulir ini tidak berasal dari halaman masuk Anda. Mulai lagi dari aplikasi.",
    },
    "en": {
        "provider": "Digital Population Identity",
        "sign_in_title": "Sign in with your Digital Population Identity",
        "sign_in_intro": "{client} asks you to sign in to prove who you are.",
        "nik_label": "NIK",
        "nik_hint": "Your population identity number, 16 digits, as on your e-KTP.",
        "pin_label": "PIN",
        "pin_hint": "Your Digital Population Identity PIN, 6 digits.",
        "sign_in": "Sign in",
        "errors_title": "There is a problem",
        "nik_format": "The NIK must be 16 digits.",
        "pin_format": "The PIN must be 6 digits.",
        "wrong_pin": "The NIK or PIN is wrong. Attempts left: {left}.",
        "locked": "Too many wrong PINs. This NIK is locked; try again in {minutes} minutes.",
        "deceased": "This NIK is recorded as deceased and cannot be used to sign in.",
        "consent_title": "Allow {client} to access your data?",
        "signed_in_as": "You are signed in as {name} (NIK {nik}).",
        "consent_asks": "{client} asks for the following from your Digital Population Identity:",
        "claim_nik": "NIK (population identity number)",
        "claim_name": "Full name",
        "approve": "Allow",
        "deny": "Deny",
        "other_language": "Bahasa Indonesia",
        "error_title": "The request cannot be processed",
        "unknown_client": "The application that sent you here is not registered.",
        "repeated_parameter": "The application's request is invalid: a parameter is repeated.",
        "bad_redirect": "The application's return address is not registered for it.",
        "session_expired": "Your sign-in session has ended. Start again from the application.",
        "bad_form": "This form did not come from your sign-in page. Start again from the "
        "application.",
    },
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def _page(locale: Locale, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><p>{escape(TEXTS[locale]['provider'])}</p>"
        f"<h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def _hidden(**values: str) -> str:
    return "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in values.items()
    )


def _field(
    name: str, label: str, hint: str, error: str | None, autofocus: bool, attributes: str
) -> str:
    described = f"{name}-hint" + (f" {name}-error" if error else "")
    message = f'<p class="error" id="{name}-error">{escape(error)}</p>' if error else ""
    return (
        f'<label for="{name}">{escape(label)}</label>'
        f'<p class="hint" id="{name}-hint">{escape(hint)}</p>{message}'
        f'<input id="{name}" name="{name}" {attributes} aria-describedby="{described}"'
        f' aria-invalid="{"true" if error else "false"}" required'
        f"{' autofocus' if autofocus else ''}>"
    )


def sign_in_page(
    locale: Locale,
    client_name: str,
    tx: str,
    csrf: str,
    other_language_url: str,
    nik: str = "",
    errors: tuple[FieldError, ...] = (),
) -> str:
    texts = TEXTS[locale]
    by_field = {error.field: error.message for error in errors}
    first = errors[0].field if errors else "nik"
    summary = ""
    if errors:
        items = "".join(
            f'<li><a href="#{error.field}">{escape(error.message)}</a></li>' for error in errors
        )
        summary = (
            '<div id="error-summary" role="alert" aria-labelledby="error-summary-title">'
            f'<h2 id="error-summary-title">{escape(texts["errors_title"])}</h2>'
            f"<ul>{items}</ul></div>"
        )
    other: Locale = "en" if locale == "id" else "id"
    body = (
        f"{summary}<p>{escape(texts['sign_in_intro'].format(client=client_name))}</p>"
        '<form method="post" action="/authorize/sign-in" novalidate>'
        f"{_hidden(tx=tx, csrf_token=csrf)}"
        + _field(
            "nik",
            texts["nik_label"],
            texts["nik_hint"],
            by_field.get("nik"),
            first == "nik",
            f'type="text" inputmode="numeric" autocomplete="username" maxlength="16"'
            f' value="{escape(nik)}"',
        )
        + _field(
            "pin",
            texts["pin_label"],
            texts["pin_hint"],
            by_field.get("pin"),
            first == "pin",
            'type="password" inputmode="numeric" autocomplete="current-password" maxlength="6"',
        )
        + f'<button type="submit">{escape(texts["sign_in"])}</button></form>'
        f'<p><a href="{escape(other_language_url)}" lang="{other}" hreflang="{other}">'
        f"{escape(texts['other_language'])}</a></p>"
    )
    return _page(locale, texts["sign_in_title"], body)


def consent_page(locale: Locale, client_name: str, tx: str, csrf: str, name: str, nik: str) -> str:
    texts = TEXTS[locale]
    body = (
        f"<p>{escape(texts['signed_in_as'].format(name=name, nik=nik))}</p>"
        f"<p>{escape(texts['consent_asks'].format(client=client_name))}</p>"
        f"<ul><li>{escape(texts['claim_nik'])}</li><li>{escape(texts['claim_name'])}</li></ul>"
        '<form method="post" action="/authorize/consent">'
        f"{_hidden(tx=tx, csrf_token=csrf)}"
        f'<button type="submit" name="decision" value="approve" autofocus>'
        f"{escape(texts['approve'])}</button>"
        f'<button type="submit" name="decision" value="deny">{escape(texts["deny"])}</button>'
        "</form>"
    )
    return _page(locale, texts["consent_title"].format(client=client_name), body)


def error_page(locale: Locale, message_key: str) -> str:
    texts = TEXTS[locale]
    body = f'<p role="alert">{escape(texts[message_key])}</p>'
    return _page(locale, texts["error_title"], body)
