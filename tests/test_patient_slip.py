"""The narrow Chinese settlement slip (--explain ID --narrow): receipt width, each layer's rule, amounts that add up."""

from __future__ import annotations

import re
from pathlib import Path

from model.cli import main
from model.textwidth import display_width

DATA = Path(__file__).parent / "data"


def test_narrow_slip_fits_a_receipt_and_adds_up(capsys) -> None:
    assert main(["adjudicate", "sui_county", str(DATA / "sample_claims.csv"), "--explain", "c1-95", "--narrow"]) == 0
    slip = capsys.readouterr().out.rstrip("\n").split("\n")
    assert max(display_width(line) for line in slip) <= 32
    text = "\n".join(slip)
    assert "医疗费用结算单" in text and "住院·省级医院" in text and "特困供养" in text
    assert "报销70% 起付1,200" in text and "年自付封顶5,000" in text and "补足至90%" in text
    amount = lambda label: int(re.search(rf"^{label}\s+([\d,]+\.\d\d)$", text, re.M).group(1).replace(",", "").replace(".", ""))
    paid = sum(amount(f"{payer}合计") for payer in ("基本医保", "大病保险", "医疗救助", "补充保险"))
    assert paid + amount("个人自付") == amount("总费用") == 797_880  # 7,978.80


def test_slip_catalogue_entries_are_complete() -> None:
    """model/rules/texts.yaml: every entry has its English; the narrow slip's Chinese and English take the same
    fields, the wide slip's Chinese is a tag without fields (or null: printed in English alone)."""
    import string

    from model.catalogue import is_entry, read
    from model.rules.slip import CATALOGUE

    def leaves(node):
        if is_entry(node):
            yield node
        else:
            for inner in node.values():
                yield from leaves(inner)

    def fields(text):
        return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)

    groups = read(CATALOGUE)
    assert set(groups) == {"adjudicate", "slip", "patient_slip"}
    for entry in [*leaves(groups["patient_slip"]), *leaves(groups["adjudicate"])]:
        assert isinstance(entry["zh"], str) and fields(entry["zh"]) == fields(entry["en"]), entry
    for entry in leaves(groups["slip"]):
        assert isinstance(entry["en"], str) and (entry["zh"] is None or fields(entry["zh"]) == []), entry
