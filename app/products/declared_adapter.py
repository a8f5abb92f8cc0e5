"""The adapters of declared products: a declaration turned into an adapter kind.

`declared_kind` makes the run-time kind `declared:<name>` of one product version: its
templates, JMESPath expressions and record schema are compiled once (`CompiledProduct`) and
shared by the adapters of all its sources, which the registry builds like any other kind's, so
a declared agency is routed and protected by the same bus as a hand-written one.

A declarative fetch applies the response rules in the declaration's order: an error rule that
matches, then `not_found`, then the status (a 5xx is the agency failing, a 400/422 the agency
refusing the key, 401/403 refused credentials, anything else outside `ok_status` a reply
error), then `records`, then the schema. Every expression evaluated on one reply spends one
`MappingBudget`, started when the body is read. An adapter fetch (`fetch.adapter`) runs the
installed kind's code and still checks every record against the schema.

A reply whose records cannot be mapped or do not fit the schema (a mapping cut off or failing
on what this key holds) is an `AgencyContentError`: that read fails, but the agency answered,
so the bus neither retries it nor counts it towards the agency's breaker. A body that cannot
be read at all, or a 5xx, is the agency failing and counts as usual. What such a failure says
(a client's `detail`, the logs) names the declaration's field and what went wrong, never a
value of the reply, which may be another citizen's record.

A product that declares `complaints` is served by a class that is also a `ComplaintDesk`; one
that does not must not look like a desk, since routing finds desks by `isinstance`.
"""

import base64
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from app.adapters.base import (
    REFUSED_INPUT_STATUSES,
    AdapterContext,
    AgencyAdapter,
    AgencyContentError,
    AgencyError,
    AgencyLevel,
    AgencyNotFound,
    AgencyRefusedInput,
    AgencyRejected,
    AgencyReplyError,
    AgencyUnavailable,
    Capability,
    ComplaintFiling,
    ComplaintProgress,
    ConformanceFixtures,
    ProductSource,
    ServiceStandard,
    backend_failure,
)
from app.bus.registry import AdapterKind
from app.http_client import AgencyHttp, AgencyReply
from app.products.catalog import DataProduct
from app.products.declaration import (
    FILING_PLACEHOLDERS,
    KEY_PLACEHOLDERS,
    PROGRESS_PLACEHOLDERS,
    AdapterFetch,
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    BodyFormat,
    Cardinality,
    ComplaintIntake,
    DeclaredFetch,
    ErrorOutcome,
    ProductDeclaration,
    ServiceDeclaration,
    SignalRule,
    SourceDeclaration,
)
from app.products.mapping import (
    DeclarationInvalid,
    Expression,
    FieldIssue,
    MappingBudget,
    MappingFailed,
    compile_expression,
    read_body,
)
from app.products.records import RecordCheck, check_record_schema
from app.products.secrets import SecretResolver
from app.products.templates import (
    GATEWAY_HEADERS,
    CompiledTemplate,
    RenderedRequest,
    compile_template,
)

#: An agency's own message is shown as `detail`; it is cut to this length.
MAX_MESSAGE_CHARS = 200
#: A complaint time without an offset is the agency's local time: Indonesian agencies write
#: WIB unless they say otherwise.
AGENCY_TIME = ZoneInfo("Asia/Jakarta")
_ERRORS: dict[ErrorOutcome, type[AgencyError]] = {
    ErrorOutcome.UNAVAILABLE: AgencyUnavailable,
    ErrorOutcome.ERROR: AgencyReplyError,
    ErrorOutcome.REFUSED: AgencyRefusedInput,
}
_CREDENTIALS_REFUSED = frozenset({401, 403})


@dataclass(frozen=True)
class _Signal:
    status: frozenset[int]
    when: Expression | None

    def matches(self, status: int, body: "_Body") -> bool:
        if self.status and status not in self.status:
            return False
        if self.when is None:
            return True
        document = body.readable()
        return document is not None and self.when.holds(document, body.budget)


@dataclass(frozen=True)
class _ErrorSignal(_Signal):
    outcome: ErrorOutcome
    message: Expression | None

    def error(self, body: "_Body") -> AgencyError:
        """The outcome the rule declares; a message that cannot be mapped leaves the
        generic text rather than changing what the agency signalled."""
        said = None
        document = body.readable()
        if self.message is not None and document is not None:
            try:
                said = self.message.evaluate(document, body.budget)
            except MappingFailed:
                said = None
        text = f"agency says: {str(said)[:MAX_MESSAGE_CHARS]}" if said else None
        return _ERRORS[self.outcome](text or f"agency signalled `{self.outcome.value}`")


