"""Text catalogues: YAML files of ids, each entry with its Chinese (`zh`) and English (`en`), read once.

One mechanism for every stage: the report's catalogue (model/report/texts.yaml) and the settlement slips'
(model/rules/texts.yaml, beside the rules stage, which may not read a later stage's files) are read here."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")


@cache
def read(path: Path) -> dict:
    """A catalogue file as read (safe loader): groups of ids, each leaf a mapping {zh, en}.

    Parameters
    ----------
    path : Path
        The YAML file (shipped with the package).

    Returns
    -------
    dict
        The file's groups (shared: read, never change it).
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with Path(path).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def is_entry(node) -> bool:
    """Whether a catalogue node is one text (a mapping of exactly zh and en) rather than a group of ids."""
    return isinstance(node, dict) and set(node) == set(LANGUAGES)


@cache
def words(path: Path, group: str, lang: str) -> dict:
    """Every text of `group` of the catalogue at `path` in `lang`, nested as in the file.

    Parameters
    ----------
    path : Path
        The catalogue file.
    group : str
        A top-level group of the file.
    lang : str
        "zh" or "en".

    Returns
    -------
    dict
        {id: text}, or {id: {...}} for nested groups (shared: read, never change it).
    """

    def in_lang(node):
        return node[lang] if is_entry(node) else {key: in_lang(inner) for key, inner in node.items()}

    return in_lang(read(path)[group])
