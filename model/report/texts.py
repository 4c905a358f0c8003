"""The report's words: texts.yaml, one entry per id with its Chinese (`zh`) and English (`en`), read once (by
model.catalogue, the loader every stage's catalogue shares)."""

from __future__ import annotations

from pathlib import Path

from model import catalogue as _catalogue
from model.catalogue import LANGUAGES

CATALOGUE = Path(__file__).with_name("texts.yaml")


def catalogue() -> dict:
    """texts.yaml as read (safe loader, once): groups of ids, each leaf a mapping {zh, en}."""
    return _catalogue.read(CATALOGUE)


def words(group: str, lang: str) -> dict:
    """Every text of `group` in `lang`, nested as in texts.yaml (shared: read, never change it)."""
    return _catalogue.words(CATALOGUE, group, lang)


def entries(group: str) -> dict[str, dict[str, str]]:
    """The entries of a flat group: {id: {"zh": ..., "en": ...}}."""
    return catalogue()[group]


def bilingual(entry: dict[str, str]) -> str:
    """'中文 / English', as figures (and labels that show both languages) print an entry."""
    return entry["zh"] if entry["zh"] == entry["en"] else f"{entry['zh']} / {entry['en']}"