class _Body:
    """A reply body read at most once, and only if a rule needs it; once read, `budget` is
    what every expression evaluated on it spends together."""

    __slots__ = ("_content", "_document", "_failure", "_force_list", "_format", "_read", "budget")

    budget: MappingBudget

    def __init__(self, reply: AgencyReply, format: BodyFormat, force_list: list[str]) -> None:
        self._content = reply.content
        self._format = format
        self._force_list = force_list
        self._read = False
        self._document: Any = None
        self._failure: AgencyReplyError | None = None

    def _parse(self) -> None:
        self._read = True
        try:
            self._document = read_body(self._content, self._format, self._force_list)
        except AgencyReplyError as exc:
            self._failure = exc
        self.budget = MappingBudget()

    def readable(self) -> Any:
        """The document, or None when the body cannot be read (a rule then does not match)."""
        if not self._read:
            self._parse()
        return self._document

    def document(self) -> Any:
        if not self._read:
            self._parse()
        if self._failure is not None:
            raise self._failure
        return self._document


def _signal(rule: SignalRule, field: str) -> _Signal:
    when = None if rule.when is None else compile_expression(rule.when, f"{field}.when")
    return _Signal(frozenset(rule.status), when)


@dataclass(frozen=True)
class CompiledFetch:
    request: CompiledTemplate
    health: CompiledTemplate
    format: BodyFormat
    force_list: list[str]
    ok_status: frozenset[int]
    errors: tuple[_ErrorSignal, ...]
    not_found: _Signal
    records: Expression

    @classmethod
    def of(cls, fetch: DeclaredFetch) -> "CompiledFetch":
        response = fetch.response
        errors = []
        for index, rule in enumerate(response.errors):
            field = f"fetch.response.errors[{index}]"
            signal = _signal(rule, field)
            message = (
                None
                if rule.message is None
                else compile_expression(rule.message, f"{field}.message")
            )
            errors.append(_ErrorSignal(signal.status, signal.when, rule.outcome, message))
        return cls(
            request=compile_template(fetch.request, KEY_PLACEHOLDERS, "fetch.request"),
            health=compile_template(fetch.health, frozenset(), "fetch.health"),
            format=response.format,
            force_list=list(response.xml_force_list),
            ok_status=frozenset(response.ok_status),
            errors=tuple(errors),
            not_found=_signal(response.not_found, "fetch.response.not_found"),
            records=compile_expression(response.records, "fetch.response.records"),
        )


@dataclass(frozen=True)
class CompiledIntake:
    file: CompiledTemplate
    ticket: Expression
    progress: CompiledTemplate
    not_found: _Signal
    answered: Expression
    answer: Expression | None
    answered_at: Expression | None
    format: BodyFormat
    force_list: list[str]

    @classmethod
    def of(cls, intake: ComplaintIntake) -> "CompiledIntake":
        def optional(text: str | None, field: str) -> Expression | None:
            return None if text is None else compile_expression(text, field)

        return cls(
            file=compile_template(intake.file, FILING_PLACEHOLDERS, "complaints.file"),
            ticket=compile_expression(intake.ticket, "complaints.ticket"),
            progress=compile_template(
                intake.progress, PROGRESS_PLACEHOLDERS, "complaints.progress"
            ),
            not_found=_signal(intake.not_found, "complaints.not_found"),
            answered=compile_expression(intake.answered, "complaints.answered"),
            answer=optional(intake.answer, "complaints.answer"),
            answered_at=optional(intake.answered_at, "complaints.answered_at"),
            format=intake.format,
            force_list=list(intake.xml_force_list),
        )


def _service(service: ServiceDeclaration) -> ServiceStandard:
    return ServiceStandard(
        code=service.code,
        name_id=service.name_id,
        name_en=service.name_en,
        category=service.category,
        requirements=tuple(service.requirements),
        procedure=tuple(service.procedure),
        working_days=service.working_days,
        fee=service.fee,
        product=service.product,
        complaint_channel=service.complaint_channel,
        legal_basis=tuple(service.legal_basis),
        responsible_unit=service.responsible_unit,
    )


