"""`hpa validate --into RUN`: the checks written beside a run's files, the report's validation section made from them,
and the folders and files it refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.cli import main
from model.outcomes.validation import OOP_SOURCES, TARGET_IDS, protection_targets

VALIDATE = ["validate", "--persons", "6000", "--seed", "5", "--draws", "2", "--draw-persons", "2000"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("validation") / "run"
    assert main(["compare", "baseline", "sui_county", "--persons", "2000", "--reps", "2", "--workers", "1",
                 "--out", str(out)]) == 0
    return out


def test_the_checks_go_into_the_run_folder_and_its_report_shows_them(run_folder: Path, capsys) -> None:
    assert main(["report", str(run_folder)]) == 0
    before = (run_folder / "report.html").read_text(encoding="utf-8")
    assert 'id="validation"' not in before  # no validation.json, no section
    capsys.readouterr()
    assert main([*VALIDATE, "--into", str(run_folder)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("(compared only, never tuned to: they do not set the exit status).")
    assert printed[1].endswith(f"→ {run_folder / 'validation.txt'}, validation.json")
    record = json.loads((run_folder / "validation.json").read_text(encoding="utf-8"))
    assert record["created_by"] == "hpa validate" and record["year"] == 2019 and record["calibration_passed"] is True
    validation = [c for c in record["checks"] if c["role"] == "validation"]
    assert sorted(c["target"] for c in validation) == sorted(TARGET_IDS)
    assert all(c["draws"] == 2 and c["overlaps"] in (True, False) and len(c["model_interval"]) == 2 for c in validation)
    assert set(record["protection"]) == {"poor_households", "rural_county"}
    # where out-of-pocket comes from: the sources add up to each scheme's OOP, and general visits alone cannot make
    # more households catastrophic than all out-of-pocket does
    for population, by_scheme in record["protection"].items():
        for scheme, found in by_scheme.items():
            per_person = found["oop"] / found["person_years"]
            assert sum(found[f"oop_{source}"] for source in OOP_SOURCES) == pytest.approx(per_person, rel=1e-9)
            assert all(found[f"oop_{source}"] <= found[f"cost_{source}"] for source in OOP_SOURCES)
            assert 0 < found["che_10_general_outpatient"] <= found["che_10"]
    # the text is what hpa validate prints without --into
    assert main(VALIDATE) == 0
    assert (run_folder / "validation.txt").read_text(encoding="utf-8") == capsys.readouterr().out
    for lang, page_file, title, verdicts in (
            ("zh", "report.html", "八、模型与公开数据的比较（验证）", ("区间内", "区间外")),
            ("en", "report.en.html", "8. The model against published figures (validation)", ("inside", "outside"))):
        assert main(["report", str(run_folder), "--lang", lang]) == 0
        page = (run_folder / page_file).read_text(encoding="utf-8")
        section = page[page.index('<section id="validation">'):]
        section = section[:section.index("</section>")]
        assert title in section and any(word in section for word in verdicts)
        for target in protection_targets().targets.values():
            assert target.quantity.zh in section and target.quantity.en.replace("'", "&#x27;") in section
        assert "pp" in section or "百分点" in section  # the schemes' cut in CHE is a difference in points
        assert all(name[lang] in section for name in OOP_SOURCES.values())  # where out-of-pocket comes from
        shape = next(c for c in record["checks"] if c["unit"] == "shape")  # a gamma shape, shown as a number
        assert f"<td class=\"num\">{shape['simulated']:.3f}</td>" in section
        protection = page[page.index('<section id="protection">'):]
        assert ("第八节" if lang == "zh" else "Section 8") in protection[:protection.index("</section>")]
    # a record written before the sources were kept gives the section without them
    from model.report.validation import validation_section
    from model.runfolder import load_run

    record["protection"] = {}
    (run_folder / "validation.json").write_text(json.dumps(record), encoding="utf-8")
    titles = [getattr(block, "text", "") for block in validation_section(load_run(run_folder), "en").blocks]
    assert "Where out-of-pocket comes from" not in titles and titles[0].startswith("hpa validate (scheme baseline")


def test_refused_before_anything_is_simulated_and_nothing_written(run_folder: Path, tmp_path: Path, capsys) -> None:
    assert main(["validate", "--into", str(tmp_path / "none")]) == 2
    assert "none: no such folder; expected a folder written by hpa run, compare or sweep" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy)
    for name in ("validation.json", "validation.txt"):
        (copy / name).unlink(missing_ok=True)
    assert main(["validate", "--into", str(copy), "--year", "2018"]) == 2
    assert "--year 2018: " in capsys.readouterr().err and not (copy / "validation.json").exists()
    (copy / "validation.txt").write_text("my notes\n", encoding="utf-8")  # a file hpa did not write is kept
    assert main(["validate", "--into", str(copy)]) == 2
    assert "validation.txt: not written by hpa validate; move it away first" in capsys.readouterr().err
    assert (copy / "validation.txt").read_text(encoding="utf-8") == "my notes\n"
    assert not (copy / "validation.json").exists()
