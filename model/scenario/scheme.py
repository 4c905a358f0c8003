"""A reimbursement scheme as validated, typed data: layers, filters, mechanics, caps (spec §3–§4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from model.codes import (
    CATEGORIES,
    CATEGORY_GROUPS,
    DISEASE_LISTS,
    DISEASES,
    LEVELS,
    PAYERS,
    SERVICES,
)
from model.scenario.node import Node

MECHANICS = ("coinsurance", "tiered", "topup", "ceiling", "out_of_list")
# A scheme's size is bounded: the compiled program holds every layer for each of 3,600 kinds of
# claim, so 20,000 layers would not fit in memory. The seed schemes have at most 16 layers, 3 brackets.
MAX_LAYERS = 200
MAX_BRACKETS = 100
BASES = ("eligible", "total")
DISEASE_CODES = tuple(code for code in DISEASES if code)


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
    rate: int | None  # ppm; None when only by level
    rate_by_level: dict[str, int] | None
    rate_by_disease: dict[str, int]
    deductible_by_level: dict[str, int]  # fen per claim; a level not listed has none
    base: str = "eligible"


@dataclass(frozen=True)
class Tiered:
    deductible: int  # fen a year
    brackets: tuple[tuple[int | None, int], ...]  # (upper bound in fen or None, rate ppm)
    base: str = "eligible"


@dataclass(frozen=True)
class Topup:
    target: int  # ppm
    target_by_disease: dict[str, int]
    base: str = "eligible"


@dataclass(frozen=True)
class Ceiling:
    amount: int  # fen a year
    base: str = "eligible"


@dataclass(frozen=True)
class OutOfList:
    limit_share_of_total: int | None  # ppm
    base: str = "total"


Mechanic = Coinsurance | Tiered | Topup | Ceiling | OutOfList


@dataclass(frozen=True)
class Layer:
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
    diseases: tuple[str, ...]
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Scheme:
    id: str
    name: dict[str, str]
    layers: tuple[Layer, ...]
    payer_caps: dict[str, int] = field(default_factory=dict)
    special_treatment: SpecialTreatment | None = None

    @property
    def has_charity(self) -> bool:
        """Whether a layer is paid by `charity`: its payments output then has a `charity` column (spec §2)."""
        return any(layer.payer == "charity" for layer in self.layers)


LAYER_KEYS = ("id", "name", "payer", "when", "source", "note", "annual_cap", "annual_cap_by_disease") + MECHANICS
FILTER_KEYS = ("categories", "exclude_categories", "services", "levels", "diseases", "exclude_diseases", "compliant", "special")


def parse_name(node: Node) -> dict[str, str]:
    parts = node.mapping(("zh", "en"), required=("zh", "en"))
    return {lang: parts[lang].text() for lang in ("zh", "en")}


def parse_diseases(node: Node) -> tuple[str, ...]:
    return node.choices(DISEASE_CODES, "disease code", groups={k: tuple(v) for k, v in DISEASE_LISTS.items()})


def parse_filter(node: Node) -> Filter:
    parts = node.mapping(FILTER_KEYS)
    found: dict[str, object] = {}
    for key in ("categories", "exclude_categories"):
        if key in parts:
            found[key] = parts[key].choices(CATEGORIES, "category", groups=CATEGORY_GROUPS)
    if "services" in parts:
        found["services"] = parts["services"].choices(SERVICES, "service")
    if "levels" in parts:
        found["levels"] = parts["levels"].choices(LEVELS, "level")
    if "diseases" in parts:
        diseases = parts["diseases"]
        if isinstance(diseases.value, dict):
            by_service = {}
            for service, listing in diseases.items():
                if service not in SERVICES:
                    raise listing.fail(f"a service ({', '.join(SERVICES)}) as key", found=repr(service))
                by_service[service] = parse_diseases(listing)
            found["diseases_by_service"] = by_service
        else:
            found["diseases"] = parse_diseases(diseases)
    if "exclude_diseases" in parts:
        found["exclude_diseases"] = parse_diseases(parts["exclude_diseases"])
    for flag in ("compliant", "special"):
        if flag in parts:
            found[flag] = parts[flag].boolean()
    return Filter(**found)


def parse_base(parts: dict[str, Node], default: str) -> str:
    return parts["base"].choice(BASES, "base") if "base" in parts else default


def parse_coinsurance(node: Node) -> Coinsurance:
    parts = node.mapping(
        ("rate", "rate_by_level", "rate_by_disease", "deductible", "deductible_by_level", "base")
    )
    if ("rate" in parts) == ("rate_by_level" in parts):
        raise node.fail("exactly one of 'rate' or 'rate_by_level'", found=", ".join(parts) or "neither")
    if "deductible" in parts and "deductible_by_level" in parts:
        raise node.fail("at most one of 'deductible' or 'deductible_by_level'", found="both")
    rate = parts["rate"].cited()[0].rate() if "rate" in parts else None
    rate_by_level = parts["rate_by_level"].cited_mapping(LEVELS, "level", Node.rate) if "rate_by_level" in parts else None
    rate_by_disease = (
        parts["rate_by_disease"].cited_mapping(DISEASE_CODES, "disease code", Node.rate) if "rate_by_disease" in parts else {}
    )
    if "deductible" in parts:
        amount = parts["deductible"].cited()[0].money()
        deductible_by_level = {level: amount for level in LEVELS}
    elif "deductible_by_level" in parts:
        deductible_by_level = parts["deductible_by_level"].cited_mapping(LEVELS, "level", Node.money)
    else:
        deductible_by_level = {}
    return Coinsurance(rate, rate_by_level, rate_by_disease, deductible_by_level, parse_base(parts, "eligible"))


def parse_tiered(node: Node) -> Tiered:
    parts = node.mapping(("deductible", "brackets", "base"), required=("deductible", "brackets"))
    deductible = parts["deductible"].cited()[0].money()
    brackets_node = parts["brackets"].cited()[0]
    brackets: list[tuple[int | None, int]] = []
    previous = deductible
    if isinstance(brackets_node.value, list) and len(brackets_node.value) > MAX_BRACKETS:
        raise brackets_node.fail(f"at most {MAX_BRACKETS} brackets", found=f"{len(brackets_node.value):,}")
    elements = brackets_node.elements()
    if not elements:
        raise brackets_node.fail("at least one bracket [upper bound or null, rate]")
    for position, element in enumerate(elements):
        if not isinstance(element.value, list) or len(element.value) != 2:
            raise element.fail("a bracket [upper bound in yuan or null for none, rate]")
        upper_node, rate_node = element.elements()
        rate = rate_node.rate()
        if upper_node.value is None:
            if position != len(elements) - 1:
                raise upper_node.fail("an upper bound (only the last bracket may be open, null)")
            brackets.append((None, rate))
            continue
        upper = upper_node.money()
        if upper <= previous:
            raise upper_node.fail(
                f"brackets increasing: an upper bound above {previous / 100:.2f} "
                f"({'the deductible' if position == 0 else 'the previous bracket'})"
            )
        brackets.append((upper, rate))
        previous = upper
    return Tiered(deductible, tuple(brackets), parse_base(parts, "eligible"))


def parse_topup(node: Node) -> Topup:
    parts = node.mapping(("target", "target_by_disease", "base"), required=("target",))
    target = parts["target"].cited()[0].rate()
    by_disease = (
        parts["target_by_disease"].cited_mapping(DISEASE_CODES, "disease code", Node.rate) if "target_by_disease" in parts else {}
    )
    return Topup(target, by_disease, parse_base(parts, "eligible"))


def parse_ceiling(node: Node) -> Ceiling:
    parts = node.mapping(("amount", "base"), required=("amount",))
    return Ceiling(parts["amount"].cited()[0].money(), parse_base(parts, "eligible"))


def parse_out_of_list(node: Node) -> OutOfList:
    if node.value is None:
        return OutOfList(None)
    parts = node.mapping(("limit_share_of_total",))
    limit = parts["limit_share_of_total"].cited()[0].rate() if "limit_share_of_total" in parts else None
    return OutOfList(limit)


MECHANIC_PARSERS = {
    "coinsurance": parse_coinsurance,
    "tiered": parse_tiered,
    "topup": parse_topup,
    "ceiling": parse_ceiling,
    "out_of_list": parse_out_of_list,
}


def parse_layer(node: Node) -> Layer:
    parts = node.mapping(LAYER_KEYS, required=("id", "name", "payer", "source"))
    layer_id = parts["id"].text()
    mechanics = [key for key in MECHANICS if key in parts]
    if len(mechanics) != 1:
        raise node.fail(f"exactly one mechanic ({', '.join(MECHANICS)})", found=", ".join(mechanics) or "none")
    mechanic = MECHANIC_PARSERS[mechanics[0]](parts[mechanics[0]])
    source = parts["source"].text()
    if not source.strip():
        raise parts["source"].fail("a non-empty source (a seed clause, or 'assumed: why')")
    annual_cap = parts["annual_cap"].cited()[0].money() if "annual_cap" in parts else None
    cap_by_disease = None
    if "annual_cap_by_disease" in parts:
        if annual_cap is not None:
            raise node.fail("at most one of 'annual_cap' or 'annual_cap_by_disease'", found="both")
        cap_by_disease = parts["annual_cap_by_disease"].cited_mapping(DISEASE_CODES, "disease code", Node.money)
    return Layer(
        id=layer_id,
        name=parse_name(parts["name"]),
        payer=parts["payer"].choice(PAYERS, "payer"),
        when=parse_filter(parts["when"]) if "when" in parts else Filter(),
        mechanic=mechanic,
        annual_cap=annual_cap,
        annual_cap_by_disease=cap_by_disease,
        source=source,
    )


def parse_scheme(node: Node, scheme_id: str) -> Scheme:
    """Validate a resolved scheme tree (includes, copies and sets already applied)."""
    parts = node.mapping(SCHEME_KEYS, required=("id", "name", "layers"))
    layers_node = parts["layers"]
    if isinstance(layers_node.value, list) and len(layers_node.value) > MAX_LAYERS:
        raise layers_node.fail(f"at most {MAX_LAYERS} layers", found=f"{len(layers_node.value):,} layers")
    layers = []
    seen: set[str] = set()
    for element in layers_node.elements():
        layer_id = element.value.get("id") if isinstance(element.value, dict) else None
        located = Node(element.value, layers_node.path + (str(layer_id),), node.origins) if isinstance(layer_id, str) else element
        layer = parse_layer(located)
        if layer.id in seen:
            raise located.fail("a layer id not used before in this scheme", found=repr(layer.id))
        seen.add(layer.id)
        layers.append(layer)
    payer_caps = {}
    if "payer_caps" in parts:
        for payer, cap in parts["payer_caps"].items():
            if payer not in PAYERS:
                raise cap.fail(f"a payer ({', '.join(PAYERS)}) as key", found=repr(payer))
            payer_caps[payer] = cap.cited()[0].money()
    special = None
    if "special_treatment" in parts:
        st = parts["special_treatment"].mapping(("diseases", "levels", "source"), required=("diseases", "levels"))
        special = SpecialTreatment(
            diseases=parse_diseases(st["diseases"].cited()[0]),
            levels=st["levels"].cited()[0].choices(LEVELS, "level"),
        )
    return Scheme(
        id=scheme_id,
        name=parse_name(parts["name"]),
        layers=tuple(layers),
        payer_caps=payer_caps,
        special_treatment=special,
    )


# Keys a scheme file may carry; sections other than the rules are validated by their own modules.
SCHEME_KEYS = (
    "id", "name", "document", "in_force", "description", "base", "set", "add_layers",
    "payer_caps", "special_treatment", "layers", "financing", "population", "care", "outcomes", "targets",
    "programmes", "capitation", "fixed_prices", "pay_after_treatment",
)