def _expressions(declaration: ProductDeclaration) -> Iterator[tuple[str, str]]:
    """Every JMESPath expression of the declaration, with its field."""
    if declaration.subject is not None:
        yield declaration.subject, "subject"
    fetch = declaration.fetch
    if isinstance(fetch, DeclaredFetch):
        response = fetch.response
        for index, rule in enumerate(response.errors):
            field = f"fetch.response.errors[{index}]"
            if rule.when is not None:
                yield rule.when, f"{field}.when"
            if rule.message is not None:
                yield rule.message, f"{field}.message"
        if response.not_found.when is not None:
            yield response.not_found.when, "fetch.response.not_found.when"
        yield response.records, "fetch.response.records"
    intake = declaration.complaints
    if intake is not None:
        if intake.not_found.when is not None:
            yield intake.not_found.when, "complaints.not_found.when"
        for name in ("ticket", "answered", "answer", "answered_at"):
            text = getattr(intake, name)
            if text is not None:
                yield text, f"complaints.{name}"


def _key_pattern(pattern: str) -> None:
    if not pattern.isascii():
        raise DeclarationInvalid("key.pattern", "the pattern must be ASCII")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise DeclarationInvalid("key.pattern", f"not a regular expression: {exc}") from exc


def _gateway_header(field: str) -> None:
    raise DeclarationInvalid(field, "the gateway sets this header itself")


def _static_checks(declaration: ProductDeclaration) -> Iterator[Callable[[], object]]:
    """Every check that needs no backend, each on its own so all their findings are told."""
    yield partial(check_record_schema, declaration.record_schema)
    if declaration.key.pattern is not None:
        yield partial(_key_pattern, declaration.key.pattern)
    for text, field in _expressions(declaration):
        yield partial(compile_expression, text, field)
    fetch = declaration.fetch
    if isinstance(fetch, DeclaredFetch):
        yield partial(compile_template, fetch.request, KEY_PLACEHOLDERS, "fetch.request")
        yield partial(compile_template, fetch.health, frozenset(), "fetch.health")
    intake = declaration.complaints
    if intake is not None:
        yield partial(compile_template, intake.file, FILING_PLACEHOLDERS, "complaints.file")
        yield partial(
            compile_template, intake.progress, PROGRESS_PLACEHOLDERS, "complaints.progress"
        )
    for index, source in enumerate(declaration.sources):
        auth = source.auth
        if (
            isinstance(auth, ApiKeyAuth)
            and auth.location == "header"
            and auth.name.lower() in GATEWAY_HEADERS - {"authorization"}
        ):
            yield partial(_gateway_header, f"sources[{index}].auth.name")


def validate_declaration(declaration: ProductDeclaration) -> list[FieldIssue]:
    """Everything wrong with the declaration that can be seen without calling a backend
    (whether `fetch.adapter` names an installed kind is the caller's to check)."""
    issues: list[FieldIssue] = []
    for check in _static_checks(declaration):
        try:
            check()
        except DeclarationInvalid as exc:
            if exc.issue not in issues:
                issues.append(exc.issue)
    return issues


@dataclass(frozen=True)
class CompiledProduct:
    """One product version, ready for traffic: built once, shared by all its sources."""

    product: DataProduct
    records: RecordCheck
    fetch: CompiledFetch | None
    complaints: CompiledIntake | None
    services: tuple[ServiceStandard, ...]
    capabilities: frozenset[str]

    @classmethod
    def of(cls, product: DataProduct) -> "CompiledProduct":
        """`DeclarationInvalid` for the first static problem; run `validate_declaration`
        first to hear about all of them."""
        declaration = product.declaration
        check_record_schema(declaration.record_schema)
        capabilities = {declaration.capability}
        if declaration.complaints is not None:
            capabilities.add(Capability.COMPLAINT_INTAKE)
        fetch = declaration.fetch
        return cls(
            product=product,
            records=RecordCheck(declaration.record_schema),
            fetch=CompiledFetch.of(fetch) if isinstance(fetch, DeclaredFetch) else None,
            complaints=None
            if declaration.complaints is None
            else CompiledIntake.of(declaration.complaints),
            services=tuple(_service(s) for s in declaration.services),
            capabilities=frozenset(capabilities),
        )

    @property
    def cardinality(self) -> Cardinality:
        return self.product.declaration.cardinality


