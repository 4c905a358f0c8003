"""Reading YAML safely: numbers as exact decimals, duplicate keys refused, errors naming file and line.

What a file may hold is bounded before it is built: its size, how deep it nests (a few thousand
levels overflow Python's stack, 100,000 the C stack), how many values it expands to through
aliases (a "billion laughs" file is small but expands past memory) and how large a number is
(10**999999 or 5,000 digits cannot be worked with; 1e-99999999 would round to 0).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from model.errors import InputError, describe_found
from model.inputfile import read_bounded

# libyaml's parser when PyYAML has it (its wheels do): the same safe constructors, parsed several times faster,
# which is most of a small command's start-up.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 4 << 20  # scheme and preset files are a few kilobytes
MAX_DEPTH = 64  # nesting of mappings and lists; the library's files nest 8 deep at most
MAX_VALUES = 200_000  # values after aliases are expanded; the library's largest file has about 1,000
MAX_DIGITS = 20  # digits of a number: times 10**6 (a rate in millionths) it stays exact in 28-digit decimals
MAX_MAGNITUDE = 20  # a non-zero number lies between 10**-20 and 10**21 in size


class _Refused(yaml.MarkedYAMLError):
    """A value YAML reads but a scenario file may not hold; the message says what was expected."""


def _refuse(node: yaml.Node, problem: str) -> _Refused:
    return _Refused(None, None, problem, node.start_mark)


class _ExactSafeLoader(_SafeBase):
    """SafeLoader that reads floats as the exact decimals written and refuses duplicate keys."""


NUMBER_EXPECTED = (f"a number of at most {MAX_DIGITS} digits, 0 or between 1e-{MAX_MAGNITUDE} and "
                   f"1e{MAX_MAGNITUDE + 1} in size")


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    written = loader.construct_scalar(node)
    text = written.replace("_", "")
    lowered = text.lower()
    if lowered in (".inf", "+.inf", "-.inf", ".nan"):
        raise _refuse(node, f"expected a finite number, found {describe_found(written)}")
    try:
        number = Decimal(text)
    except InvalidOperation:  # YAML 1.1 base-60 floats such as 1:30.5
        raise _refuse(node, f"expected a number written as digits with a point, found {describe_found(written)}") from None
    if len(number.as_tuple().digits) > MAX_DIGITS or (number != 0 and abs(number.adjusted()) > MAX_MAGNITUDE):
        raise _refuse(node, f"expected {NUMBER_EXPECTED}, found {describe_found(written)}")
    if number == 0 and abs(number.as_tuple().exponent) > MAX_MAGNITUDE:
        return Decimal(0)  # 0e-99999999 is 0, written so that arithmetic on it cannot underflow
    return number


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    written = loader.construct_scalar(node)
    if len(written.replace("_", "").lstrip("+-")) > MAX_DIGITS:
        raise _refuse(node, f"expected {NUMBER_EXPECTED}, found {describe_found(written)}")
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if abs(value) >= 10 ** (MAX_MAGNITUDE + 1):
        raise _refuse(node, f"expected {NUMBER_EXPECTED}, found {describe_found(written)}")
    return value


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {describe_found(key)}", key_node.start_mark
                )
        except TypeError:  # a list or mapping as a key
            raise _refuse(key_node, f"expected a name as key, found {describe_found(key)}") from None
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


def _construct_date_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # Dates stay text: the scenario code parses them where it needs them.
    return loader.construct_scalar(node)


_ExactSafeLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_ExactSafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_ExactSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date_as_text)
_ExactSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _check_shape(text: str) -> None:
    """Refuse, from the parser's events and before anything is built, nesting deeper than MAX_DEPTH
    and more than MAX_VALUES values once aliases are expanded (each alias counts what it names)."""
    depth = 0
    values = 0
    sizes: dict[str, int] = {}  # anchor -> values it names, once its node is complete
    open_nodes: list[list] = []  # [anchor, values so far] of each list or mapping being read
    for event in yaml.parse(text, Loader=_SafeBase):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                if any(anchor == event.anchor for anchor, _ in open_nodes):
                    raise _Refused(None, None, f"expected an alias to a complete value, found *{event.anchor} "
                                   "inside the value it names (a structure that contains itself)", event.start_mark)
                continue  # an undefined alias: the loader names it
            size = sizes[event.anchor]
            values += size
        elif isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(None, None, f"expected lists and mappings nested at most {MAX_DEPTH} deep, "
                               "found deeper", event.start_mark)
            values += 1
            open_nodes.append([event.anchor, 1])
            size = 0
        elif isinstance(event, _CLOSES):
            depth -= 1
            anchor, size = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            values += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        else:
            continue
        if values > MAX_VALUES:
            raise _Refused(None, None, f"expected at most {MAX_VALUES:,} values (aliases expanded), found more",
                           event.start_mark)
        if open_nodes and size:
            open_nodes[-1][1] += size


def parse_yaml_text(text: str, origin: str) -> object:
    """Parse YAML text; `origin` names it in error messages (a file path, or '--set x')."""
    try:
        _check_shape(text)
        return yaml.load(text, Loader=_ExactSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        mark = exc.problem_mark
        raise InputError(f"{origin}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{origin}: line {mark.line + 1}, column {mark.column + 1}" if mark else origin
        raise InputError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        position = min(max(exc.position, 0), len(text))
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InputError(f"{origin}: line {line}, column {column}: not valid YAML: expected printable text, "
                         f"found the control character U+{ord(character):04X}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{origin}: not valid YAML: {describe_found(str(exc), 200)}") from None
    except RecursionError:  # a safety net: _check_shape bounds the nesting before this could happen
        raise InputError(f"{origin}: expected lists and mappings nested at most {MAX_DEPTH} deep, found deeper") from None


def read_yaml(path: Path) -> object:
    """A scenario file as data: bounded in size, depth and values, UTF-8 (a BOM allowed), read with a safe
    loader; duplicate keys refused.

    Parameters
    ----------
    path : Path

    Returns
    -------
    object
        The document (usually a dict).

    Raises
    ------
    InputError
        One message naming the file and line.
    """
    data = read_bounded(path, "scenario file", MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{path}: line {line}: expected UTF-8 text, found a byte that is not UTF-8 (offset {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml_text(text, str(path))
