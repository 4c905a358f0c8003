"""The closed vocabularies of the claim format (spec §1, §2, §5), with their integer codes."""

from __future__ import annotations

# Order fixes each code's integer value; codes are never renamed or reordered, only appended.
CATEGORIES = ("ordinary", "registered_poor", "dibao", "extreme_poor")
POOR_CATEGORIES = ("registered_poor", "dibao", "extreme_poor")
SERVICES = ("outpatient", "chronic_outpatient", "inpatient")
LEVELS = ("village", "township", "county", "prefecture", "province")
PAYERS = ("bmi", "cii", "ma", "backstop", "supplementary", "hospital", "charity")
# Every payer, then oop: what the engine computes. Spec §2: a scheme without a charity layer writes
# SPEC_COLUMNS (no `charity`); one with a charity layer writes `charity` before `oop`.
OUTPUT_COLUMNS = PAYERS + ("oop",)
SPEC_COLUMNS = tuple(column for column in OUTPUT_COLUMNS if column != "charity")


def output_columns(charity: bool) -> tuple[str, ...]:
    """The payments columns of spec §2 for a scheme with (True) or without a layer paid by `charity`."""
    return OUTPUT_COLUMNS if charity else SPEC_COLUMNS

# Each entry's Chinese and English names, kept apart: reports and figures show one language or lay both out;
# terminal lines and settlement slips print '中文 / English' (the *_LABELS, built by `joined_labels`).
CATEGORY_NAMES = {
    "ordinary": {"zh": "普通居民", "en": "ordinary resident"},
    "registered_poor": {"zh": "建档立卡", "en": "registered poor"},
    "dibao": {"zh": "低保", "en": "dibao"},
    "extreme_poor": {"zh": "特困供养", "en": "extreme poor"},
}
SERVICE_NAMES = {
    "outpatient": {"zh": "普通门诊", "en": "outpatient"},
    "chronic_outpatient": {"zh": "门诊慢特病", "en": "chronic outpatient"},
    "inpatient": {"zh": "住院", "en": "inpatient"},
}
LEVEL_NAMES = {
    "village": {"zh": "村卫生室", "en": "village clinic"},
    "township": {"zh": "乡镇卫生院", "en": "township centre"},
    "county": {"zh": "县级医院", "en": "county hospital"},
    "prefecture": {"zh": "市州级医院", "en": "prefecture hospital"},
    "province": {"zh": "省级医院", "en": "provincial hospital"},
}


def joined_labels(names: dict[str, dict[str, str]]) -> dict[str, str]:
    """{key: {"zh": ..., "en": ...}} → {key: '中文 / English'}, as terminal lines and slips print a name."""
    return {key: f"{name['zh']} / {name['en']}" for key, name in names.items()}


CATEGORY_LABELS = joined_labels(CATEGORY_NAMES)
SERVICE_LABELS = joined_labels(SERVICE_NAMES)
LEVEL_LABELS = joined_labels(LEVEL_NAMES)
# Spec §1: a claim's category is a set, `ordinary` alone or one or more poor categories joined by
# `+`. A set's code is its position here: the four single categories keep their codes, sets of two
# or three follow (appended only, never reordered).
CATEGORY_SETS: tuple[tuple[str, ...], ...] = (
    ("ordinary",), ("registered_poor",), ("dibao",), ("extreme_poor",),
    ("registered_poor", "dibao"), ("registered_poor", "extreme_poor"), ("dibao", "extreme_poor"),
    ("registered_poor", "dibao", "extreme_poor"),
)
CATEGORY_SET_NAMES = tuple("+".join(members) for members in CATEGORY_SETS)
CATEGORY_SET_CODE = {frozenset(members): code for code, members in enumerate(CATEGORY_SETS)}
# member[set code, category code]: whether the set holds the category
CATEGORY_SET_MEMBERS = tuple(tuple(name in members for name in CATEGORIES) for members in CATEGORY_SETS)