class _Caller:
    """Sends a rendered request to one source's backend with its credentials."""

    def __init__(
        self, context: AdapterContext, source: SourceDeclaration, secrets: SecretResolver
    ) -> None:
        self._http: AgencyHttp = context.http
        self._base = context.endpoint.base_url.rstrip("/")
        self._source = source
        self._secrets = secrets

    def _credentials(self, headers: dict[str, str], params: dict[str, str]) -> None:
        auth = self._source.auth
        if isinstance(auth, BasicAuth):
            pair = f"{auth.username}:{self._secrets.resolve(auth.password)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif isinstance(auth, BearerAuth):
            headers["Authorization"] = f"Bearer {self._secrets.resolve(auth.token)}"
        elif isinstance(auth, ApiKeyAuth):
            target = headers if auth.location == "header" else params
            target[auth.name] = self._secrets.resolve(auth.key)

    async def send(self, request: RenderedRequest) -> AgencyReply:
        headers = dict(request.headers)
        params = dict(request.params)
        self._credentials(headers, params)
        url = self._base + request.path
        if request.method == "GET":
            return await self._http.get(url, params=params or None, headers=headers)
        return await self._http.post(
            url,
            params=params or None,
            json=request.json,
            content=request.content,
            headers=headers,
        )


def _not_2xx(reply: AgencyReply, what: str) -> AgencyError:
    failure = backend_failure(reply)
    if failure is not None:
        return failure
    if reply.status_code in _CREDENTIALS_REFUSED:
        return AgencyUnavailable(f"agency refused the gateway's credentials ({what})")
    return AgencyReplyError(f"agency answered HTTP {reply.status_code} ({what})")


def _checked(compiled: CompiledProduct, records: Any) -> Any:
    """The records, if they fit the schema; one that does not is this key's record, not the
    agency failing."""
    try:
        return compiled.records.check(records, compiled.cardinality)
    except AgencyReplyError as exc:
        raise AgencyContentError(str(exc)) from exc


class _Declared:
    """What every adapter of a declared source is: the contract `AgencyAdapter` asks for,
    taken from the declaration."""

    def __init__(
        self,
        compiled: CompiledProduct,
        context: AdapterContext,
        source: SourceDeclaration,
        secrets: SecretResolver,
    ) -> None:
        self.code = context.code
        self.name = source.agency.name
        self.level: AgencyLevel = source.agency.level
        self.capabilities: frozenset[str] = compiled.capabilities
        self.services: tuple[ServiceStandard, ...] = compiled.services
        self.conformance = ConformanceFixtures()
        self.product = compiled.product.name
        self._compiled = compiled
        self._caller = _Caller(context, source, secrets)

    def _own(self, product: str) -> None:
        if product != self.product:
            raise LookupError(f"{self.code} holds {self.product}, not {product}")


class DeclaredAdapter(_Declared):
    """A source fetched by the declaration's templates and mappings alone."""

    @property
    def _fetch(self) -> CompiledFetch:
        fetch = self._compiled.fetch
        assert fetch is not None, "a declared adapter is built only for a declarative fetch"
        return fetch

    async def health(self) -> None:
        reply = await self._caller.send(self._fetch.health.render({}))
        if not 200 <= reply.status_code < 300:
            raise _not_2xx(reply, "health check")

    async def fetch_product(self, product: str, key: str) -> Any:
        self._own(product)
        fetch = self._fetch
        reply = await self._caller.send(fetch.request.render({"key": key}))
        status = reply.status_code
        body = _Body(reply, fetch.format, fetch.force_list)
        for rule in fetch.errors:
            if rule.matches(status, body):
                raise rule.error(body)
        cardinality = self._compiled.cardinality
        if fetch.not_found.matches(status, body):
            if cardinality is Cardinality.MANY:
                return []
            raise AgencyNotFound(f"{self.name} holds no {self.product} for this key")
        if status not in fetch.ok_status:
            if status in REFUSED_INPUT_STATUSES:
                raise AgencyRefusedInput(f"agency refused the key with HTTP {status}")
            raise _not_2xx(reply, "read")
        records = fetch.records.evaluate(body.document(), body.budget)
        return _checked(self._compiled, records)


class CheckedSource(_Declared):
    """A source fetched by an installed Python adapter (`fetch.adapter`), built by that
    kind's factory with the same context; what it returns is still checked against the
    product's schema, so code cannot publish what the declaration does not promise."""

    def __init__(
        self,
        compiled: CompiledProduct,
        context: AdapterContext,
        source: SourceDeclaration,
        secrets: SecretResolver,
        inner: AgencyAdapter,
    ) -> None:
        super().__init__(compiled, context, source, secrets)
        if not isinstance(inner, ProductSource):
            raise DeclarationInvalid(
                "fetch.adapter", "the adapter kind does not implement ProductSource"
            )
        self._inner = inner
        declared = {service.code for service in compiled.services}
        self.services = compiled.services + tuple(
            s for s in inner.services if s.code not in declared
        )

    async def health(self) -> None:
        await self._inner.health()

    async def fetch_product(self, product: str, key: str) -> Any:
        self._own(product)
        assert isinstance(self._inner, ProductSource)
        records = await self._inner.fetch_product(product, key)
        return _checked(self._compiled, records)


