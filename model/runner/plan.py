"""What a run computes: its scenario variants, sizes and seed, written into the manifest and checked on resume."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

from model.errors import InputError


@dataclass(frozen=True)
class Variant:
    """One scenario of a run: its label (unique in the run), its scheme id or file, and its --set overrides."""

    label: str  # unique within the run
    reference: str  # scheme id or file
    sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunPlan:
    """What a run does: its kind (run, compare, sweep), scenarios, persons, replications, seed and the options that
    shape them (population, households, engine, uncertainty, budget year)."""

    kind: str  # run, compare or sweep
    variants: tuple[Variant, ...]
    persons: int
    replications: int
    seed: int
    population: str | None = None
    households: str | None = None
    engine: str = "auto"
    vary: tuple[tuple[str, tuple[str, ...]], ...] = ()
    uncertainty: str | None = "default"  # uncertainty file (id or path) each replication draws its parameters from; None: off
    budget_year: int | None = None  # year whose prices and use the run projects to (model/uncertainty/growth.py)
    precision: float | None = None  # add replications until the budget metric's P95 is known within this relative error
    max_replications: int = 2000  # the most --precision may run
    years: int | None = None  # --years N: the same households followed N years (model/years); None: one year
    years_rules: str | None = None  # the multi-year rules file (scenarios/years/); None: default
    backstop_appropriation: float | None = None  # yuan a year put into the backstop fund (--backstop-appropriation)

    def __post_init__(self) -> None:
        # the one place a multi-year plan gives up parameter draws: model/years follows households under the
        # scenarios as written, wherever the plan is built (CLI, county profile, notebook, benchmark)
        if self.years is not None and self.uncertainty is not None:
            object.__setattr__(self, "uncertainty", None)

    def as_dict(self) -> dict:
        return asdict(self)


def unique_labels(references: list[str]) -> list[str]:
    """A label per scenario: its id, numbered when the same one appears twice."""
    from pathlib import Path

    stems = [Path(r).stem if r.endswith((".yaml", ".yml")) else r for r in references]
    labels = []
    for index, stem in enumerate(stems):
        count = stems[:index].count(stem)
        labels.append(stem if count == 0 else f"{stem}#{count + 1}")
    return labels


def parse_vary(options: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`path=v1,v2,...` options (one or two) into (path, values)."""
    parsed = []
    for option in options:
        path, sep, values = option.partition("=")
        items = tuple(v.strip() for v in values.split(",") if v.strip())
        if not sep or not path.strip() or len(items) < 2:
            raise InputError(f"--vary {option!r}: expected path=v1,v2,... with at least two values, "
                             "such as layers.supplementary_ceiling_poor.ceiling.amount=3000,5000,8000")
        parsed.append((path.strip(), items))
    if not 1 <= len(parsed) <= 2:
        raise InputError(f"--vary: expected one or two parameters to vary, found {len(parsed)}")
    return tuple(parsed)


def sweep_variants(reference: str, sets: tuple[str, ...], vary: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Variant, ...]:
    """One variant a combination of the varied values (`hpa sweep --vary PATH=V1,V2`), each labelled
    'key=value …' by the last two parts of its paths.

    Parameters
    ----------
    reference : str
        The scheme every variant starts from.
    sets : tuple of str
        --set PATH=VALUE overrides common to all.
    vary : tuple
        (path, values) pairs; every combination is a variant.

    Returns
    -------
    tuple of Variant
    """
    variants = []
    for combination in itertools.product(*[[(path, value) for value in values] for path, values in vary]):
        label = " ".join(f"{path.rsplit('.', 2)[-2] if path.count('.') >= 2 else path}={value}" for path, value in combination)
        variants.append(Variant(label, reference, sets + tuple(f"{path}={value}" for path, value in combination)))
    return tuple(variants)