# Each set's primary category: the one whose household parameters (size, income, ages) it takes: a
# dibao or extreme-poor household that is also registered keeps its assistance category's profile.
CATEGORY_SET_PRIMARY = tuple(
    CATEGORIES.index(members[-1]) for members in CATEGORY_SETS
)
# The set a primary category becomes when the household is also registered poor.
ALSO_REGISTERED = {"dibao": CATEGORY_SET_CODE[frozenset(("registered_poor", "dibao"))],
                   "extreme_poor": CATEGORY_SET_CODE[frozenset(("registered_poor", "extreme_poor"))]}


def category_set_problem(text: str) -> str | None:
    """Why `text` is not a category set of spec §1 (None when it is one)."""
    parts = text.split("+")
    for part in parts:
        if part == "":
            return "an empty part (a '+' with nothing beside it)"
        if part not in CATEGORIES:
            return f"an unknown category {part!r}"
    if len(parts) > 1 and "ordinary" in parts:
        return "'ordinary' combined with another category (ordinary never combines)"
    repeated = [part for part in CATEGORIES if parts.count(part) > 1]
    if repeated:
        return f"{repeated[0]!r} more than once"
    return None


def category_set_code(text: str) -> int:
    """The code of a category set written as in spec §1 (any order); ValueError naming the fault."""
    problem = category_set_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return CATEGORY_SET_CODE[frozenset(text.split("+"))]


def category_set_label(code: int) -> str:
    """Chinese first, English beside: 建档立卡 + 低保 / registered poor + dibao."""
    names = [CATEGORY_NAMES[name] for name in CATEGORY_SETS[code]]
    return " + ".join(name["zh"] for name in names) + " / " + " + ".join(name["en"] for name in names)


PAYER_NAMES = {
    "bmi": {"zh": "基本医保", "en": "basic medical insurance"},
    "cii": {"zh": "大病保险", "en": "critical-illness insurance"},
    "ma": {"zh": "医疗救助", "en": "medical assistance"},
    "backstop": {"zh": "兜底保障", "en": "government backstop"},
    "supplementary": {"zh": "补充医疗保险", "en": "supplementary insurance"},
    "hospital": {"zh": "医院扶贫基金", "en": "hospital fund"},
    "charity": {"zh": "社会资金（慈善）", "en": "charity (social funds)"},
    "oop": {"zh": "个人自付", "en": "out of pocket"},
}
PAYER_LABELS = joined_labels(PAYER_NAMES)

# Spec §5: the chronic special-outpatient codes (their annual limits are the scenario files' data:
# baseline.yaml's chronic_outpatient layer).
CHRONIC_CODES = (
    "hypertension", "diabetes", "tuberculosis", "severe_mental", "esrd", "cancer", "hemophilia",
    "aplastic_anemia", "thalassemia", "parkinson", "lupus", "organ_transplant", "cerebral_palsy", "copd",
    "coronary_heart_disease", "stroke_sequelae",
)
# Spec §5: the major-disease codes (some are chronic codes too); which of them a scheme treats
# specially is the scheme file's data, its `disease_lists`.
MAJOR_CODES = (
    "child_leukemia", "child_chd", "esophageal_cancer", "gastric_cancer", "colorectal_cancer", "esrd",
    "severe_mental", "mdr_tb", "breast_cancer", "cervical_cancer", "lung_cancer", "liver_cancer", "acute_mi",
    "cataract", "hemophilia", "thalassemia", "pneumoconiosis", "cancer",
)


def _ordered_union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for code in group:
            seen.setdefault(code, None)
    return tuple(seen)


# Code 0 is the empty disease (any other illness); the rest follow in a fixed order.
DISEASES = ("",) + _ordered_union(CHRONIC_CODES, MAJOR_CODES)

# Named disease lists of the vocabulary itself; a scheme file names its own lists in `disease_lists`.
DISEASE_GROUPS = {"chronic": CHRONIC_CODES}
# Named category groups.
CATEGORY_GROUPS = {"poor": POOR_CATEGORIES, "all": CATEGORIES}

CATEGORY_CODE = {name: i for i, name in enumerate(CATEGORIES)}
SERVICE_CODE = {name: i for i, name in enumerate(SERVICES)}
LEVEL_CODE = {name: i for i, name in enumerate(LEVELS)}
PAYER_CODE = {name: i for i, name in enumerate(PAYERS)}
DISEASE_CODE = {name: i for i, name in enumerate(DISEASES)}
