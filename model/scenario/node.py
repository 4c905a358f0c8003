"""A cursor over parsed YAML that validates as it reads, naming file and field in every error.

The scheme file and its financing are validated by their pydantic models (model/scenario/scheme.py);
the sections still read through a Node are those of modules outside the scenario package."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from model.errors import InputError, describe_found
from model.money import rate_to_ppm, to_decimal, yuan_to_fen
from model.scenario.types import Origins, dotted

__all__ = ["Node", "Origins", "dotted"]


@dataclass
class Node:
    value: object
    path: tuple[str, ...]
    origins: Origins

    # -- errors -------------------------------------------------------------------------
    def fail(self, expected: str, found: str | None = None) -> InputError:
        shown = describe_found(self.value) if found is None else found
        return InputError(f"{self.origins.of(self.path)}: {dotted(self.path)}: expected {expected}, found {shown}")

    def at(self, key: str, value: object) -> "Node":
        return Node(value, self.path + (str(key),), self.origins)

    # -- structure ----------------------------------------------------------------------
    def mapping(self, allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, "Node"]:
        allowed = tuple(allowed)
        if not isinstance(self.value, dict):
            raise self.fail(f"a mapping with keys among: {', '.join(allowed)}")
        for key in self.value:
            if key not in allowed:
                raise InputError(
                    f"{self.origins.of(self.path + (str(key),))}: {dotted(self.path + (str(key),))}: "
                    f"unknown key {str(key)!r} (expected one of: {', '.join(allowed)})"
                )
        for key in required:
            if key not in self.value:
                raise InputError(
                    f"{self.origins.of(self.path)}: {dotted(self.path)}: missing key {key!r}"
                )
        return {key: self.at(key, value) for key, value in self.value.items()}

    def items(self) -> list[tuple[str, "Node"]]:
        if not isinstance(self.value, dict):
            raise self.fail("a mapping")
        return [(str(key), self.at(key, value)) for key, value in self.value.items()]

    def elements(self) -> list["Node"]:
        if not isinstance(self.value, list):
            raise self.fail("a list")
        return [self.at(f"[{i}]", item) for i, item in enumerate(self.value)]

    def cited(self) -> tuple["Node", str]:
        """A value with its source: `{value: ..., source: "..."}`. The value node keeps this path."""
        if not isinstance(self.value, dict) or "value" not in self.value:
            raise self.fail('a value with its source, {value: ..., source: "seed clause or assumed: why"}')
        parts = self.mapping(("value", "source", "note"), required=("value", "source"))
        source = parts["source"].text()
        if not source.strip():
            raise parts["source"].fail("a non-empty source (a seed clause, or 'assumed: why')")
        return Node(self.value["value"], self.path, self.origins), source

    def cited_mapping(self, vocabulary: tuple[str, ...], what: str, read) -> dict:
        """A cited `{value: {KEY: ...}, source}` whose keys come from a vocabulary, each value read by `read`."""
        value_node, _source = self.cited()
        if not isinstance(value_node.value, dict):
            raise value_node.fail(f"a mapping from {what} to value")
        result = {}
        for key, item in value_node.items():
            if key not in vocabulary:
                raise item.fail(f"a {what} ({', '.join(v for v in vocabulary if v)}) as key", found=repr(key))
            result[key] = read(item)
        return result

    # -- scalars ------------------------------------------------------------------------
    def text(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail("text")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("true or false")
        return self.value

    def rate(self) -> int:
        ppm = rate_to_ppm(self.value) if not isinstance(self.value, str) else None
        if ppm is None:
            raise self.fail("a rate in [0, 1] with at most 6 decimals")
        return ppm

    def money(self) -> int:
        fen = yuan_to_fen(self.value) if not isinstance(self.value, str) else None
        if fen is None:
            raise self.fail("an amount in yuan, ≥ 0, with at most 2 decimals")
        return fen

    def number(self, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
        number = to_decimal(self.value) if not isinstance(self.value, str) else None
        bounds = ""
        if minimum is not None or maximum is not None:
            bounds = f" in [{minimum if minimum is not None else '-∞'}, {maximum if maximum is not None else '∞'}]"
        if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise self.fail(f"a number{bounds}")
        return number

    def integer(self, minimum: int | None = None, maximum: int | None = None) -> int:
        number = self.number(
            Decimal(minimum) if minimum is not None else None, Decimal(maximum) if maximum is not None else None
        )
        if number != number.to_integral_value():
            raise self.fail("a whole number")
        return int(number)

    def choice(self, vocabulary: Iterable[str], what: str) -> str:
        vocabulary = tuple(vocabulary)
        if not isinstance(self.value, str) or self.value not in vocabulary:
            raise self.fail(f"a {what} ({', '.join(v for v in vocabulary if v)})")
        return self.value

    def choices(self, vocabulary: Iterable[str], what: str, groups: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
        """A list of names from a vocabulary; a group name (such as 'poor') stands for its members."""
        vocabulary = tuple(vocabulary)
        groups = groups or {}
        named = f"{', '.join(v for v in vocabulary if v)}" + (f"; or a group: {', '.join(groups)}" if groups else "")
        if isinstance(self.value, str) and self.value in groups:
            return tuple(groups[self.value])
        if not isinstance(self.value, list):
            raise self.fail(f"a list of {what}s ({named})")
        chosen: list[str] = []
        for element in self.elements():
            if isinstance(element.value, str) and element.value in groups:
                chosen.extend(groups[element.value])
            elif isinstance(element.value, str) and element.value in vocabulary and element.value:
                chosen.append(element.value)
            else:
                raise element.fail(f"a {what} ({named})")
        return tuple(dict.fromkeys(chosen))
