"""JMESPath mappings from an agency's reply to records, compiled once and evaluated within
hard bounds.

A mapping is written by an agency administrator, not by the gateway's developers, so it is
untrusted input that runs on every read: `{a:@,b:@} | {a:@,b:@} | ...` doubles its output at
each stage while visiting only three nodes, and `[@,@,@,@][] | [@,@,@,@][] | ...` grows a list
fourfold per stage inside one loop. An evaluation is therefore charged for the work that
depends on its input (each loop, before it runs, its body's nodes per element; each function
what it is given and gives back), looks at the clock every `CLOCK_EVERY` steps, and walks its
result (and any value a function would serialise or compare deeply) with a bounded walk that
stops at the first node past the limit and is charged the nodes it visited; past any limit it
raises `MappingCutOff`. The steps and the clock are one `MappingBudget` per reply, shared by
every expression evaluated on it (each error rule, `not_found`, a message, `records`), so a
reply costs at most one budget however many rules the declaration has. JMESPath itself runs
no code: it has a fixed set of functions and none is added here. A failure or cut-off names the
expression's field in the declaration and the kind of failure, never a value of the reply:
its message reaches API clients as a source's `detail`, and the logs.

The syntax tree JMESPath parses is turned into nested Python closures when the product
version is loaded, since a reply is mapped on every read and the library's tree interpreter
spends most of a small mapping's time deciding what each node is. The closures follow the
library's semantics, not only the specification's (`jmespath.search` is the reference the
tests compare them with).

Bodies are read here too, JSON with orjson and XML without a DTD (so with no entity of any
kind, internal or external), both after a size check.
"""

import json
import operator
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from xml.parsers import expat

import jmespath
import orjson
import xmltodict
from jmespath import exceptions as jmespath_errors
from jmespath import functions as jmespath_functions

from app.adapters.base import AgencyContentError, AgencyReplyError
from app.products.declaration import BodyFormat

if TYPE_CHECKING:
    from jmespath.visitor import _TreeNode as Node

#: Steps the mappings of one reply may take together: about the nodes they visit inside loops,
#: the elements and characters their functions handle, and the values their results hold.
MAX_STEPS = 100_000
#: Wall-clock budget of the mappings of one reply, from when it was read, looked at every
#: `CLOCK_EVERY` steps: a realistic reply takes a few dozen steps and reads the clock once,
#: when its budget starts.
MAX_SECONDS = 0.020
CLOCK_EVERY = 2048
#: What one evaluation may give back (and what a function may serialise or compare deeply).
MAX_OUTPUT_NODES = 10_000
MAX_OUTPUT_CHARS = 1_000_000
#: An expression's syntax tree deeper than this is refused when it is compiled, so evaluation
#: can never exhaust Python's stack.
MAX_EXPRESSION_DEPTH = 64
#: A reply body larger than this is not parsed.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: Tuples rather than `dict | list` unions: `isinstance` takes a tuple several times faster.
_CONTAINERS = (dict, list)
_SIZED = (dict, list, str)


class DeclarationInvalid(ValueError):
    """A declaration that cannot be used as written; `field` is its dotted path in the
    declaration (`fetch.response.records`) so the admin API can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    @property
    def issue(self) -> "FieldIssue":
        return FieldIssue(self.field, self.message)


class FieldIssue(NamedTuple):
    """One thing wrong with a declaration, where it is."""

    field: str
    message: str


class MappingFailed(AgencyContentError):
    """A mapping failed on this reply (a function given the wrong type, strings ordered
    against numbers): what this key's record holds, not the agency's health. Its message
    names the declaration's field and the kind of failure, never a value of the reply: it
    reaches API clients as a source's `detail` and the logs, where a record (another
    citizen's, for a product not keyed by NIK) must not."""


class MappingCutOff(MappingFailed):
    """A mapping was stopped at one of its limits: the reply could not be translated."""


