"""A reimbursement scheme file's schema: one pydantic model per mapping, keys as in YAML, each turned into the typed
rules of model/scenario/layers.py (spec §3–§4)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, PlainValidator, ValidationInfo, WithJsonSchema, model_validator


from model.codes import CATEGORIES, CATEGORY_GROUPS, DISEASE_GROUPS, DISEASES, LEVELS, PAYERS, SERVICES
from model.errors import describe_found
from model.scenario.financing import FinancingFile
from model.scenario.layers import Ceiling, Coinsurance, Filter, Layer, OutOfList, Scheme, SpecialTreatment, Tiered, Topup
from model.scenario.sections import CapitationFile, FixedPricesFile, PayAfterTreatmentFile, ProgrammesFile, TargetsFile
from model.scenario.messages import refuse
from model.scenario.types import (
    Boolean, Cited, Date, Money, Name, Rate, Section, Source, Text, choice, choices, keyed, named_type, pick, to_fen,
    to_ppm, within,
)

MECHANICS = ("coinsurance", "tiered", "topup", "ceiling", "out_of_list")
# A scheme's size is bounded: the compiled program holds every layer for each of 3,600 kinds of
# claim, so 20,000 layers would not fit in memory. The seed schemes have at most 16 layers, 3 brackets.
MAX_LAYERS = 200
MAX_BRACKETS = 100
BASES = ("eligible", "total")
DISEASE_CODES = tuple(code for code in DISEASES if code)


# -- the scheme file's schema ------------------------------------------------------------------------------


def _disease_groups(info: ValidationInfo) -> dict[str, tuple[str, ...]]:
    # A scheme's own named lists (its `disease_lists`), beside the vocabulary's groups.
    return (info.context or {}).get("disease_groups", DISEASE_GROUPS)


def _diseases(value: object, info: ValidationInfo) -> tuple[str, ...]:
    return pick(value, DISEASE_CODES, "disease code", _disease_groups(info))


def _diseases_or_by_service(value: object, info: ValidationInfo) -> tuple[str, ...] | dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return _diseases(value, info)
    by_service = {}
    for service, listing in value.items():
        if service not in SERVICES:
            raise refuse(f"a service ({', '.join(SERVICES)}) as key", found=repr(str(service)), at=(str(service),))
        by_service[service] = within((service,), lambda v: _diseases(v, info), listing)
    return by_service


_DISEASE_LIST_SCHEMA = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
                        "description": "disease codes (spec §5), or the name of a list: chronic, or one of the scheme's disease_lists"}
Diseases = named_type("Diseases", Annotated[tuple[str, ...], PlainValidator(_diseases), WithJsonSchema(_DISEASE_LIST_SCHEMA)])
DiseaseSelection = named_type("DiseaseSelection", Annotated[
    tuple[str, ...] | dict[str, tuple[str, ...]], PlainValidator(_diseases_or_by_service),
    WithJsonSchema({"anyOf": [_DISEASE_LIST_SCHEMA, {"type": "object", "propertyNames": {"enum": list(SERVICES)},
                                                     "additionalProperties": _DISEASE_LIST_SCHEMA}]})])
DiseaseCodes = named_type("DiseaseCodes", choices(DISEASE_CODES, "disease code"))
Levels = named_type("Levels", choices(LEVELS, "level"))
Base = choice(BASES, "base")


class When(Section):
    """Which claims a layer applies to (spec §4.2); a key left out means any."""

    categories: choices(CATEGORIES, "category", CATEGORY_GROUPS) = None
    exclude_categories: choices(CATEGORIES, "category", CATEGORY_GROUPS) = None
    services: choices(SERVICES, "service") = None
    levels: Levels = None
    diseases: DiseaseSelection = None
    exclude_diseases: Diseases = None
    compliant: Boolean = None
    special: Boolean = None

    def to_filter(self) -> Filter:
        found = {key: getattr(self, key) for key in ("categories", "exclude_categories", "services", "levels",
                                                     "exclude_diseases", "compliant", "special")}
        if isinstance(self.diseases, dict):
            found["diseases_by_service"] = self.diseases
        else:
            found["diseases"] = self.diseases
        return Filter(**found)


class CoinsuranceFile(Section):
    """A layer's `coinsurance` in a scheme file: the rate (a share), by level or disease, the deductible
    a claim (yuan), by level, and the base it applies to. Read into Coinsurance (ppm, fen)."""

    rate: Cited[Rate] = None
    rate_by_level: Cited[keyed(LEVELS, "level", Rate)] = None
    rate_by_disease: Cited[keyed(DISEASE_CODES, "disease code", Rate)] = None
    deductible: Cited[Money] = None
    deductible_by_level: Cited[keyed(LEVELS, "level", Money)] = None
    base: Base = None

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        if ("rate" in data) == ("rate_by_level" in data):
            raise refuse("exactly one of 'rate' or 'rate_by_level'", found=", ".join(map(str, data)) or "neither")
        if "deductible" in data and "deductible_by_level" in data:
            raise refuse("at most one of 'deductible' or 'deductible_by_level'", found="both")

    def to_mechanic(self) -> Coinsurance:
        if self.deductible is not None:
            deductible_by_level = {level: self.deductible.value for level in LEVELS}
        elif self.deductible_by_level is not None:
            deductible_by_level = dict(self.deductible_by_level.value)
        else:
            deductible_by_level = {}
        return Coinsurance(
            self.rate.value if self.rate is not None else None,
            dict(self.rate_by_level.value) if self.rate_by_level is not None else None,
            dict(self.rate_by_disease.value) if self.rate_by_disease is not None else {},
            deductible_by_level,
            self.base or "eligible",
        )


def _brackets(value: object) -> tuple[tuple[int | None, int], ...]:
    if isinstance(value, list) and len(value) > MAX_BRACKETS:
        raise refuse(f"at most {MAX_BRACKETS} brackets", found=f"{len(value):,}")
    if not isinstance(value, list):
        raise refuse("a list")
    if not value:
        raise refuse("at least one bracket [upper bound or null, rate]")
    brackets: list[tuple[int | None, int]] = []
    for position, element in enumerate(value):
        at = f"[{position}]"
        if not isinstance(element, list) or len(element) != 2:
            raise refuse("a bracket [upper bound in yuan or null for none, rate]", at=(at,))
        rate = within((at, "[1]"), to_ppm, element[1])
        if element[0] is None:
            if position != len(value) - 1:
                raise refuse("an upper bound (only the last bracket may be open, null)", at=(at, "[0]"))
            brackets.append((None, rate))
            continue
        brackets.append((within((at, "[0]"), to_fen, element[0]), rate))
    return tuple(brackets)


Brackets = named_type("Brackets", Annotated[tuple[tuple[int | None, int], ...], PlainValidator(_brackets), WithJsonSchema({
    "type": "array", "minItems": 1, "maxItems": MAX_BRACKETS,
    "items": {"type": "array", "minItems": 2, "maxItems": 2,
              "prefixItems": [{"type": ["number", "null"], "minimum": 0}, {"type": "number", "minimum": 0, "maximum": 1}]},
    "description": "[upper bound in yuan, or null for none (the last only), rate]"})])


class TieredFile(Section):
    """A layer's `tiered` in a scheme file: the yearly deductible (yuan), brackets (upper bound in yuan or none,
    rate as a share) and base. Read into Tiered (fen, ppm)."""

    deductible: Cited[Money]
    brackets: Cited[Brackets]
    base: Base = None

    @model_validator(mode="after")
    def _increasing(self) -> "TieredFile":
        previous = self.deductible.value
        for position, (upper, _rate) in enumerate(self.brackets.value):
            if upper is None:
                continue
            if upper <= previous:
                raise refuse(f"brackets increasing: an upper bound above {previous / 100:.2f} "
                             f"({'the deductible' if position == 0 else 'the previous bracket'})",
                             at=("brackets", "value", f"[{position}]", "[0]"))
            previous = upper
        return self

    def to_mechanic(self) -> Tiered:
        return Tiered(self.deductible.value, self.brackets.value, self.base or "eligible")


class TopupFile(Section):
    """A layer's `topup` in a scheme file: the target share, by disease when listed, and base. Read into Topup
    (ppm)."""

    target: Cited[Rate]
    target_by_disease: Cited[keyed(DISEASE_CODES, "disease code", Rate)] = None
    base: Base = None

    def to_mechanic(self) -> Topup:
        by_disease = dict(self.target_by_disease.value) if self.target_by_disease is not None else {}
        return Topup(self.target.value, by_disease, self.base or "eligible")


class CeilingFile(Section):
    """A layer's `ceiling` in a scheme file: the yearly ceiling (yuan) on the cumulative base, and base. Read
    into Ceiling (fen)."""

    amount: Cited[Money]
    base: Base = None

    def to_mechanic(self) -> Ceiling:
        return Ceiling(self.amount.value, self.base or "eligible")


class OutOfListFile(Section):
    """A layer's `out_of_list` in a scheme file: the most the payer pays, as a share of the claim's total
    cost. Read into OutOfList (ppm)."""

    limit_share_of_total: Cited[Rate] = None

    def to_mechanic(self) -> OutOfList:
        return OutOfList(self.limit_share_of_total.value if self.limit_share_of_total is not None else None)


class LayerFile(Section):
    """One layer: who pays, for which claims, by which mechanic (exactly one of them), within which caps."""

    required_keys: ClassVar[tuple[str, ...]] = ("id", "name", "payer", "source")
    id: Text
    name: Name
    payer: choice(PAYERS, "payer")
    when: When = None
    source: Source
    note: Any = None
    annual_cap: Cited[Money] = None
    annual_cap_by_disease: Cited[keyed(DISEASE_CODES, "disease code", Money)] = None
    coinsurance: CoinsuranceFile = None
    tiered: TieredFile = None
    topup: TopupFile = None
    ceiling: CeilingFile = None
    out_of_list: OutOfListFile | None = None

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        if not isinstance(data["id"], str):
            raise refuse("text", at=("id",))
        mechanics = [key for key in MECHANICS if key in data]
        if len(mechanics) != 1:
            raise refuse(f"exactly one mechanic ({', '.join(MECHANICS)})", found=", ".join(mechanics) or "none")
        if "annual_cap" in data and "annual_cap_by_disease" in data:
            raise refuse("at most one of 'annual_cap' or 'annual_cap_by_disease'", found="both")

    def to_layer(self) -> Layer:
        kind = next(key for key in MECHANICS if key in self.model_fields_set)
        mechanic = getattr(self, kind)
        return Layer(
            id=self.id,
            name={"zh": self.name.zh, "en": self.name.en},
            payer=self.payer,
            when=self.when.to_filter() if self.when is not None else Filter(),
            mechanic=mechanic.to_mechanic() if mechanic is not None else OutOfList(None),
            annual_cap=self.annual_cap.value if self.annual_cap is not None else None,
            annual_cap_by_disease=dict(self.annual_cap_by_disease.value) if self.annual_cap_by_disease is not None else None,
            source=self.source,
        )


class SpecialTreatmentFile(Section):
    """A scheme file's `special_treatment`: the diseases and levels of special treatment (大病专项救治)."""

    required_keys: ClassVar[tuple[str, ...]] = ("diseases", "levels")
    diseases: Cited[Diseases]
    levels: Cited[Levels]
    source: Any = None


