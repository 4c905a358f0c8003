"""The closed vocabularies of the claim format (spec §1, §2, §5), with their integer codes."""

from __future__ import annotations

# Order fixes each code's integer value; codes are never renamed or reordered, only appended.
CATEGORIES = ("ordinary", "registered_poor", "dibao", "extreme_poor")
POOR_CATEGORIES = ("registered_poor", "dibao", "extreme_poor")
SERVICES = ("outpatient", "chronic_outpatient", "inpatient")
LEVELS = ("village", "township", "county", "prefecture", "province")
PAYERS = ("bmi", "cii", "ma", "backstop", "supplementary", "hospital")
OUTPUT_COLUMNS = PAYERS + ("oop",)

CATEGORY_LABELS = {
    "ordinary": "普通居民 / ordinary resident",
    "registered_poor": "建档立卡 / registered poor",
    "dibao": "低保 / dibao",
    "extreme_poor": "特困供养 / extreme poor",
}
SERVICE_LABELS = {
    "outpatient": "普通门诊 / outpatient",
    "chronic_outpatient": "门诊慢特病 / chronic outpatient",
    "inpatient": "住院 / inpatient",
}
LEVEL_LABELS = {
    "village": "村卫生室 / village clinic",
    "township": "乡镇卫生院 / township centre",
    "county": "县级医院 / county hospital",
    "prefecture": "市州级医院 / prefecture hospital",
    "province": "省级医院 / provincial hospital",
}
PAYER_LABELS = {
    "bmi": "基本医保 / basic medical insurance",
    "cii": "大病保险 / critical-illness insurance",
    "ma": "医疗救助 / medical assistance",
    "backstop": "兜底保障 / government backstop",
    "supplementary": "补充医疗保险 / supplementary insurance",
    "hospital": "医院扶贫基金 / hospital fund",
    "oop": "个人自付 / out of pocket",
}

# Spec §5: chronic special-outpatient codes with their assumed annual BMI limit per person (yuan).
CHRONIC_ANNUAL_LIMIT_YUAN = {
    "hypertension": 2_000,
    "diabetes": 3_000,
    "tuberculosis": 3_000,
    "severe_mental": 6_000,
    "esrd": 60_000,
    "cancer": 50_000,
    "hemophilia": 30_000,
    "aplastic_anemia": 20_000,
    "thalassemia": 20_000,
    "parkinson": 5_000,
    "lupus": 10_000,
    "organ_transplant": 40_000,
    "cerebral_palsy": 10_000,
    "copd": 3_000,
    "coronary_heart_disease": 3_000,
    "stroke_sequelae": 3_000,
}
CHRONIC_CODES = tuple(CHRONIC_ANNUAL_LIMIT_YUAN)

SPECIAL_TREATMENT_CODES = (
    "child_leukemia",
    "child_chd",
    "esophageal_cancer",
    "gastric_cancer",
    "colorectal_cancer",
    "esrd",
    "severe_mental",
    "mdr_tb",
)
MJ_MAJOR_EXTRA_CODES = (
    "breast_cancer",
    "cervical_cancer",
    "lung_cancer",
    "liver_cancer",
    "acute_mi",
    "cataract",
    "hemophilia",
    "thalassemia",
    "pneumoconiosis",
    "cancer",
)


def _ordered_union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for code in group:
            seen.setdefault(code, None)
    return tuple(seen)


# Code 0 is the empty disease (any other illness); the rest follow in a fixed order.
DISEASES = ("",) + _ordered_union(CHRONIC_CODES, SPECIAL_TREATMENT_CODES, MJ_MAJOR_EXTRA_CODES)

# Named disease lists a scheme file may refer to by name instead of spelling them out.
DISEASE_LISTS = {
    "chronic": CHRONIC_CODES,
    "special_treatment_national": SPECIAL_TREATMENT_CODES,
    "qz28": (
        "hypertension", "diabetes", "tuberculosis", "cancer", "esrd", "organ_transplant",
        "lupus", "aplastic_anemia", "thalassemia", "severe_mental", "parkinson",
        "hemophilia", "cerebral_palsy",
    ),
    "mj_major": SPECIAL_TREATMENT_CODES + MJ_MAJOR_EXTRA_CODES,
}
DISEASE_LISTS["qz25"] = tuple(
    code for code in DISEASE_LISTS["qz28"] if code not in ("hypertension", "diabetes", "tuberculosis")
)
# Named category groups.
CATEGORY_GROUPS = {"poor": POOR_CATEGORIES, "all": CATEGORIES}

CATEGORY_CODE = {name: i for i, name in enumerate(CATEGORIES)}
SERVICE_CODE = {name: i for i, name in enumerate(SERVICES)}
LEVEL_CODE = {name: i for i, name in enumerate(LEVELS)}
PAYER_CODE = {name: i for i, name in enumerate(PAYERS)}
DISEASE_CODE = {name: i for i, name in enumerate(DISEASES)}
