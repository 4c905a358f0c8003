"""A scheme's typed rules, as the engine settles with them: layers, their filters, mechanics and caps (spec §3–§4).

Built from a scheme file by model/scenario/scheme.py (SchemeFile.to_scheme)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Filter:
    """Which claims a layer applies to (spec §4.2); None means 'any'."""

    categories: tuple[str, ...] | None = None  # any of the claim's categories listed
    exclude_categories: tuple[str, ...] | None = None  # none of the claim's categories listed
    services: tuple[str, ...] | None = None
    levels: tuple[str, ...] | None = None
    diseases: tuple[str, ...] | None = None
    diseases_by_service: dict[str, tuple[str, ...]] | None = None
    exclude_diseases: tuple[str, ...] | None = None
    compliant: bool | None = None
    special: bool | None = None


@dataclass(frozen=True)
class Coinsurance:
    """The coinsurance mechanic (spec §4.1): the payer pays a rate (ppm), by level or disease, after a deductible by
    level (fen a claim)."""

    rate: int | None  # ppm; None when only by level
    rate_by_level: dict[str, int] | None
    rate_by_disease: dict[str, int]
    deductible_by_level: dict[str, int]  # fen per claim; a level not listed has none
    base: str = "eligible"


@dataclass(frozen=True)
class Tiered:
    """The tiered mechanic (spec §4.1): brackets of the person-year's cumulative base (fen), starting at a yearly
    deductible (fen), each paid at its rate (ppm)."""

    deductible: int  # fen a year
    brackets: tuple[tuple[int | None, int], ...]  # (upper bound in fen or None, rate ppm)
    base: str = "eligible"


@dataclass(frozen=True)
class Topup:
    """The top-up mechanic (spec §4.1): the payer brings what every payer has paid on the claim up to a target share
    (ppm) of its base (eligible or total cost), by disease when listed."""

    target: int  # ppm
    target_by_disease: dict[str, int]
    base: str = "eligible"


@dataclass(frozen=True)
class Ceiling:
    """The ceiling mechanic (spec §4.1): the payer pays what takes the person-year's cumulative base above
    `amount` (fen)."""

    amount: int  # fen a year
    base: str = "eligible"


@dataclass(frozen=True)
class OutOfList:
    """The out-of-list mechanic (spec §4.1): the payer pays all that is left of the out-of-list pool, at most
    `limit_share_of_total` (ppm) of the claim's total cost when given."""

    limit_share_of_total: int | None  # ppm
    base: str = "total"


Mechanic = Coinsurance | Tiered | Topup | Ceiling | OutOfList


@dataclass(frozen=True)
class Layer:
    """One layer of a scheme (spec §4): its id, name, payer, the claims it applies to and its mechanic."""

    id: str
    name: dict[str, str]
    payer: str
    when: Filter
    mechanic: Mechanic
    annual_cap: int | None  # fen per person-year
    annual_cap_by_disease: dict[str, int] | None  # fen per person-disease-year
    source: str

    @property
    def kind(self) -> str:
        return type(self.mechanic).__name__.lower().replace("outoflist", "out_of_list")


@dataclass(frozen=True)
class SpecialTreatment:
    """A scheme's special-treatment list (大病专项救治, spec §4): the diseases and the levels it covers."""

    diseases: tuple[str, ...]
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Scheme:
    """A scheme read for settlement: its id, name, layers in settlement order, payers' yearly caps (fen) and
    special-treatment list."""

    id: str
    name: dict[str, str]
    layers: tuple[Layer, ...]
    payer_caps: dict[str, int] = field(default_factory=dict)
    special_treatment: SpecialTreatment | None = None

    @property
    def has_charity(self) -> bool:
        """Whether a layer is paid by `charity`: its payments output then has a `charity` column (spec §2)."""
        return any(layer.payer == "charity" for layer in self.layers)