class _BoundedFunctions(jmespath_functions.Functions):
    """JMESPath's own functions, with the two that build strings capped. `to_string` writes
    what the library's writes (`json.dumps` with its separators), so a mapping gives what
    `jmespath.search` gives. What `to_string` serialises and what `contains` compares deeply
    are walked (and charged) by the call before it reaches the function (`_DEEP`)."""

    @jmespath_functions.signature({"types": ["string"]}, {"types": ["array-string"]})
    def _func_join(self, separator: str, array: list[str]) -> str:
        size = len(separator) * len(array) + sum(len(item) for item in array)
        if size > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping built a string over {MAX_OUTPUT_CHARS} characters")
        return separator.join(array)

    @jmespath_functions.signature({"types": []})
    def _func_to_string(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        text = json.dumps(value, separators=(",", ":"), default=str)
        if len(text) > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping built a string over {MAX_OUTPUT_CHARS} characters")
        return text


_FUNCTIONS = _BoundedFunctions()
#: JMESPath's numbers. Its truth is Python's except that 0 is true, so the compiled nodes
#: test `value or value.__class__ in _NUMBERS`.
_NUMBERS = (int, float)
_ORDERED = frozenset({int, float, str})
_ORDERINGS: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _bounded_walk(value: Any) -> int:
    """How many nodes `value` has, counted as a tree (shared parts once per place they
    appear); `MappingCutOff` if over `MAX_OUTPUT_NODES`, or over `MAX_OUTPUT_CHARS` of
    strings."""
    if not isinstance(value, _CONTAINERS):
        if isinstance(value, str) and len(value) > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping gave over {MAX_OUTPUT_CHARS} characters of text")
        return 1
    nodes = 1
    chars = 0
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            chars += sum(map(len, item))
            children: Any = item.values()
        else:
            children = item
        nodes += len(children)
        if nodes > MAX_OUTPUT_NODES:
            raise MappingCutOff(f"mapping gave over {MAX_OUTPUT_NODES} values")
        for child in children:
            if child.__class__ is str:
                chars += len(child)
            elif isinstance(child, _CONTAINERS):
                pending.append(child)
            elif isinstance(child, str):
                chars += len(child)
        if chars > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping gave over {MAX_OUTPUT_CHARS} characters of text")
    return nodes


class MappingBudget:
    """What the mappings of one reply have spent, together; the clock starts when it is
    made. Only work whose amount depends on the input is charged: a loop is charged, before
    it runs, the nodes its body has for each element, a function the length of what it is
    given and gives back, and a bounded walk the nodes it visited. Every other node runs once
    per element of the loop it is in (or once), so it is already paid for by the expression's
    size, which is bounded when the expression is declared."""

    __slots__ = ("deadline", "next_check", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.next_check = CLOCK_EVERY
        self.deadline = time.perf_counter() + MAX_SECONDS

    def charge(self, steps: int) -> None:
        self.steps += steps
        if self.steps >= self.next_check:
            self._check()

    def _check(self) -> None:
        if self.steps > MAX_STEPS:
            raise MappingCutOff(f"mapping took over {MAX_STEPS} steps")
        if time.perf_counter() > self.deadline:
            raise MappingCutOff(f"mapping ran over {MAX_SECONDS * 1000:.0f} ms")
        self.next_check = self.steps + CLOCK_EVERY


#: A compiled node: its value on the current value, charging the evaluation's budget.
_Run = Callable[[Any, MappingBudget], Any]
#: The nodes that charge the budget for each element of their input.
_METERED = frozenset(
    {
        "filter_projection",
        "flatten",
        "function_expression",
        "projection",
        "slice",
        "value_projection",
    }
)


class _Expression:
    """An `&expression` argument, as JMESPath's functions call it back
    (`expref.visit(expref.expression, value)`); their type checks know it by this class
    name."""

    __slots__ = ("_budget", "expression")

    def __init__(self, expression: _Run, budget: MappingBudget) -> None:
        self.expression = expression
        self._budget = budget

    def visit(self, expression: _Run, value: Any) -> Any:
        return expression(value, self._budget)


class _Unordered(jmespath_errors.JMESPathError):
    """`<`, `<=`, `>` or `>=` between a string and a number; says only their types."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"cannot order {first} and {second}")


def _type_name(value: Any) -> str:
    """The JMESPath type of a value of the reply (`string`, `number`, ...)."""
    return _jmespath_type(type(value).__name__)


def _jmespath_type(name: str) -> str:
    """A type as JMESPath names it, from its Python name or its JMESPath one (the library's
    errors give either); `unknown` for anything else, so no other text gets through."""
    if name in jmespath_functions.REVERSE_TYPES_MAP:
        return name
    return jmespath_functions.TYPES_MAP.get(name, "unknown")


def _failure(exc: Exception) -> str:
    """What kind of failure `exc` is, in words that hold no value of the reply. JMESPath's
    own type error quotes the value it was given (`invalid type for value: <the value>`), and
    Python's messages are not ours to vouch for, so neither is passed on: a type error is
    told by the function and the types, an ordering by the types, anything else by its
    class."""
    if isinstance(exc, jmespath_errors.JMESPathTypeError):
        expected = " or ".join(str(kind) for kind in exc.expected_types)
        got = _jmespath_type(str(exc.actual_type))
        return f"invalid type for function {exc.function_name}: expected {expected}, got {got}"
    if isinstance(exc, _Unordered):
        return str(exc)
    if isinstance(exc, TypeError):
        kind = "values it cannot compare or combine"
    elif isinstance(exc, ArithmeticError):
        kind = "a number out of range"
    else:
        kind = "a value it cannot take"
    return f"{kind} ({type(exc).__name__})"


class _Refused(Exception):
    """An expression JMESPath parses but that could never be evaluated (an unknown function,
    a wrong number of arguments, a slice step of 0): refused when it is declared."""


def _equal(left: Any, right: Any) -> bool:
    """JMESPath's `==`: Python's, except that a boolean never equals the number 0 or 1."""
    return left == right and (left.__class__ is bool) is (right.__class__ is bool)


def _size(node: "Node") -> int:
    """How many nodes the expression has: what one evaluation of it visits, loops aside."""
    return 1 + sum(_size(child) for child in node["children"] if isinstance(child, dict))


def _constant(value: Any) -> _Run:
    def constant(_current: Any, _budget: MappingBudget) -> Any:
        return value

    return constant


def _current(current: Any, _budget: MappingBudget) -> Any:
    return current


def _path(names: list[str]) -> _Run:
    """`a.b.c`: a key missing, or a value that is not an object, gives null."""
    if len(names) == 1:
        [name] = names

        def field(current: Any, _budget: MappingBudget) -> Any:
            try:
                return current.get(name)
            except AttributeError:
                return None

        return field
    if len(names) == 2:
        first, second = names

        def two_fields(current: Any, _budget: MappingBudget) -> Any:
            try:
                return current.get(first).get(second)
            except AttributeError:
                return None

        return two_fields
    keys = tuple(names)

    def fields(current: Any, _budget: MappingBudget) -> Any:
        try:
            for key in keys:
                current = current.get(key)
        except AttributeError:
            return None
        return current

    return fields


def _sequence(runs: list[_Run]) -> _Run:
    """Each run on the result of the one before (`a.b`, `a[0]`, `a | b`): JMESPath applies the
    right side even to null."""
    if not runs:
        return _current
    if len(runs) == 1:
        return runs[0]
    if len(runs) == 2:
        first, second = runs

        def pair(current: Any, budget: MappingBudget) -> Any:
            return second(first(current, budget), budget)

        return pair
    chain = tuple(runs)

    def sequence(current: Any, budget: MappingBudget) -> Any:
        for run in chain:
            current = run(current, budget)
        return current

    return sequence


_CHAINED = frozenset({"subexpression", "index_expression", "pipe"})


def _links(node: "Node") -> list["Node"]:
    if node["type"] in _CHAINED:
        return [link for child in node["children"] for link in _links(child)]
    return [node]


def _chain(node: "Node") -> _Run:
    """A chain of subexpressions, index expressions and pipes, with runs of field names
    looked up in one loop."""
    runs: list[_Run] = []
    names: list[str] = []
    for link in _links(node):
        if link["type"] == "field":
            names.append(link["value"])
            continue
        if names:
            runs.append(_path(names))
            names = []
        if link["type"] not in {"current", "identity"}:
            runs.append(_compile(link))
    if names:
        runs.append(_path(names))
    return _sequence(runs)


def _field(node: "Node") -> _Run:
    return _path([node["value"]])


def _literal(node: "Node") -> _Run:
    return _constant(node["value"])


def _identity(_node: "Node") -> _Run:
    return _current


def _index(node: "Node") -> _Run:
    position: int = node["value"]

    def index(current: Any, _budget: MappingBudget) -> Any:
        if not isinstance(current, list):
            return None
        try:
            return current[position]
        except IndexError:
            return None

    return index


def _slice(node: "Node") -> _Run:
    start, stop, step = cast(list[int | None], node["children"])
    if step == 0:
        raise _Refused("a slice step cannot be 0")
    part = slice(start, stop, step)

    def sliced(current: Any, budget: MappingBudget) -> Any:
        if not isinstance(current, list):
            return None
        taken = current[part]
        budget.charge(len(taken))
        return taken

    return sliced


def _flatten(node: "Node") -> _Run:
    inner = _compile(node["children"][0])

    def flatten(current: Any, budget: MappingBudget) -> Any:
        base = inner(current, budget)
        if not isinstance(base, list):
            return None
        budget.charge(len(base))
        merged: list[Any] = []
        for element in base:
            if isinstance(element, list):
                budget.charge(len(element))
                merged.extend(element)
            else:
                merged.append(element)
        return merged

    return flatten


def _projection(node: "Node") -> _Run:
    left_node, right_node = node["children"]
    left = _compile(left_node)
    weight = 1 + _size(right_node)
    if right_node["type"] in {"identity", "current"}:

        def project_all(current: Any, budget: MappingBudget) -> Any:
            base = left(current, budget)
            if not isinstance(base, list):
                return None
            budget.charge(len(base) * weight)
            return [element for element in base if element is not None]

        return project_all
    right = _compile(right_node)

    def project(current: Any, budget: MappingBudget) -> Any:
        base = left(current, budget)
        if not isinstance(base, list):
            return None
        budget.charge(len(base) * weight)
        return _projected(base, right, budget)

    return project


def _projected(elements: Iterable[Any], right: _Run, budget: "MappingBudget") -> list[Any]:
    """JMESPath's projection: `right` of each element, nulls dropped."""
    collected = []
    for element in elements:
        projected = right(element, budget)
        if projected is not None:
            collected.append(projected)
    return collected


def _value_projection(node: "Node") -> _Run:
    left_node, right_node = node["children"]
    left, right = _compile(left_node), _compile(right_node)
    weight = 1 + _size(right_node)

    def project_values(current: Any, budget: MappingBudget) -> Any:
        try:
            base = left(current, budget).values()
        except AttributeError:
            return None
        budget.charge(len(base) * weight)
        return _projected(base, right, budget)

    return project_values


def _filter_projection(node: "Node") -> _Run:
    left_node, right_node, condition_node = node["children"]
    left, right, condition = (_compile(n) for n in (left_node, right_node, condition_node))
    weight = 1 + _size(right_node) + _size(condition_node)

    def filtered(current: Any, budget: MappingBudget) -> Any:
        base = left(current, budget)
        if not isinstance(base, list):
            return None
        budget.charge(len(base) * weight)
        collected = []
        for element in base:
            kept = condition(element, budget)
            if kept or kept.__class__ in _NUMBERS:
                projected = right(element, budget)
                if projected is not None:
                    collected.append(projected)
        return collected

    return filtered


def _multi_select_list(node: "Node") -> _Run:
    if all(child["type"] == "literal" for child in node["children"]):
        constants = [child["value"] for child in node["children"]]

        def constant_list(current: Any, _budget: MappingBudget) -> Any:
            return None if current is None else constants.copy()

        return constant_list
    items = tuple(_compile(child) for child in node["children"])

    def select_list(current: Any, budget: MappingBudget) -> Any:
        if current is None:
            return None
        return [item(current, budget) for item in items]

    return select_list


def _multi_select_dict(node: "Node") -> _Run:
    if all(pair["children"][0]["type"] == "literal" for pair in node["children"]):
        constants = {pair["value"]: pair["children"][0]["value"] for pair in node["children"]}

        def constant_dict(current: Any, _budget: MappingBudget) -> Any:
            return None if current is None else constants.copy()

        return constant_dict
    pairs = tuple((pair["value"], _compile(pair["children"][0])) for pair in node["children"])

    def select_dict(current: Any, budget: MappingBudget) -> Any:
        if current is None:
            return None
        selected = {}
        for key, item in pairs:
            selected[key] = item(current, budget)
        return selected

    return select_dict


def _operands(node: "Node") -> list["Node"]:
    """`a || b || c` as [a, b, c] (either way it is nested): both operators are associative."""
    kind = node["type"]
    return [
        operand
        for child in node["children"]
        for operand in (_operands(child) if child["type"] == kind else [child])
    ]


def _or_expression(node: "Node") -> _Run:
    operands = _operands(node)
    translations = [_translation(operand) for operand in operands]
    runs: list[_Run] = []
    start = 0
    while start < len(operands):
        end = start + 1
        first = translations[start]
        while first is not None and end < len(operands):
            following = translations[end]
            if following is None or following.subject != first.subject:
                break
            end += 1
        if end - start > 1:
            table = [translation for translation in translations[start:end] if translation]
            runs.append(_table(operands[start:end], table))
        else:
            runs.append(_compile(operands[start]))
        start = end
    return _either(runs)


def _either(operands: list[_Run]) -> _Run:
    *firsts, last = operands
    if not firsts:
        return last
    if len(firsts) == 1:
        [first] = firsts

        def either_of_two(current: Any, budget: MappingBudget) -> Any:
            value = first(current, budget)
            if value or value.__class__ in _NUMBERS:
                return value
            return last(current, budget)

        return either_of_two

    def either(current: Any, budget: MappingBudget) -> Any:
        for operand in firsts:
            value = operand(current, budget)
            if value or value.__class__ in _NUMBERS:
                return value
        return last(current, budget)

    return either


class _Translation(NamedTuple):
    """`(subject == 'x' && 'X')`, or `(contains(['x', 'y'], subject) && 'X')`: what an agency's
    code becomes."""

    subject: "Node"
    codes: list[str]
    value: Any


def _translation(operand: "Node") -> _Translation | None:
    """The operand as a translation, if it is one that a table can replace: the subject has
    no loop or function (so evaluating it once instead of once per operand changes nothing)
    and the value is true (so the first operand that matches a code is the one that
    answers)."""
    if operand["type"] != "and_expression":
        return None
    parts = _operands(operand)
    if len(parts) != 2 or parts[1]["type"] != "literal":
        return None
    condition, value = parts[0], parts[1]["value"]
    if not (value or value.__class__ in _NUMBERS):
        return None
    found = _codes(condition)
    if found is None:
        return None
    subject, codes = found
    if any(node["type"] in _METERED or node["type"] == "expref" for node in _nodes(subject)):
        return None
    return _Translation(subject, codes, value)


def _codes(condition: "Node") -> tuple["Node", list[str]] | None:
    """`subject == 'x'` or `contains(['x', 'y'], subject)` as (subject, codes)."""
    children = condition["children"]
    subject, codes = None, None
    if condition["type"] == "comparator" and condition["value"] == "eq":
        left, right = children
        if right["type"] == "literal":
            subject, codes = left, _strings([right["value"]])
        elif left["type"] == "literal":
            subject, codes = right, _strings([left["value"]])
    elif condition["type"] == "function_expression" and condition["value"] == "contains":
        listed, subject = children if len(children) == 2 else (None, None)
        codes = None if listed is None else _listed_strings(listed)
    if subject is None or codes is None:
        return None
    return subject, codes


def _strings(values: Any) -> list[str] | None:
    if isinstance(values, list) and all(isinstance(value, str) for value in values):
        return values
    return None


def _listed_strings(node: "Node") -> list[str] | None:
    """The strings of `['a', 'b']` or `` `["a", "b"]` ``, if that is what the node is."""
    if node["type"] == "literal":
        return _strings(node["value"])
    if node["type"] == "multi_select_list" and all(
        child["type"] == "literal" for child in node["children"]
    ):
        return _strings([child["value"] for child in node["children"]])
    return None


def _table(operands: list["Node"], translations: list[_Translation]) -> _Run:
    """Consecutive translations of one subject, in an `||` chain, as one lookup: the subject
    is evaluated once and its code found in a dict. No match gives false, as the last
    translation's condition would. On a null current node the operands run as written,
    since `contains([...], x)` then fails as JMESPath's does."""
    table: dict[str, Any] = {}
    for translation in translations:
        for code in translation.codes:
            table.setdefault(code, translation.value)
    subject = _compile(translations[0].subject)
    as_written = _either([_compile(operand) for operand in operands])

    def translate(current: Any, budget: MappingBudget) -> Any:
        if current is None:
            return as_written(current, budget)
        code = subject(current, budget)
        if isinstance(code, str):
            value = table.get(code)
            if value is not None:
                return value
        return False

    return translate


def _and_expression(node: "Node") -> _Run:
    operands = _operands(node)
    *firsts, last = (_compile(operand) for operand in operands)
    if len(firsts) == 1:
        [first] = firsts
        if operands[-1]["type"] == "literal":
            constant = operands[-1]["value"]

            def then_constant(current: Any, budget: MappingBudget) -> Any:
                value = first(current, budget)
                if value or value.__class__ in _NUMBERS:
                    return constant
                return value

            return then_constant

        def both_of_two(current: Any, budget: MappingBudget) -> Any:
            value = first(current, budget)
            if value or value.__class__ in _NUMBERS:
                return last(current, budget)
            return value

        return both_of_two

    def both(current: Any, budget: MappingBudget) -> Any:
        for operand in firsts:
            value = operand(current, budget)
            if not (value or value.__class__ in _NUMBERS):
                return value
        return last(current, budget)

    return both


def _not_expression(node: "Node") -> _Run:
    inner = _compile(node["children"][0])

    def negated(current: Any, budget: MappingBudget) -> Any:
        value = inner(current, budget)
        return not (value or value.__class__ in _NUMBERS)

    return negated


def _comparator(node: "Node") -> _Run:
    operator_name: str = node["value"]
    left_node, right_node = node["children"]
    left, right = _compile(left_node), _compile(right_node)
    if operator_name in {"eq", "ne"}:
        return _equality(operator_name == "eq", left_node, left, right_node, right)
    ordering = _ORDERINGS[operator_name]

    def ordered(current: Any, budget: MappingBudget) -> Any:
        first = left(current, budget)
        second = right(current, budget)
        if first.__class__ not in _ORDERED or second.__class__ not in _ORDERED:
            return None
        try:
            return ordering(first, second)
        except TypeError as exc:
            raise _Unordered(_type_name(first), _type_name(second)) from exc

    return ordered


def _equality(equal: bool, left_node: "Node", left: _Run, right_node: "Node", right: _Run) -> _Run:
    """`==` and `!=`. Against a literal the comparison costs at most the literal's size, and
    against a literal string it is plain string equality; otherwise both sides are walked
    first, since comparing two deep values costs their size."""
    literal = next((n for n in (right_node, left_node) if n["type"] == "literal"), None)
    if literal is not None:
        other = left if literal is right_node else right
        constant = literal["value"]
        if isinstance(constant, str):
            if equal:
                return lambda current, budget: other(current, budget) == constant
            return lambda current, budget: other(current, budget) != constant
        if equal:
            return lambda current, budget: _equal(other(current, budget), constant)
        return lambda current, budget: not _equal(other(current, budget), constant)

    def deep(current: Any, budget: MappingBudget) -> Any:
        first = left(current, budget)
        second = right(current, budget)
        if isinstance(first, _CONTAINERS):
            budget.charge(_bounded_walk(first))
        if isinstance(second, _CONTAINERS):
            budget.charge(_bounded_walk(second))
        return _equal(first, second) is equal

    return deep


def _expref(node: "Node") -> _Run:
    body = _compile(node["children"][0])

    def expref(_current: Any, budget: MappingBudget) -> Any:
        return _Expression(body, budget)

    return expref


#: The Python classes of JMESPath's type names, for a quick check that lets most calls skip
#: the library's own; a class missing here only sends the call to the full check.
_CLASSES: dict[str, type] = {
    "array": list,
    "boolean": bool,
    "expref": _Expression,
    "null": type(None),
    "number": int,
    "object": dict,
    "string": str,
}


def _accepted(types: list[str]) -> tuple[frozenset[type], bool]:
    """The classes a parameter surely takes, and whether JMESPath also checks the elements
    of an array it is given (`array-string`)."""
    classes: set[type] = set()
    elements = False
    for jmespath_type in types:
        outer, _, inner = jmespath_type.partition("-")
        classes.add(_CLASSES[outer])
        if outer == "number":
            classes.add(float)
        elements = elements or bool(inner)
    return frozenset(classes), elements


def _serialised(values: list[Any]) -> Any:
    """What `to_string` serialises, which costs its size."""
    [value] = values
    return value if isinstance(value, _CONTAINERS) else None


def _searched(values: list[Any]) -> Any:
    """Looking for an array or object with `contains` compares it with each element, which
    costs up to the elements' size."""
    subject, search = values
    return subject if isinstance(search, _CONTAINERS) and isinstance(subject, list) else None


#: The functions that look deep into an argument, and which argument, walked before the call.
_DEEP: dict[str, Callable[[list[Any]], Any]] = {
    "to_string": _serialised,
    "contains": _searched,
}


def _function_expression(node: "Node") -> _Run:
    """A call of one of JMESPath's functions, charged the length of what it is given (times
    the nodes of an `&expression` it applies to each element) and of what it gives back.
    Arguments of the right classes go straight to the function; anything else, and any array
    whose elements are typed, takes JMESPath's own `call_function`, which checks fully and
    raises its own error."""
    name: str = node["value"]
    spec = _FUNCTIONS.FUNCTION_TABLE.get(name)
    if spec is None:
        raise _Refused(f"unknown function {name}()")
    signature = spec["signature"]
    children = node["children"]
    variadic = bool(signature) and signature[-1].get("variadic", False)
    if len(children) < len(signature) or (not variadic and len(children) > len(signature)):
        wanted = f"{'at least ' if variadic else ''}{len(signature)}"
        raise _Refused(f"{name}() takes {wanted} arguments, not {len(children)}")
    checks = []
    full_check = False
    for position, parameter in enumerate(signature):
        if parameter["types"]:
            classes, elements = _accepted(parameter["types"])
            checks.append((position, classes))
            full_check = full_check or elements
    weight = 1 + sum(_size(child) for child in children if child["type"] == "expref")
    function = spec["function"].__get__(_FUNCTIONS)
    deep = _DEEP.get(name)

    def apply(values: list[Any], budget: MappingBudget) -> Any:
        steps = 0
        for value in values:
            if isinstance(value, _SIZED):
                steps += len(value)
        if steps:
            budget.charge(steps * weight)
        if deep is not None:
            looked_into = deep(values)
            if looked_into is not None:
                budget.charge(_bounded_walk(looked_into))
        checked = full_check
        for position, classes in checks:
            if values[position].__class__ not in classes:
                checked = True
        result = _FUNCTIONS.call_function(name, values) if checked else function(*values)
        if isinstance(result, _CONTAINERS):
            budget.charge(len(result))
        return result

    arguments = [_compile(child) for child in children]
    if len(arguments) == 1:
        [only] = arguments
        return lambda current, budget: apply([only(current, budget)], budget)
    if len(arguments) == 2:
        first, second = arguments
        return lambda current, budget: apply(
            [first(current, budget), second(current, budget)], budget
        )
    return lambda current, budget: apply(
        [argument(current, budget) for argument in arguments], budget
    )


_COMPILERS: dict[str, Callable[["Node"], _Run]] = {
    "and_expression": _and_expression,
    "comparator": _comparator,
    "current": _identity,
    "expref": _expref,
    "field": _field,
    "filter_projection": _filter_projection,
    "flatten": _flatten,
    "function_expression": _function_expression,
    "identity": _identity,
    "index": _index,
    "index_expression": _chain,
    "literal": _literal,
    "multi_select_dict": _multi_select_dict,
    "multi_select_list": _multi_select_list,
    "not_expression": _not_expression,
    "or_expression": _or_expression,
    "pipe": _chain,
    "projection": _projection,
    "slice": _slice,
    "subexpression": _chain,
    "value_projection": _value_projection,
}


def _compile(node: "Node") -> _Run:
    compiler = _COMPILERS.get(node["type"])
    if compiler is None:
        raise _Refused(f"JMESPath node {node['type']} is not supported")
    return compiler(node)


def _nodes(node: "Node") -> Iterator["Node"]:
    yield node
    for child in node["children"]:
        if isinstance(child, dict):
            yield from _nodes(child)


def _depth(node: "Node") -> int:
    pending = [(node, 1)]
    deepest = 0
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend(
            (child, depth + 1) for child in current.get("children", ()) if isinstance(child, dict)
        )
    return deepest


class Expression:
    """A mapping compiled once per product version into Python closures, one per node, so
    an evaluation on every reply does no lookup of what each node is. `field` is where the
    declaration holds it (`fetch.response.records`): a failure names it, not the reply."""

    __slots__ = ("_run", "field", "text")

    def __init__(self, text: str, tree: "Node", field: str) -> None:
        """`_Refused` for a node that could never be evaluated."""
        self.text = text
        self.field = field
        self._run = _compile(tree)

    def evaluate(self, document: Any, budget: MappingBudget | None = None) -> Any:
        """The expression's value on `document`, as `jmespath.search` gives it, spending
        `budget` (the reply's, shared with its other expressions; a budget of its own if
        None); `MappingCutOff` past any limit, `MappingFailed` if it fails on this document
        (a function given the wrong type, strings ordered against numbers), each naming the
        field and what went wrong but no value of the document."""
        if budget is None:
            budget = MappingBudget()
        try:
            result = self._run(document, budget)
            if isinstance(result, _SIZED):
                budget.charge(_bounded_walk(result))
        except _FAILURES as exc:
            raise self._failed(exc) from None
        return result

    def holds(self, document: Any, budget: MappingBudget | None = None) -> bool:
        """Whether the expression is true on `document`, by JMESPath's truth (an empty
        string, array or object, false and null are false; 0 is true), spending `budget` and
        failing as `evaluate` does. Only the truth is kept, so the value is not walked for
        its size."""
        try:
            value = self._run(document, MappingBudget() if budget is None else budget)
        except _FAILURES as exc:
            raise self._failed(exc) from None
        return bool(value) or value.__class__ in _NUMBERS

    def _failed(self, exc: Exception) -> MappingFailed:
        """The field's cut-off or failure for `exc`, raised while evaluating. It is raised
        `from None`: the original's message may quote the reply, and a logged traceback
        would print it."""
        if isinstance(exc, MappingCutOff):
            return MappingCutOff(f"`{self.field}`: {exc}")
        if isinstance(exc, RecursionError):
            return MappingCutOff(f"`{self.field}`: mapping nested too deeply")
        return MappingFailed(f"`{self.field}` failed on the reply: {_failure(exc)}")

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


#: What an evaluation can fail with: its own cut-offs, and JMESPath's and Python's errors
#: on values of the wrong kind.
_FAILURES = (
    MappingCutOff,
    RecursionError,
    jmespath_errors.JMESPathError,
    TypeError,
    ValueError,
    ArithmeticError,
)


def compile_expression(text: str, field: str) -> Expression:
    """Parse and compile `text`; `DeclarationInvalid` naming `field` if it is not JMESPath
    or could never be evaluated."""
    try:
        parsed = jmespath.compile(text)
    except jmespath_errors.JMESPathError as exc:
        message = " ".join(str(exc).split())
        raise DeclarationInvalid(field, f"not a JMESPath expression: {message}") from exc
    except RecursionError as exc:
        raise DeclarationInvalid(field, "the expression is nested too deeply") from exc
    tree: Node = parsed.parsed
    if _depth(tree) > MAX_EXPRESSION_DEPTH:
        raise DeclarationInvalid(
            field, f"the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep"
        )
    try:
        return Expression(text, tree, field)
    except _Refused as exc:
        raise DeclarationInvalid(field, str(exc)) from exc


def _refuse_doctype(*_args: Any) -> None:
    raise ValueError("a document type declaration is not accepted")


class _NoDoctypeExpat:
    """The expat module as xmltodict uses it, with every parser refusing a DTD: no DTD means
    no entity declarations (billion laughs) and no external entities or DTD fetches."""

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> Any:
        parser = expat.ParserCreate(*args, **kwargs)
        parser.StartDoctypeDeclHandler = _refuse_doctype
        return parser


def read_body(content: bytes, format: BodyFormat, force_list: list[str]) -> Any:
    """A reply body as JSON values: XML elements become objects (attributes `@name`, text
    `#text`), and the elements named in `force_list` are always lists."""
    if len(content) > MAX_BODY_BYTES:
        raise AgencyContentError(f"reply body over {MAX_BODY_BYTES} bytes")
    if format is BodyFormat.JSON:
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise AgencyReplyError(f"reply is not JSON: {exc}") from exc
    try:
        return xmltodict.parse(
            content,
            expat=_NoDoctypeExpat,
            disable_entities=True,
            force_list=tuple(force_list),
        )
    except (expat.ExpatError, ValueError) as exc:
        raise AgencyReplyError(f"reply is not readable XML: {exc}") from exc
