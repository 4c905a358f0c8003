"""The report's words: texts.yaml, one entry per id with its Chinese (`zh`) and English (`en`), read once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("texts.yaml")
LANGUAGES = ("zh", "en")


@cache
def catalogue() -> dict:
    """texts.yaml as read (safe loader): groups of ids, each leaf a mapping {zh, en}."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with CATALOGUE.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def _is_entry(node) -> bool:
    return isinstance(node, dict) and set(node) == set(LANGUAGES)


@cache
def words(group: str, lang: str) -> dict:
    """Every text of `group` in `lang`, nested as in texts.yaml (shared: read, never change it)."""

    def in_lang(node):
        return node[lang] if _is_entry(node) else {key: in_lang(inner) for key, inner in node.items()}

    return in_lang(catalogue()[group])


def entries(group: str) -> dict[str, dict[str, str]]:
    """The entries of a flat group: {id: {"zh": ..., "en": ...}}."""
    return catalogue()[group]


def bilingual(entry: dict[str, str]) -> str:
    """'中文 / English', as figures (and labels that show both languages) print an entry."""
    return entry["zh"] if entry["zh"] == entry["en"] else f"{entry['zh']} / {entry['en']}"

