"""The claims table as arrays: the contract between the simulation and the rules (spec §1, in codes and fen)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.codes import DISEASE_CODE, LEVEL_CODE, SERVICE_CODE, category_set_code
from model.rules.program import claim_class

EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class ClaimArrays:
    """One row per claim, in input order. `person` is a dense index 0..n_persons-1; `day` counts days since 1970."""

    person: np.ndarray  # int64
    day: np.ndarray  # int64
    service: np.ndarray  # int8, codes of model.codes.SERVICES
    level: np.ndarray  # int8
    disease: np.ndarray  # int16, 0 for none
    category: np.ndarray  # int8, codes of model.codes.CATEGORY_SETS
    compliant: np.ndarray  # bool
    total: np.ndarray  # int64 fen
    eligible: np.ndarray  # int64 fen
    n_persons: int
    _year: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.person.shape[0])

    @property
    def year(self) -> np.ndarray:
        if self._year is None:
            dates = (EPOCH + self.day.astype("timedelta64[D]")).astype("datetime64[Y]")
            self._year = dates.astype(np.int64) + 1970
        return self._year

    @property
    def class_index(self) -> np.ndarray:
        """Each claim's class: the index of its (category, service, level, compliant, disease) group in the program
        (model/rules/program.claim_class)."""
        return claim_class(self.category, self.service, self.level, self.compliant, self.disease)

    def take(self, rows: np.ndarray) -> "ClaimArrays":
        """The claims at `rows`, persons renumbered densely."""
        people, person = np.unique(self.person[rows], return_inverse=True)
        return ClaimArrays(
            person=person.astype(np.int64), day=self.day[rows], service=self.service[rows], level=self.level[rows],
            disease=self.disease[rows], category=self.category[rows], compliant=self.compliant[rows],
            total=self.total[rows], eligible=self.eligible[rows], n_persons=len(people),
        )


def day_number(date_text: str) -> int:
    """A date as the claims arrays hold it: days since EPOCH.

    Parameters
    ----------
    date_text : str
        An ISO date, YYYY-MM-DD.

    Returns
    -------
    int
    """
    return int((np.datetime64(date_text, "D") - EPOCH).astype(np.int64))


def from_records(claims) -> ClaimArrays:
    """Arrays from reference `Claim` records (tests and small examples)."""
    people: dict[str, int] = {}
    person = [people.setdefault(c.person_id, len(people)) for c in claims]
    return ClaimArrays(
        person=np.array(person, dtype=np.int64),
        day=np.array([day_number(c.date) for c in claims], dtype=np.int64),
        service=np.array([SERVICE_CODE[c.service] for c in claims], dtype=np.int8),
        level=np.array([LEVEL_CODE[c.level] for c in claims], dtype=np.int8),
        disease=np.array([DISEASE_CODE[c.disease] for c in claims], dtype=np.int16),
        category=np.array([category_set_code(c.category) for c in claims], dtype=np.int8),
        compliant=np.array([c.compliant for c in claims], dtype=np.bool_),
        total=np.array([c.total for c in claims], dtype=np.int64),
        eligible=np.array([c.eligible for c in claims], dtype=np.int64),
        n_persons=len(people),
    )


def spec_columns(claims: ClaimArrays, claim_ids: np.ndarray, person_ids: np.ndarray) -> dict[str, np.ndarray]:
    """The spec §1 columns of a claims table as text arrays, in spec order (`person_ids` by person index)."""
    from model.codes import CATEGORY_SET_NAMES, DISEASES, LEVELS, SERVICES
    from model.tables import yuan_text

    return {
        "claim_id": claim_ids,
        "person_id": person_ids[claims.person],
        "date": (EPOCH + claims.day.astype("timedelta64[D]")).astype(str),
        "service": np.array(SERVICES)[claims.service],
        "level": np.array(LEVELS)[claims.level],
        "disease": np.array(DISEASES)[claims.disease],
        "total_cost": yuan_text(claims.total),
        "eligible_cost": yuan_text(claims.eligible),
        "compliant": np.where(claims.compliant, "true", "false"),
        "category": np.array(CATEGORY_SET_NAMES)[claims.category],
    }
