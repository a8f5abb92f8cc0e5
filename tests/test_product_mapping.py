"""The declared-adapter engine's pure parts: bounded JMESPath, bodies, templates, record
schemas and secrets, as an agency administrator's declaration meets them."""

import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jmespath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jmespath import exceptions as jmespath_exceptions
from jmespath import functions as jmespath_functions
from pydantic import SecretStr

from app.adapters.base import (
    AgencyContentError,
    AgencyRefusedInput,
    AgencyReplyError,
    AgencyUnavailable,
)
from app.products.declaration import BodyFormat, Cardinality, RequestTemplate, Secret
from app.products.mapping import (
    MAX_OUTPUT_NODES,
    MAX_SECONDS,
    MAX_STEPS,
    DeclarationInvalid,
    MappingBudget,
    MappingCutOff,
    MappingFailed,
    compile_expression,
    read_body,
)
from app.products.records import RecordCheck, check_record_schema
from app.products.secrets import SecretResolver
from app.products.templates import check_template, compile_template

REPLY = {
    "metaData": {"code": "200"},
    "response": {
        "peserta": {
            "noKartu": "0001234567890",
            "nik": "3174101704820001",
            "kelas": "1",
            "faskes": [{"kode": "0101R001"}, {"kode": "0101R002"}],
        }
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["card_number", "class"],
    "properties": {
        "card_number": {"type": "string", "pattern": "^[0-9]{13}$"},
        "class": {"type": "integer"},
        "since": {"type": "string", "format": "date"},
    },
    "additionalProperties": False,
}


def test_a_mapping_gives_the_records_plain_jmespath_would() -> None:
    mapping = compile_expression(
        "response.peserta.{card_number: noKartu, class: to_number(kelas), "
        "facilities: join(',', faskes[].kode)}",
        "fetch.response.records",
    )
    assert mapping.evaluate(REPLY) == {
        "card_number": "0001234567890",
        "class": 1,
        "facilities": "0101R001,0101R002",
    }


def test_a_syntax_error_names_the_field() -> None:
    with pytest.raises(DeclarationInvalid) as refused:
        compile_expression("response.peserta.{card: noKartu", "fetch.response.records")
    assert refused.value.field == "fetch.response.records"
    assert "not a JMESPath expression" in refused.value.message


def test_an_expression_nested_past_the_limit_is_refused_when_declared() -> None:
    with pytest.raises(DeclarationInvalid, match="nested"):
        compile_expression("[" * 200 + "@" + "]" * 200, "subject")


EXPLODING = {
    "doubling objects": "{a:@,b:@}" + " | {a:@,b:@}" * 30,
    "quadrupling lists": "[@,@,@,@][]" * 30,
    "quadrupling piped lists": "[@,@,@,@][]" + " | [@,@,@,@][]" * 30 + " | length(@)",
    "a doubled object serialised": "{a:@,b:@}" + " | {a:@,b:@}" * 40 + " | to_string(@)",
    "a doubled object compared": "{a:@,b:@}" + " | {a:@,b:@}" * 40 + " | @ == @",
    "a string doubled by join": "join('', [@,@])" + " | join('', [@,@])" * 30,
}


@pytest.mark.parametrize("text", EXPLODING.values(), ids=EXPLODING.keys())
def test_a_mapping_that_explodes_is_cut_off_quickly(text: str) -> None:
    mapping = compile_expression(text, "fetch.response.records")
    started = time.perf_counter()
    with pytest.raises(MappingCutOff) as cut:
        mapping.evaluate("seed")
    assert time.perf_counter() - started < 0.5
    assert any(word in str(cut.value) for word in ("steps", "ms", "values", "characters"))


def test_a_cut_off_is_a_reply_error_so_the_source_reports_error() -> None:
    assert issubclass(MappingCutOff, AgencyReplyError)


def test_a_mapping_failing_on_one_reply_is_that_reply_s_content_not_the_agency() -> None:
    """So the bus neither retries it nor counts it towards the agency's breaker."""
    assert issubclass(MappingCutOff, AgencyContentError)
    with pytest.raises(MappingFailed) as failed:
        compile_expression("abs(@)", "f").evaluate("satu")
    assert isinstance(failed.value, AgencyContentError)


#: 8,000 elements a filter scans at 5 steps each: 40,000 steps of one reply's 100,000.
SCANNED = {"items": [{"n": i} for i in range(8_000)]}


@pytest.fixture
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock too generous to stop anything first, so that a test of steps does not depend
    on how busy the machine is."""
    monkeypatch.setattr("app.products.mapping.MAX_SECONDS", 60.0)


@pytest.mark.usefixtures("unhurried")
def test_the_expressions_of_one_reply_share_its_steps() -> None:
    scan = compile_expression("items[?n == `-1`]", "fetch.response.errors[0].when")
    for _ in range(3):
        assert scan.holds(SCANNED) is False  # each on a budget of its own fits
    shared = MappingBudget()
    assert scan.holds(SCANNED, shared) is False
    assert scan.holds(SCANNED, shared) is False
    with pytest.raises(MappingCutOff, match=f"over {MAX_STEPS} steps"):
        scan.holds(SCANNED, shared)


def test_the_clock_of_one_reply_runs_across_its_expressions() -> None:
    shared = MappingBudget()
    time.sleep(MAX_SECONDS * 1.5)
    with pytest.raises(MappingCutOff, match=f"over {MAX_SECONDS * 1000:.0f} ms"):
        compile_expression("items[].n", "fetch.response.records").evaluate(SCANNED, shared)


@pytest.mark.usefixtures("unhurried")
def test_what_each_expression_gives_back_is_charged_to_the_reply() -> None:
    """A plain field loops over nothing, yet handing back a large value costs its walk: many
    rules each giving back most of a large reply add up."""
    whole = compile_expression("items", "fetch.response.errors[0].message")
    reply = {"items": list(range(6_000))}  # 6,001 values
    shared = MappingBudget()
    for _ in range(MAX_STEPS // 6_001):
        whole.evaluate(reply, shared)
    with pytest.raises(MappingCutOff, match="steps"):
        whole.evaluate(reply, shared)


def test_a_large_but_bounded_answer_passes() -> None:
    records = [{"n": i} for i in range(MAX_OUTPUT_NODES // 3)]
    assert len(compile_expression("items[].{n: n}", "f").evaluate({"items": records})) == len(
        records
    )


def test_xml_reads_as_json_with_forced_lists() -> None:
    body = b"<Response><Certificates><Certificate no='1'><Area>120</Area></Certificate>" + (
        b"</Certificates></Response>"
    )
    read = read_body(body, BodyFormat.XML, ["Certificate"])
    assert read["Response"]["Certificates"]["Certificate"] == [{"@no": "1", "Area": "120"}]
    assert read_body(body, BodyFormat.XML, [])["Response"]["Certificates"]["Certificate"] == {
        "@no": "1",
        "Area": "120",
    }


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>',
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r/>',
        b"<r><unclosed></r>",
    ],
    ids=["entity expansion", "external entity", "external DTD", "malformed"],
)
def test_xml_with_a_dtd_or_malformed_is_refused(body: bytes) -> None:
    with pytest.raises(AgencyReplyError, match="XML"):
        read_body(body, BodyFormat.XML, [])


def test_a_body_that_is_not_json_is_a_reply_error() -> None:
    with pytest.raises(AgencyReplyError, match="not JSON"):
        read_body(b"<html>maintenance</html>", BodyFormat.JSON, [])


def _template(**fields: Any) -> RequestTemplate:
    return RequestTemplate.model_validate(fields)


def test_a_key_is_encoded_for_where_it_goes() -> None:
    template = compile_template(
        _template(
            method="POST",
            path="/peserta/{key}/detail",
            query={"nik": "{key}"},
            headers={"X-Key": "k={key}"},
            body={"nik": "{key}", "note": "key {key}", "list": ["{key}", 3]},
        ),
        frozenset({"key"}),
        "fetch.request",
    )
    sent = template.render({"key": "a/b&c<d"})
    assert sent.path == "/peserta/a%2Fb%26c%3Cd/detail"
    assert sent.params == {"nik": "a/b&c<d"}
    assert sent.headers == {"X-Key": "k=a/b&c<d"}
    assert sent.json == {"nik": "a/b&c<d", "note": "key a/b&c<d", "list": ["a/b&c<d", 3]}


def test_an_exact_placeholder_in_json_is_the_value_itself() -> None:
    template = compile_template(
        _template(method="POST", path="/p", body={"service": "{service}", "s": "x{service}"}),
        frozenset({"service"}),
        "complaints.file",
    )
    assert template.render({"service": None}).json == {"service": None, "s": "x"}


def test_an_xml_body_escapes_values() -> None:
    template = compile_template(
        _template(method="POST", path="/cari", body="<Cari a='{key}'><Nik>{key}</Nik></Cari>"),
        frozenset({"key"}),
        "fetch.request",
    )
    sent = template.render({"key": "<&'\">"})
    assert sent.content == (
        b"<Cari a='&lt;&amp;&apos;&quot;&gt;'><Nik>&lt;&amp;&apos;&quot;&gt;</Nik></Cari>"
    )
    assert sent.headers["Content-Type"].startswith("application/xml")


@pytest.mark.parametrize("value", [".", ".."])
def test_a_dot_segment_key_is_refused(value: str) -> None:
    template = compile_template(_template(path="/p/{key}"), frozenset({"key"}), "f")
    with pytest.raises(AgencyRefusedInput):
        template.render({"key": value})


def test_a_header_value_with_a_line_break_is_refused() -> None:
    template = compile_template(
        _template(path="/p", headers={"X": "{key}"}), frozenset({"key"}), "f"
    )
    with pytest.raises(AgencyRefusedInput):
        template.render({"key": "a\r\nX-Injected: 1"})


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"path": "/p/{nik}"}, "fetch.request.path", "unknown placeholder {nik}"),
        ({"path": "/p", "query": {"q": "{key!r}"}}, "fetch.request.query.q", "takes no format"),
        (
            {"path": "/p", "headers": {"Authorization": "x"}},
            "fetch.request.headers.Authorization",
            "sets this header",
        ),
        (
            {"path": "/p", "headers": {"traceparent": "x"}},
            "fetch.request.headers.traceparent",
            "sets this header",
        ),
        ({"path": "/p", "body": {"a": "b"}}, "fetch.request.body", "GET request has no body"),
        ({"path": "/p?x={key}"}, "fetch.request.path", "query"),
        (
            {"method": "POST", "path": "/p", "body": {"a": ["{oops}"]}},
            "fetch.request.body.a[0]",
            "unknown placeholder",
        ),
        ({"path": "/p/{key"}, "fetch.request.path", "brace"),
        (
            {"path": "/p", "headers": {"X-Note": "a\r\nX-Injected: 1"}},
            "fetch.request.headers.X-Note",
            "control characters",
        ),
    ],
)
def test_a_template_that_cannot_be_used_is_refused_naming_the_field(
    fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DeclarationInvalid) as refused:
        check_template(_template(**fields), frozenset({"key"}), "fetch.request")
    assert refused.value.field == field
    assert message in refused.value.message


def test_a_record_that_fits_passes_and_one_that_does_not_names_the_field() -> None:
    check = RecordCheck(SCHEMA)
    record = {"card_number": "0001234567890", "class": 1, "since": "2020-01-01"}
    assert check.check(record, Cardinality.ONE) == record
    with pytest.raises(AgencyReplyError, match=r"card_number: fails `pattern`"):
        check.check({**record, "card_number": "12"}, Cardinality.ONE)
    with pytest.raises(AgencyReplyError, match=r"record 1 .*class: is not of type integer"):
        check.check([record, {**record, "class": "1"}], Cardinality.MANY)
    with pytest.raises(AgencyReplyError, match="since: is not a date"):
        check.check({**record, "since": "2020-13-01"}, Cardinality.ONE)
    with pytest.raises(AgencyReplyError, match="needs a list"):
        check.check(record, Cardinality.MANY)


def test_a_mismatch_does_not_quote_the_personal_data() -> None:
    with pytest.raises(AgencyReplyError) as mismatch:
        RecordCheck(SCHEMA).check({"card_number": "3174101704820001", "class": 1}, Cardinality.ONE)
    assert "3174101704820001" not in str(mismatch.value)


def test_a_mismatch_names_no_key_the_record_chose() -> None:
    """A record may key a map by a value (its holder's NIK, a name): the path shows the
    schema's names and positions, and `*` for a key the schema does not name."""
    check = RecordCheck(
        {
            "type": "object",
            "properties": {
                "holders": {"type": "object", "additionalProperties": {"type": "string"}},
                "plots": {"type": "array", "items": {"$ref": "#/$defs/plot"}},
            },
            "$defs": {"plot": {"type": "object", "properties": {"area": {"type": "number"}}}},
            "additionalProperties": False,
        }
    )
    failures = []
    for record in (
        {"holders": {"3174101704820001": 1}},
        {"plots": [{"area": 1}, {"area": "3174101704820001"}]},
        {"3174101704820001": "owner", "3273064811790001": "heir"},
    ):
        with pytest.raises(AgencyReplyError) as mismatch:
            check.check(record, Cardinality.ONE)
        failures.append(str(mismatch.value).removeprefix("the record does not fit the "))
    assert failures == [
        "product's schema: holders.*: is not of type string",
        "product's schema: plots[1].area: is not of type number",
        "product's schema: (the record): has 2 properties the schema does not allow",
    ]


def test_a_mapping_failure_names_its_field_and_never_the_value_even_in_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """JMESPath's own message quotes the value it failed on; what is raised says the field and
    the kind of failure, and is not chained to that message, so an error logged with its
    traceback does not print it either."""
    reply = {"nama": "RAHASIA-MARKER", "umur": 41}
    failures = {}
    for field, text in {
        "fetch.response.records": "{name: join(' ', nama)}",
        "fetch.response.errors[0].when": "nama > umur",
        "complaints.ticket": "max_by([nama, umur], &@)",
    }.items():
        with pytest.raises(MappingFailed) as failed:
            compile_expression(text, field).evaluate(reply)
        logging.getLogger("satupintu.test").error("read failed", exc_info=failed.value)
        failures[field] = str(failed.value)
    assert failures == {
        "fetch.response.records": "`fetch.response.records` failed on the reply: "
        "invalid type for function join: expected array-string, got string",
        "fetch.response.errors[0].when": "`fetch.response.errors[0].when` failed on the reply: "
        "cannot order string and number",
        "complaints.ticket": "`complaints.ticket` failed on the reply: "
        "values it cannot compare or combine (TypeError)",
    }
    assert "RAHASIA-MARKER" not in caplog.text


@pytest.mark.parametrize(
    ("schema", "field", "message"),
    [
        ({"type": "array"}, "schema.type", "type: object"),
        (
            {"type": "object", "properties": {"a": {"type": 5}}},
            "schema.properties.a.type",
            "not a valid JSON Schema",
        ),
        (
            {"type": "object", "properties": {"a": {"$ref": "https://example.com/s.json"}}},
            "schema",
            "only references within the schema",
        ),
        (
            {"type": "object", "$schema": "http://json-schema.org/draft-07/schema#"},
            "schema.$schema",
            "2020-12",
        ),
        (
            {"type": "object", "properties": {"a": {"$ref": "#/$defs/none"}}},
            "schema",
            "cannot be used",
        ),
        ({"type": "object", "description": "x" * 70_000}, "schema", "over 64 KB"),
    ],
)
def test_a_record_schema_that_cannot_be_used_is_refused(
    schema: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(DeclarationInvalid) as refused:
        check_record_schema(schema)
    assert refused.value.field == field
    assert message in refused.value.message


def test_secrets_come_inline_or_from_the_gateways_environment() -> None:
    resolver = SecretResolver({"SATUPINTU_AGENCY_SECRET_BPJS_KEY": "from-env"})
    assert resolver.resolve(Secret(value=SecretStr("inline"))) == "inline"
    assert resolver.resolve(Secret(secret_ref="BPJS_KEY")) == "from-env"
    with pytest.raises(AgencyUnavailable, match="secret OTHER_KEY is not set on the gateway"):
        resolver.resolve(Secret(secret_ref="OTHER_KEY"))


def test_an_xml_body_keeps_the_content_type_the_template_gives() -> None:
    template = compile_template(
        _template(method="POST", path="/p", headers={"content-type": "text/xml"}, body="<a/>"),
        frozenset(),
        "fetch.request",
    )
    assert template.render({}).headers == {"content-type": "text/xml"}


#: Every kind of JMESPath node and every built-in function, on the keys the documents below
#: have: what the compiled evaluator must give exactly as `jmespath.search` does.
DIFFERENTIAL = [
    # fields and subexpressions
    "a",
    "a.b",
    "a.b.c",
    "a.b.c.d",
    '"a"."b"',
    "missing.a",
    "people[0].name",
    # indexes and slices
    "a[0]",
    "a[-1]",
    "a[0][0]",
    "nums[10]",
    "a[1:]",
    "a[::-1]",
    "nums[:2]",
    "nums[1:3:2]",
    "a[::2].b",
    "strs[-2:]",
    # projections of every kind, flatten
    "a[*]",
    "a[*].b",
    "a[*][0]",
    "a[*].b[*].c",
    "people[*].name",
    "a.*",
    "a.*.b",
    "*.b",
    "obj.*.a",
    "a[]",
    "a[].b",
    "a[][]",
    "[a, b][]",
    "people[].tags[]",
    "people[].tags[] | [0]",
    # filters with every comparator
    "a[?b]",
    "a[?@]",
    "a[?!b]",
    "a[?b == c]",
    "a[?b != c]",
    "a[?@ == `1`]",
    "a[?@ == `true`]",
    "a[?b && c]",
    "a[?b || c]",
    "people[?age > `30`].name",
    "people[?age >= `30`].name",
    "people[?age < `30`].age",
    "people[?age <= `30`]",
    "people[?name > 'b'].name",
    "people[?tags].tags",
    "nums[?@ >= `0`]",
    "strs[?@ < 'b']",
    "a[?b < c]",
    # comparisons
    "a == b",
    "a != b",
    "a == 'a'",
    "a != 'a'",
    "a == `1`",
    "a == `0`",
    "a == `true`",
    "a == `false`",
    "a != `true`",
    "`1` == `true`",
    "`0` == `false`",
    "a == `null`",
    "a == `[1]`",
    "a == `{}`",
    "a < b",
    "a <= b",
    "a > b",
    "a >= b",
    "a < `1`",
    "nums[0] < nums[1]",
    "strs[0] >= strs[1]",
    # and, or, not
    "a || b",
    "a && b",
    "a || b || c",
    "a && b && c",
    "(a || b) && c",
    "a && (b || c)",
    "a || (b && c)",
    "!a",
    "!!a",
    "!(a == b)",
    "a || `0`",
    "`0` && a",
    "a && 'yes'",
    "'' || a",
    "a.b || a",
    # codes translated by `&&`/`||` chains
    "(a == 'a' && 'A') || (a == 'b' && 'B') || a",
    "(a == 'a' && 'A') || (a == 'b' && 'B')",
    "(contains(['a', 'ab'], a) && 'X') || ('b' == a && 'Y') || (a == 'b' && 'Z') || 'none'",
    "(a == 'a' && '') || (a == 'a' && 'second') || a",
    "(a == 'a' && 'A') || (a == 'a' && 'again') || (b == 'a' && 'B') || (b == '' && 'E')",
    "(contains(['a', 'b'], @) && 'y') || (@ == 'c' && 'z')",
    "(a.b == 'a' && `1`) || (a.b == `\"b\"` && `[1]`) || (a.b == '1' && `0`) || a.b",
    "(contains(`[\"a\", \"b\"]`, a) && 'L') || (a == '' && 'E') || `false`",
    "a[*].[(b == 'a' && 'A') || (b == 'b' && 'B') || b]",
    "(a[0] == 'a' && 'A') || (a[0] == 'b' && 'B') || (a[1] == 'a' && 'C')",
    "x || (a == 'a' && 'A') || (a == 'b' && 'B') || (to_string(a) == '1' && 'one')",
    # multi-selects
    "[a, b]",
    "{x: a, y: b}",
    "a.[b, c]",
    "a.{x: b, y: c}",
    "{x: a, x: b}",
    "a[*].[b, c]",
    "[a, b][0]",
    "people[*].{n: name, a: age}",
    "['a', `1`, `null`]",
    "a.['x', `[2]`]",
    "{k: 'v', n: `null`}",
    "a.{k: 'v'}",
    # literals and the current node
    '`"x"`',
    "`[1, 2]`",
    '`{"k": 1}`',
    "'raw'",
    "`null`",
    "`true`",
    "`1.5`",
    "@",
    "@.a",
    "[@, @]",
    # pipes
    "a | b",
    "a[*].b | [0]",
    "people[*].name | sort(@)",
    "a | @",
    "a | b | c",
    # functions
    "abs(a)",
    "abs(nums[0])",
    "avg(nums)",
    "avg(a)",
    "ceil(a)",
    "ceil(nums[0])",
    "floor(a)",
    "floor(nums[-1])",
    "contains(a, 'a')",
    "contains(strs, a)",
    'contains(`["11", "12"]`, a)',
    "contains(['11', '12', `1`], a)",
    "ends_with(a, 'b')",
    "starts_with(a, 'a')",
    "starts_with(strs[0], 'a')",
    "join(',', strs)",
    "join(a, strs)",
    "join('-', a)",
    "keys(a)",
    "keys(obj)",
    "values(a)",
    "values(obj)",
    "length(a)",
    "length(people[?age > `1`])",
    "map(&name, people)",
    "map(&[0], a)",
    "map(&b, a)",
    "max(nums)",
    "max(strs)",
    "max(a)",
    "min(nums)",
    "min(a)",
    "max_by(people, &age)",
    "max_by(people, &name)",
    "max_by(a, &b)",
    "min_by(people, &age)",
    "min_by(a, &b)",
    "merge(a, b)",
    'merge(obj, `{"z": 1}`)',
    "merge(obj)",
    "not_null(a, b, c)",
    "not_null(missing, a)",
    "reverse(a)",
    "reverse(strs)",
    "sort(nums)",
    "sort(strs)",
    "sort(a)",
    "sort_by(people, &age)",
    "sort_by(people, &name)",
    "sort_by(a, &b)",
    "sum(nums)",
    "sum(a)",
    "to_array(a)",
    "to_number(a)",
    "to_number('12')",
    "to_number('1.5')",
    "to_number('x')",
    "to_number(nums[0])",
    "to_string(a)",
    "to_string(people)",
    "type(a)",
    "type(@)",
    "people[?contains(tags, 'a')].name",
    "sort_by(people[?age > `1`], &name)[*].name",
]
NODE_TYPES = {
    "and_expression",
    "comparator",
    "current",
    "expref",
    "field",
    "filter_projection",
    "flatten",
    "function_expression",
    "identity",
    "index",
    "index_expression",
    "key_val_pair",
    "literal",
    "multi_select_dict",
    "multi_select_list",
    "not_expression",
    "or_expression",
    "pipe",
    "projection",
    "slice",
    "subexpression",
    "value_projection",
}
_KEYS = st.sampled_from(["a", "b", "c", "d"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-2, 3)
    | st.floats(-3, 3, allow_nan=False)
    | st.sampled_from(["", "a", "b", "ab", "ba", "0", "1", "11", "1.5", "é"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, min_size=1, max_size=4)
    ),
    max_leaves=16,
)
_STRINGS = st.sampled_from(["", "a", "b", "ab", "ba", "é"])
_PEOPLE = st.lists(
    st.fixed_dictionaries(
        {"name": _STRINGS, "age": st.integers(0, 60), "tags": st.lists(_STRINGS, max_size=3)}
    ),
    max_size=4,
)
DOCUMENTS = st.fixed_dictionaries(
    dict.fromkeys("abc", _SCALARS | _VALUES),
    optional={
        "people": _PEOPLE,
        "nums": st.lists(st.integers(-5, 5) | st.floats(-5, 5, allow_nan=False), max_size=5),
        "strs": st.lists(_STRINGS, max_size=5),
        "obj": st.dictionaries(_KEYS, _VALUES, max_size=3),
    },
)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in node.get("children", ()):
        if isinstance(child, dict):
            yield from _nodes(child)


def test_the_differential_corpus_covers_every_node_and_function() -> None:
    nodes = [node for text in DIFFERENTIAL for node in _nodes(jmespath.compile(text).parsed)]
    assert {node["type"] for node in nodes} == NODE_TYPES
    called = {node["value"] for node in nodes if node["type"] == "function_expression"}
    assert called == set(jmespath_functions.Functions.FUNCTION_TABLE)


def _outcome(run: Callable[[], Any]) -> str:
    """What an evaluation gave, told apart as `jmespath.search` would (`1`, `1.0` and `true`
    differ, and so does key order); any failure counts as the same outcome."""
    try:
        return repr(run())
    except (AgencyReplyError, jmespath_exceptions.JMESPathError, TypeError, ValueError):
        return "fails"


COMPILED = [compile_expression(text, "f") for text in DIFFERENTIAL]


@settings(max_examples=400, deadline=None)
@given(document=DOCUMENTS | _VALUES)
@example(document={"a": {"b": {"c": {"d": 1}}, "c": [1, "a"]}, "b": 1, "c": "x"})
@example(document={"a": [{"b": 2, "c": 1}, {"b": 1, "c": [True]}, {"b": 3}], "b": 1, "c": 0})
@example(document={"a": [{"b": "x"}, {"b": "a"}, {"c": 1}], "b": [1, 2], "c": True})
@example(document={"a": [[1, [2]], [3], 4, None], "b": "ab", "c": {"a": 1}})
@example(document={"a": ["ab", "b", "ba"], "b": "", "c": []})
@example(document={"a": "ab", "b": "ba", "c": {}, "strs": ["a", "b"], "nums": [1, 2.5]})
@example(document={"a": 1.5, "b": 2, "c": -1, "nums": [3, -2, 0.5, 0]})
@example(document={"a": True, "b": 1, "c": False})
@example(document={"a": 0, "b": False, "c": 1})
@example(document={"a": "1.5", "b": "1", "c": "0"})
def test_a_compiled_mapping_gives_what_jmespath_search_gives(document: Any) -> None:
    for text, compiled in zip(DIFFERENTIAL, COMPILED, strict=True):
        expected = _outcome(partial(jmespath.search, text, document))
        assert _outcome(partial(compiled.evaluate, document)) == expected, text
        truth = _outcome(partial(_jmespath_truth, text, document))
        assert _outcome(partial(compiled.holds, document)) == truth, text


def _jmespath_truth(text: str, document: Any) -> bool:
    """The library's own truth of a value: a filter keeps an element only if it is true."""
    return bool(jmespath.search("[?@]", [jmespath.search(text, document)]))


@pytest.mark.parametrize(
    ("text", "value"), [("{k: 'v', n: `1`}", {"k": "v", "n": 1}), ("['11', '12']", ["11", "12"])]
)
def test_a_selection_the_caller_changes_is_not_what_the_next_evaluation_gives(
    text: str, value: Any
) -> None:
    mapping = compile_expression(text, "f")
    first = mapping.evaluate({})
    assert first == value
    (first.update if isinstance(first, dict) else first.append)({"changed": True})
    assert mapping.evaluate({}) == value


def test_constant_and_templated_headers_and_query_keep_their_order_and_are_fresh() -> None:
    template = compile_template(
        _template(
            path="/p/{key}",
            headers={"Accept": "application/json", "X-Key": "{key}", "X-Fixed": "1"},
            query={"a": "1", "nik": "{key}"},
        ),
        frozenset({"key"}),
        "fetch.request",
    )
    first = template.render({"key": "1"})
    assert list(first.headers.items()) == [
        ("Accept", "application/json"),
        ("X-Key", "1"),
        ("X-Fixed", "1"),
    ]
    assert list(first.params.items()) == [("a", "1"), ("nik", "1")]
    first.headers["Authorization"] = "Bearer secret"
    first.params["api_key"] = "secret"
    second = template.render({"key": "2"})
    assert second.headers == {"Accept": "application/json", "X-Key": "2", "X-Fixed": "1"}
    assert second.params == {"a": "1", "nik": "2"}
    assert second.path == "/p/2"