def _moment(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=AGENCY_TIME)


class _Desk:
    """The declared complaint intake (`complaints`), for a class that is also `_Declared`."""

    code: str
    _compiled: CompiledProduct
    _caller: _Caller

    @property
    def complaint_topics(self) -> frozenset[str]:
        return frozenset(self._compiled.product.declaration.complaint_topics)

    @property
    def _intake(self) -> CompiledIntake:
        intake = self._compiled.complaints
        assert intake is not None, "a desk is built only for a product with `complaints`"
        return intake

    async def file_complaint(self, complaint: ComplaintFiling, reference: str) -> str:
        intake = self._intake
        values = {
            "nik": complaint.nik,
            "subject": complaint.subject,
            "description": complaint.description,
            "service": complaint.service,
            "received_by": complaint.received_by,
            "reference": reference,
        }
        reply = await self._caller.send(intake.file.render(values))
        if not 200 <= reply.status_code < 300:
            if reply.status_code in REFUSED_INPUT_STATUSES:
                raise AgencyRejected(f"agency refused the complaint (HTTP {reply.status_code})")
            raise _not_2xx(reply, "complaint filing")
        body = _Body(reply, intake.format, intake.force_list)
        ticket = intake.ticket.evaluate(body.document(), body.budget)
        if isinstance(ticket, bool) or not isinstance(ticket, str | int) or ticket == "":
            raise AgencyReplyError("`complaints.ticket` did not give a ticket")
        return str(ticket)

    async def complaint_progress(self, ticket: str) -> ComplaintProgress:
        intake = self._intake
        reply = await self._caller.send(intake.progress.render({"ticket": ticket}))
        body = _Body(reply, intake.format, intake.force_list)
        if intake.not_found.matches(reply.status_code, body):
            raise AgencyNotFound(f"{self.code} has no complaint ticket {ticket}")
        if not 200 <= reply.status_code < 300:
            raise _not_2xx(reply, "complaint progress")
        document = body.document()
        budget = body.budget
        answered = intake.answered.evaluate(document, budget)
        if not isinstance(answered, bool):
            raise AgencyReplyError("`complaints.answered` did not give true or false")
        answer = None if intake.answer is None else intake.answer.evaluate(document, budget)
        if answer is not None and not isinstance(answer, str):
            raise AgencyReplyError("`complaints.answer` did not give a string")
        at = None if intake.answered_at is None else intake.answered_at.evaluate(document, budget)
        try:
            answered_at = None if at is None else _moment(at)
        except ValueError:
            # Not chained: the parser's message quotes what the agency sent.
            raise AgencyReplyError(
                "`complaints.answered_at` did not give an ISO 8601 time"
            ) from None
        return ComplaintProgress(ticket, answered, answer, answered_at)


class DeclaredDeskAdapter(_Desk, DeclaredAdapter):
    """A declarative source that also takes complaints."""


class CheckedDeskSource(_Desk, CheckedSource):
    """An adapter-fetched source that also takes complaints through the declared intake."""


def declared_kind(
    product: DataProduct,
    installed: Callable[[str], AdapterKind | None],
    secrets: SecretResolver,
) -> AdapterKind:
    """The run-time kind `declared:<name>` of this product version. Its factory builds the
    adapter of the source whose agency code is the context's; `installed` finds the kind a
    `fetch.adapter` names when a source is built, so that kind may be installed later.
    Raises `DeclarationInvalid` if the declaration does not compile."""
    compiled = CompiledProduct.of(product)
    declaration = product.declaration
    sources = {source.agency.code: source for source in declaration.sources}
    fetch = declaration.fetch
    desk = declaration.complaints is not None

    def factory(context: AdapterContext) -> AgencyAdapter:
        source = sources.get(context.code)
        if source is None:
            raise LookupError(f"{product.name} has no source {context.code}")
        if isinstance(fetch, AdapterFetch):
            kind = installed(fetch.adapter)
            if kind is None:
                raise DeclarationInvalid(
                    "fetch.adapter", f"adapter kind {fetch.adapter} is not installed"
                )
            inner = kind.factory(context)
            checked = CheckedDeskSource if desk else CheckedSource
            return checked(compiled, context, source, secrets, inner)
        declared = DeclaredDeskAdapter if desk else DeclaredAdapter
        return declared(compiled, context, source, secrets)

    return AdapterKind(product.kind, factory, f"declaration v{product.version}")