class Document(Section):
    """The policy document a scheme file follows: title, number, seed text, clause and address."""

    title: Text
    number: Text = None
    seed: Text = None
    clause: Text = None
    url: Text = None


class InForce(Section):
    """When a scheme is in force: from a date, to a date (optional)."""

    from_: Date = Field(alias="from")
    to: Date = None

    @model_validator(mode="after")
    def _ordered(self) -> "InForce":
        if self.to is not None and self.to < self.from_:
            raise refuse(f"a date on or after {self.from_.isoformat()}", at=("to",))
        return self


def _layers_bounded(value: object) -> object:
    if isinstance(value, list) and len(value) > MAX_LAYERS:
        raise refuse(f"at most {MAX_LAYERS} layers", found=f"{len(value):,} layers")
    if not isinstance(value, list):
        raise refuse("a list")
    return value


def _disease_lists(value: object) -> object:
    if not isinstance(value, dict):
        raise refuse("a mapping from a list's name to its disease codes")
    for name in value:
        if not isinstance(name, str) or name in DISEASE_GROUPS or name in DISEASE_CODES:
            raise refuse(f"a list name other than a disease code or {', '.join(DISEASE_GROUPS)}",
                         found=describe_found(name), at=(str(name),))
    return value


class SchemeFile(Section):
    """A scheme (or reform) file once its base, includes, copies and `set` are resolved."""

    required_keys: ClassVar[tuple[str, ...]] = ("id", "name", "layers")
    id: Text
    name: Name
    document: Document = None
    in_force: InForce = None
    description: Text = None
    base: Any = None  # resolved: the base scheme's id, kept for the record
    set: Any = None  # resolved: applied by the resolver
    add_layers: Any = None  # resolved: appended to the base scheme's layers
    disease_lists: Annotated[dict[str, Cited[DiseaseCodes]], BeforeValidator(_disease_lists)] = None
    payer_caps: keyed(PAYERS, "payer", Cited[Money], not_a_mapping="a mapping") = None
    special_treatment: SpecialTreatmentFile = None
    layers: Annotated[list[LayerFile], BeforeValidator(_layers_bounded)]
    financing: FinancingFile = None
    # The presets grafted in (population, care, outcomes) are validated by their own models
    # (model.scenario.validate_sections); the sections beside the rules are the scheme's own.
    population: Any = None
    care: Any = None
    outcomes: Any = None
    targets: TargetsFile = None
    programmes: ProgrammesFile = None
    capitation: CapitationFile = None
    fixed_prices: FixedPricesFile = None
    pay_after_treatment: PayAfterTreatmentFile = None

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        groups = dict(DISEASE_GROUPS)
        lists = data.get("disease_lists")
        if isinstance(lists, dict):
            for name, entry in lists.items():
                if isinstance(name, str) and isinstance(entry, dict) and isinstance(entry.get("value"), list):
                    groups.setdefault(name, tuple(code for code in entry["value"] if isinstance(code, str)))
        if info.context is not None:
            info.context["disease_groups"] = groups

    @model_validator(mode="after")
    def _layer_ids_unique(self) -> "SchemeFile":
        seen: set[str] = set()
        for position, layer in enumerate(self.layers):
            if layer.id in seen:
                raise refuse("a layer id not used before in this scheme", found=repr(layer.id), at=("layers", position))
            seen.add(layer.id)
        return self

    def to_scheme(self, scheme_id: str) -> Scheme:
        special = None
        if self.special_treatment is not None:
            special = SpecialTreatment(diseases=self.special_treatment.diseases.value,
                                       levels=self.special_treatment.levels.value)
        return Scheme(
            id=scheme_id,
            name={"zh": self.name.zh, "en": self.name.en},
            layers=tuple(layer.to_layer() for layer in self.layers),
            payer_caps={payer: cap.value for payer, cap in (self.payer_caps or {}).items()},
            special_treatment=special,
        )


SCHEME_KEYS = SchemeFile.keys()
LAYER_KEYS = LayerFile.keys()
FILTER_KEYS = When.keys()
