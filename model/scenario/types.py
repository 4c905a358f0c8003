"""The value types scenario files are written in: cited values, exact money and rates, closed vocabularies (their
errors are worded by model/scenario/messages.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from model.errors import describe_found
from model.money import rate_to_ppm, to_decimal, yuan_to_fen
from model.scenario.messages import refuse, refuse_as

T = TypeVar("T")


# -- models --------------------------------------------------------------------------------------


class Section(BaseModel):
    """A mapping of a scenario file: field names are its YAML keys; unknown keys are refused, missing ones named.

    The keys are checked before the values, in one message, as users read a file: what is not there or
    should not be there first."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=False)
    required_keys: ClassVar[tuple[str, ...] | None] = None  # None: the fields without a default

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(info.alias or name for name, info in cls.model_fields.items())

    @classmethod
    def precheck(cls, data: object) -> None:
        """A hook for what is checked before the keys."""

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        """A hook for checks across keys, after the keys are known good."""

    @model_validator(mode="before")
    @classmethod
    def _keys_first(cls, data: object, info: ValidationInfo) -> object:
        allowed = cls.keys()
        cls.precheck(data)
        if not isinstance(data, dict):
            raise refuse(f"a mapping with keys among: {', '.join(allowed)}")
        for key in data:
            if key not in allowed:
                raise refuse_as(f"unknown key {str(key)!r} (expected one of: {', '.join(allowed)})", at=(str(key),))
        required = cls.required_keys if cls.required_keys is not None else tuple(
            info_.alias or name for name, info_ in cls.model_fields.items() if info_.is_required())
        for key in required:
            if key not in data:
                raise refuse_as(f"missing key {key!r}")
        cls.check(data, info)
        return data


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise refuse("text")
    return value


def _source(value: object) -> str:
    if not _text(value).strip():
        raise refuse("a non-empty source (a seed clause, or 'assumed: why')")
    return value


Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string"})]
Source = Annotated[str, PlainValidator(_source), WithJsonSchema({
    "type": "string", "minLength": 1, "description": "a seed clause quoted verbatim, a published figure, or 'assumed: why'"})]


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise refuse("true or false")
    return value


Boolean = Annotated[bool, PlainValidator(_boolean), WithJsonSchema({"type": "boolean"})]


class Name(Section):
    """A label users see, Chinese first, English beside."""

    zh: Text
    en: Text


def to_ppm(value: object) -> int:
    """A rate written in a scenario file as integer parts per million, or a refusal."""
    ppm = rate_to_ppm(value) if not isinstance(value, str) else None
    if ppm is None:
        raise refuse("a rate in [0, 1] with at most 6 decimals")
    return ppm


def to_fen(value: object) -> int:
    """An amount in yuan written in a scenario file as integer fen, or a refusal."""
    fen = yuan_to_fen(value) if not isinstance(value, str) else None
    if fen is None:
        raise refuse("an amount in yuan, ≥ 0, with at most 2 decimals")
    return fen


# A rate is held as exact integer parts per million, an amount as integer fen (model/money.py).
MONEY_SCHEMA = {"type": "number", "minimum": 0, "description": "yuan with at most 2 decimals"}
Rate = Annotated[int, PlainValidator(to_ppm), WithJsonSchema({
    "type": "number", "minimum": 0, "maximum": 1, "description": "a rate with at most 6 decimals"})]
Money = Annotated[int, PlainValidator(to_fen), WithJsonSchema(MONEY_SCHEMA)]


def number(minimum: Decimal | None = None, maximum: Decimal | None = None):
    """An exact decimal within bounds."""
    bounds = ""
    if minimum is not None or maximum is not None:
        bounds = f" in [{minimum if minimum is not None else '-∞'}, {maximum if maximum is not None else '∞'}]"

    def check(value: object) -> Decimal:
        found = to_decimal(value) if not isinstance(value, str) else None
        if found is None or (minimum is not None and found < minimum) or (maximum is not None and found > maximum):
            raise refuse(f"a number{bounds}")
        return found

    schema: dict = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = float(minimum)
    if maximum is not None:
        schema["maximum"] = float(maximum)
    return Annotated[Decimal, PlainValidator(check), WithJsonSchema(schema)]


def _date(value: object) -> dt.date:
    text = value if isinstance(value, str) else ""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise refuse("a date YYYY-MM-DD") from None


