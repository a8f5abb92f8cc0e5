"""What the provider remembers between requests, in memory and bounded: sign-in sessions,
authorization codes, access tokens, and wrong-PIN counts. Every store expires its entries on
the provider's clock, so a test can move time instead of waiting."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from cachetools import TTLCache

from simulators.identity_provider.clients import Client

Locale = Literal["id", "en"]
Clock = Callable[[], float]

SESSION_TTL_S = 30 * 60
TRANSACTIONS_PER_SESSION = 8
CODE_TTL_S = 60
ACCESS_TOKEN_TTL_S = 300
MAX_PIN_FAILURES = 5
LOCKOUT_S = 15 * 60
_MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class AuthRequest:
    """An authorization request that passed every check, kept until the citizen decides."""

    client: Client
    redirect_uri: str
    scope: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str
    locale: Locale
    #: The same request in the other language: the sign-in page links to it.
    language_switch: str


@dataclass
class Transaction:
    """One authorization request in one browser, signed in once its PIN was right."""

    request: AuthRequest
    nik: str | None = None
    auth_time: int | None = None


@dataclass
class Session:
    """A browser's state behind its cookie: the CSRF token its forms must echo, and its
    requests in progress (a few, so two tabs do not break each other)."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    transactions: dict[str, Transaction] = field(default_factory=dict)

    def begin(self, request: AuthRequest) -> str:
        while len(self.transactions) >= TRANSACTIONS_PER_SESSION:
            del self.transactions[next(iter(self.transactions))]
        tx = secrets.token_urlsafe(16)
        self.transactions[tx] = Transaction(request)
        return tx


@dataclass(frozen=True)
class Grant:
    """What a code, and then an access token, stands for."""

    client_id: str
    redirect_uri: str
    scope: tuple[str, ...]
    nonce: str | None
    code_challenge: str
    nik: str
    auth_time: int


class Store:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sessions: TTLCache[str, Session] = TTLCache(_MAX_ENTRIES, SESSION_TTL_S, clock)
        self.codes: TTLCache[str, Grant] = TTLCache(_MAX_ENTRIES, CODE_TTL_S, clock)
        #: Codes already redeemed, to the access token they bought: a code presented twice
        #: is stolen, so that token is revoked too (RFC 6749 4.1.2).
        self.redeemed: TTLCache[str, str] = TTLCache(_MAX_ENTRIES, ACCESS_TOKEN_TTL_S, clock)
        self.access_tokens: TTLCache[str, Grant] = TTLCache(_MAX_ENTRIES, ACCESS_TOKEN_TTL_S, clock)

    def new_session(self) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        session = self.sessions[session_id] = Session()
        return session_id, session

    def promote(self, session_id: str, tx: str) -> str:
        """A fresh session holding only the transaction just signed in, under a new id and
        CSRF token: whoever planted or saw the old cookie gains nothing (session fixation)."""
        old = self.sessions.pop(session_id)
        new_id, new = self.new_session()
        new.transactions[tx] = old.transactions[tx]
        return new_id

    def issue_code(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(32)
        self.codes[code] = grant
        return code

    def redeem(self, code: str) -> Grant | None:
        """The code's grant, once: a second use revokes what the first one bought."""
        grant = self.codes.pop(code, None)
        if grant is None and (bought := self.redeemed.pop(code, None)) is not None:
            self.access_tokens.pop(bought, None)
        return grant

    def issue_access_token(self, code: str, grant: Grant) -> str:
        token = secrets.token_urlsafe(32)
        self.access_tokens[token] = grant
        self.redeemed[code] = token
        return token


class PinGuard:
    """Five wrong PINs in a row lock a NIK for fifteen minutes, known or not, so the lock
    tells nobody whether a NIK exists."""

    def __init__(self, clock: Clock, lockout_s: float = LOCKOUT_S) -> None:
        self.clock = clock
        self._failures: TTLCache[str, int] = TTLCache(_MAX_ENTRIES, lockout_s, clock)
        self._locked_until: TTLCache[str, float] = TTLCache(_MAX_ENTRIES, lockout_s, clock)
        self.lockout_s = lockout_s

    def locked_for(self, nik: str) -> float:
        """Seconds until the NIK may try again, 0 when it may now."""
        until = self._locked_until.get(nik)
        return max(0.0, until - self.clock()) if until is not None else 0.0

    def failed(self, nik: str) -> int:
        """Counts a wrong PIN; answers the attempts left, 0 when this one locked the NIK."""
        failures = self._failures.get(nik, 0) + 1
        if failures >= MAX_PIN_FAILURES:
            self._failures.pop(nik, None)
            self._locked_until[nik] = self.clock() + self.lockout_s
            return 0
        self._failures[nik] = failures
        return MAX_PIN_FAILURES - failures

    def succeeded(self, nik: str) -> None:
        self._failures.pop(nik, None)
