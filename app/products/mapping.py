"""JMESPath mappings from an agency's reply to records, evaluated within hard bounds.

A mapping is written by an agency administrator, not by the gateway's developers, so it is
untrusted input that runs on every read: `{a:@,b:@} | {a:@,b:@} | ...` doubles its output at
each stage while visiting only three nodes, and `[@,@,@,@][] | [@,@,@,@][] | ...` grows a list
fourfold per stage inside one loop. An evaluation is therefore charged one step per node
visited and one per element any loop copies, looks at the clock every `CLOCK_EVERY` steps, and
walks its result (and any value a function would serialise or compare deeply) with a bounded
walk that stops at the first node past the limit; past any limit it raises `MappingCutOff`.
JMESPath itself runs no code: it has a fixed set of functions and none is added here.

Bodies are read here too, JSON with orjson and XML without a DTD (so with no entity of any
kind, internal or external), both after a size check.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple
from xml.parsers import expat

import jmespath
import orjson
import xmltodict
from jmespath import exceptions as jmespath_errors
from jmespath import functions as jmespath_functions
from jmespath.visitor import Options, TreeInterpreter

from app.adapters.base import AgencyReplyError
from app.products.declaration import BodyFormat

if TYPE_CHECKING:
    from jmespath.visitor import _TreeNode as Node

#: Steps (node visits plus elements copied) one evaluation may take.
MAX_STEPS = 100_000
#: Wall-clock budget of one evaluation, looked at every `CLOCK_EVERY` steps: a realistic
#: mapping takes a few hundred steps and never reads the clock.
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


class MappingCutOff(AgencyReplyError):
    """A mapping was stopped at one of its limits: the reply could not be translated."""


class _BoundedFunctions(jmespath_functions.Functions):
    """JMESPath's own functions, with the two that build strings capped."""

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
        _bounded_walk(value)
        text = orjson.dumps(value).decode()
        if len(text) > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping built a string over {MAX_OUTPUT_CHARS} characters")
        return text


_FUNCTIONS = _BoundedFunctions()
_OPTIONS = Options(custom_functions=_FUNCTIONS)
#: Functions whose work depends on how deep their arguments are, not on how many there are.
_DEEP_FUNCTIONS = frozenset({"contains", "to_string"})


def _bounded_walk(value: Any) -> None:
    """Raise `MappingCutOff` if `value`, counted as a tree (shared parts once per place they
    appear), has more than `MAX_OUTPUT_NODES` nodes or `MAX_OUTPUT_CHARS` of strings."""
    if not isinstance(value, dict | list):
        if isinstance(value, str) and len(value) > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping gave over {MAX_OUTPUT_CHARS} characters of text")
        return
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
            if isinstance(child, str):
                chars += len(child)
            elif isinstance(child, dict | list):
                pending.append(child)
        if chars > MAX_OUTPUT_CHARS:
            raise MappingCutOff(f"mapping gave over {MAX_OUTPUT_CHARS} characters of text")


class _BoundedInterpreter(TreeInterpreter):
    """JMESPath's tree interpreter, charged for its work. Dispatch goes through a table built
    once per class rather than `Visitor`'s per-instance cache, which also makes it cheaper
    than the stock interpreter per node."""

    _dispatch: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init__(self) -> None:
        super().__init__(_OPTIONS)
        self._steps = 0
        self._next_clock = CLOCK_EVERY
        self._deadline = time.perf_counter() + MAX_SECONDS

    def _charge(self, steps: int) -> None:
        self._steps += steps
        if self._steps >= self._next_clock:
            self._check()

    def _check(self) -> None:
        if self._steps > MAX_STEPS:
            raise MappingCutOff(f"mapping took over {MAX_STEPS} steps")
        if time.perf_counter() > self._deadline:
            raise MappingCutOff(f"mapping ran over {MAX_SECONDS * 1000:.0f} ms")
        self._next_clock = self._steps + CLOCK_EVERY

    def visit(self, node: "Node", value: Any) -> Any:
        """Every visit takes exactly one value (JMESPath's own visitors never pass more);
        without the `*args, **kwargs` of the base signature a visit costs measurably less."""
        self._steps += 1
        if self._steps >= self._next_clock:
            self._check()
        return self._dispatch[node["type"]](self, node, value)

    def visit_flatten(self, node: "Node", value: Any) -> Any:
        base = self.visit(node["children"][0], value)
        if not isinstance(base, list):
            return None
        self._charge(len(base))
        merged: list[Any] = []
        for element in base:
            if isinstance(element, list):
                self._charge(len(element))
                merged.extend(element)
            else:
                merged.append(element)
        return merged

    def visit_slice(self, node: "Node", value: Any) -> Any:
        sliced = super().visit_slice(node, value)
        if isinstance(sliced, list):
            self._charge(len(sliced))
        return sliced

    def visit_comparator(self, node: "Node", value: Any) -> Any:
        if node["value"] in {"eq", "ne"}:
            left = self.visit(node["children"][0], value)
            right = self.visit(node["children"][1], value)
            if isinstance(left, dict | list):
                _bounded_walk(left)
            if isinstance(right, dict | list):
                _bounded_walk(right)
            equal = self.COMPARATOR_FUNC["eq"](left, right)
            return equal if node["value"] == "eq" else not equal
        return super().visit_comparator(node, value)

    def visit_function_expression(self, node: "Node", value: Any) -> Any:
        arguments = [self.visit(child, value) for child in node["children"]]
        for argument in arguments:
            if isinstance(argument, list | dict | str):
                self._charge(len(argument))
                if node["value"] in _DEEP_FUNCTIONS:
                    _bounded_walk(argument)
        result = _FUNCTIONS.call_function(node["value"], arguments)
        if isinstance(result, list | dict):
            self._charge(len(result))
        return result


_BoundedInterpreter._dispatch = {
    name.removeprefix("visit_"): method
    for name in dir(_BoundedInterpreter)
    if name.startswith("visit_") and callable(method := getattr(_BoundedInterpreter, name))
}


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
    """A compiled mapping: parsed once per product version, evaluated on every reply."""

    __slots__ = ("_tree", "text")

    def __init__(self, text: str, tree: "Node") -> None:
        self.text = text
        self._tree = tree

    def evaluate(self, document: Any) -> Any:
        """The expression's value on `document`; `MappingCutOff` past any limit."""
        try:
            result = _BoundedInterpreter().visit(self._tree, document)
        except jmespath_errors.JMESPathError as exc:
            raise AgencyReplyError(f"mapping `{self.text}` failed on the reply: {exc}") from exc
        except RecursionError as exc:
            raise MappingCutOff("mapping nested too deeply") from exc
        if isinstance(result, dict | list | str):
            _bounded_walk(result)
        return result

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def compile_expression(text: str, field: str) -> Expression:
    """Parse `text`; `DeclarationInvalid` naming `field` if it is not JMESPath."""
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
    return Expression(text, tree)


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
        raise AgencyReplyError(f"reply body over {MAX_BODY_BYTES} bytes")
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
