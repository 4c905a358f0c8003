"""Where each part of a scenario tree came from (`Origins`), and pydantic's errors translated into one message
naming the file and the dotted field (`refuse`, `message_of`, `validated`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from model.errors import InputError, describe_found


@dataclass
class Origins:
    """Which file (or command-line option) each part of a merged tree came from."""

    default: str
    by_prefix: dict[tuple[str, ...], str] = field(default_factory=dict)

    def of(self, path: tuple[str, ...]) -> str:
        for cut in range(len(path), 0, -1):
            label = self.by_prefix.get(path[:cut])
            if label is not None:
                return label
        return self.default

    def mark(self, path: tuple[str, ...], label: str) -> None:
        # A mark replaces whatever finer marks lay under it: that subtree now comes from `label`.
        for prefix in [p for p in self.by_prefix if p[: len(path)] == path]:
            del self.by_prefix[prefix]
        self.by_prefix[path] = label


def dotted(path: tuple[str, ...]) -> str:
    """A field's path as messages name it: 'layers.bmi.rate', or '(top level)'.

    Parameters
    ----------
    path : tuple of str

    Returns
    -------
    str
    """
    return ".".join(path) if path else "(top level)"


# -- errors ------------------------------------------------------------------------------------
# Every refusal is a PydanticCustomError of type "scenario" whose context says what to print: `expected`
# (and `found`, when the found value is not simply shown), or `problem` for a whole message of its own
# ("unknown key ..."); `at` extends the location below the value that failed (a bracket, a map's key).


def refuse(expected: str, found: str | None = None, at: tuple = ()) -> PydanticCustomError:
    """A validation error saying what was expected (and what was found), at a path below the current field.

    Parameters
    ----------
    expected : str
        What the field must hold, as the message says it.
    found : str or None
        What it held, when the caller words it.
    at : tuple
        Keys below the current field.

    Returns
    -------
    pydantic_core.PydanticCustomError
    """
    return PydanticCustomError("scenario", "expected {expected}", {"expected": expected, "found": found, "at": at})


def refuse_as(problem: str, at: tuple = ()) -> PydanticCustomError:
    """A validation error with its own wording (not 'expected …'), at a path below the current field.

    Parameters
    ----------
    problem : str
        The message.
    at : tuple
        Keys below the current field.

    Returns
    -------
    pydantic_core.PydanticCustomError
    """
    return PydanticCustomError("scenario", "{problem}", {"problem": problem, "at": at})


def _walk(data: object, key: object) -> object:
    if isinstance(data, dict):
        if key in data:
            return data[key]
        # a path names keys as text; the YAML may have written one as a number (a year, say)
        return next((value for name, value in data.items() if str(name) == key), None)
    if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return None


def message_of(exc: ValidationError, data: object, origins: Origins, prefix: tuple[str, ...] = (),
               layers_by_id: bool = False) -> str:
    """Today's one-line message for the first of pydantic's errors: 'FILE: dotted.path: expected X, found Y'.

    The path skips a cited value's `value` and names an entry of the scheme's `layers` by its id."""
    error = exc.errors(include_url=False)[0]
    context = error.get("ctx") or {}
    path = list(prefix)
    node = data
    loc = tuple(error["loc"]) + tuple(context.get("at") or ())
    # a cited value's `value` is skipped, but not a key named `value` that a message is about
    named = len(loc) - 1 if context.get("at") else len(loc)
    for position, key in enumerate(loc):
        if key == "value" and isinstance(node, dict) and position < named:  # a cited value: paths name the field, not its wrapper
            node = node.get("value")
            continue
        if isinstance(key, int) or (isinstance(key, str) and key.startswith("[") and key[1:-1].isdigit()):
            index = key if isinstance(key, int) else int(key[1:-1])
            element = _walk(node, index) if index is not None else None
            if layers_by_id and position == 1 and loc[0] == "layers" and isinstance(element, dict) \
                    and isinstance(element.get("id"), str):
                path.append(element["id"])
            else:
                path.append(f"[{index}]")
            node = element
            continue
        node = _walk(node, key)
        path.append(str(key))
    where = tuple(path)
    if error["type"] == "scenario" and context.get("problem"):
        return f"{origins.of(where)}: {dotted(where)}: {context['problem']}"
    if error["type"] == "missing":  # a safety net: the models name their missing keys themselves
        return f"{origins.of(where[:-1])}: {dotted(where[:-1])}: missing key {where[-1]!r}"
    if error["type"] == "extra_forbidden":
        return f"{origins.of(where)}: {dotted(where)}: unknown key {where[-1]!r}"
    expected = context.get("expected") if error["type"] == "scenario" else error["msg"][:1].lower() + error["msg"][1:]
    found = context.get("found") if error["type"] == "scenario" else None
    shown = describe_found(node) if found is None else found
    return f"{origins.of(where)}: {dotted(where)}: expected {expected}, found {shown}"


def validated(model: type[BaseModel], data: object, origins: Origins, prefix: tuple[str, ...] = (),
              context: dict | None = None, layers_by_id: bool = False) -> Any:
    """`model` validated from `data`, or InputError with today's message."""
    try:
        return model.model_validate(data, context={} if context is None else context)
    except ValidationError as exc:
        raise InputError(message_of(exc, data, origins, prefix, layers_by_id)) from None