Date = Annotated[dt.date, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


def _listed(vocabulary: tuple[str, ...]) -> str:
    return ", ".join(v for v in vocabulary if v)


def choice(vocabulary: tuple[str, ...], what: str):
    """One name from a closed vocabulary."""

    def check(value: object) -> str:
        if not isinstance(value, str) or value not in vocabulary:
            raise refuse(f"a {what} ({_listed(vocabulary)})")
        return value

    return Annotated[str, PlainValidator(check), WithJsonSchema({"enum": [v for v in vocabulary if v]})]


def pick(value: object, vocabulary: tuple[str, ...], what: str, groups: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A list of names from a vocabulary; a group name (such as 'poor') stands for its members."""
    named = _listed(vocabulary) + (f"; or a group: {', '.join(groups)}" if groups else "")
    if isinstance(value, str) and value in groups:
        return tuple(groups[value])
    if not isinstance(value, list):
        raise refuse(f"a list of {what}s ({named})")
    chosen: list[str] = []
    for position, element in enumerate(value):
        if isinstance(element, str) and element in groups:
            chosen.extend(groups[element])
        elif isinstance(element, str) and element in vocabulary and element:
            chosen.append(element)
        else:
            raise refuse(f"a {what} ({named})", found=describe_found(element), at=(f"[{position}]",))
    return tuple(dict.fromkeys(chosen))


def choices(vocabulary: tuple[str, ...], what: str, groups: dict[str, tuple[str, ...]] | None = None):
    """A list of names from a closed vocabulary (a group name stands for its members), as a tuple."""
    fixed = groups or {}
    names = [v for v in vocabulary if v]
    listing = {"type": "array", "items": {"enum": names + list(fixed)}}
    schema = {"anyOf": [listing, {"enum": list(fixed)}]} if fixed else listing
    return Annotated[tuple[str, ...], PlainValidator(lambda value: pick(value, vocabulary, what, fixed)),
                     WithJsonSchema(schema)]


def keyed(vocabulary: tuple[str, ...], what: str, item: Any, not_a_mapping: str | None = None):
    """A mapping whose keys come from a vocabulary (levels, disease codes, ...), each value an `item`."""

    def keys_known(value: object) -> object:
        if not isinstance(value, dict):
            raise refuse(not_a_mapping or f"a mapping from {what} to value")
        for key in value:
            if key not in vocabulary:
                raise refuse(f"a {what} ({_listed(vocabulary)}) as key", found=repr(str(key)), at=(str(key),))
        return value

    from pydantic import BeforeValidator

    return Annotated[dict[str, item], BeforeValidator(keys_known),
                     Field(json_schema_extra={"propertyNames": {"enum": [v for v in vocabulary if v]}})]


class Cited(Section, Generic[T]):
    """A value with its source: `{value: ..., source: "seed clause or assumed: why"}`, the source kept in the code."""

    # The source is checked before the value, as a reader checks where a number comes from first.
    source: Source
    value: T
    note: Any = None

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return ("value", "source", "note")

    @classmethod
    def precheck(cls, data: object) -> None:
        if not isinstance(data, dict) or "value" not in data:
            raise refuse('a value with its source, {value: ..., source: "seed clause or assumed: why"}')

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        return f"Cited[{_type_name(params[0])}]"


def _type_name(kind: object) -> str:
    for name, known in _NAMED_TYPES.items():
        if kind is known:
            return name
    return getattr(kind, "__name__", None) or "value"


_NAMED_TYPES: dict[str, object] = {"Rate": Rate, "Money": Money, "Text": Text, "Boolean": Boolean}


def named_type(name: str, kind: T) -> T:
    """Register a readable name for an annotated type (how it appears in the JSON Schema's definitions)."""
    _NAMED_TYPES[name] = kind
    return kind


def within(at: tuple, check, value: object) -> Any:
    """`check(value)`, a refusal located `at` (keys below the value being validated)."""
    try:
        return check(value)
    except PydanticCustomError as exc:
        context = dict(exc.context or {})
        context["at"] = tuple(at) + tuple(context.get("at") or ())
        raise PydanticCustomError(exc.type, exc.message_template, context) from None


def real(low: float | None = 0, high: float | None = None):
    """A number within bounds as a float (the exact decimal written, then rounded once)."""
    exact = number(Decimal(str(low)) if low is not None else None, Decimal(str(high)) if high is not None else None)
    check = exact.__metadata__[0].func
    return Annotated[float, PlainValidator(lambda value: float(check(value))), exact.__metadata__[1]]


def increasing_pair(low: float, high: float, expected: str):
    """Two increasing numbers within bounds, such as [0.10, 0.25]."""
    item = real(low, high).__metadata__[0].func

    def check(value: object) -> tuple[float, float]:
        if not isinstance(value, list):
            raise refuse("a list")
        values = [within((f"[{i}]",), item, element) for i, element in enumerate(value)]
        if len(values) != 2 or values[0] >= values[1]:
            raise refuse(expected)
        return values[0], values[1]

    return Annotated[tuple[float, float], PlainValidator(check), WithJsonSchema({
        "type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number", "minimum": low, "maximum": high},
        "description": expected})]


def whole(low: int, high: int):
    """A whole number within bounds."""
    exact = number(Decimal(low), Decimal(high)).__metadata__[0].func

    def check(value: object) -> int:
        found = exact(value)
        if found != found.to_integral_value():
            raise refuse("a whole number")
        return int(found)

    return Annotated[int, PlainValidator(check), WithJsonSchema({"type": "integer", "minimum": low, "maximum": high})]


def in_order(keys: tuple[str, ...], item: Any, required: bool = True, default: object = None):
    """A mapping over `keys` read as a list of values in the order of `keys`: unknown keys refused, a key
    left out required (or `default`)."""
    read = item.__metadata__[0].func

    def check(value: object) -> list:
        if not isinstance(value, dict):
            raise refuse(f"a mapping with keys among: {', '.join(keys)}")
        for key in value:
            if key not in keys:
                raise refuse(f"a key among: {', '.join(keys)}", found=repr(str(key)), at=(str(key),))
        values = []
        for key in keys:
            if key in value:
                values.append(within((key,), read, value[key]))
            elif required:
                raise refuse(f"a value for {key!r}", found="none")
            else:
                values.append(default)
        return values

    schema = {"type": "object", "propertyNames": {"enum": list(keys)}, "additionalProperties": item.__metadata__[-1].json_schema}
    if required:
        schema["required"] = list(keys)
    return Annotated[list, PlainValidator(check), WithJsonSchema(schema)]
