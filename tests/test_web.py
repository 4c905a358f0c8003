"""The county page (hpa serve) in headless Chromium: upload the example profile, run small, read the brief,
download brief.docx and find summary.json's numbers in it after the brief's rounding; the API refuses bad input."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from model.brief.chromium import FLAGS, find_chromium
from model.brief.content import wan

DATA = Path(__file__).parent / "data"
REPOSITORY = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`hpa serve` on a free loopback port, its runs in a temporary folder; stopped at the end."""
    root = tmp_path_factory.mktemp("web")
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "model", "serve", "--port", str(port), "--dir", str(root / "runs")],
                               cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/fields", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"hpa serve exited: {process.stdout.read().decode(errors='replace')}")
                time.sleep(0.1)
        yield base, root / "runs"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _post(url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _strict_oop_text() -> str:
    """The strict twin's total out of pocket under sui_county, as the page prints it."""
    import numpy as np

    from model.rules.claims_csv import read_claims
    from model.rules.engine import settle
    from model.scenario import load_scenario

    amounts = settle(load_scenario("sui_county").scheme, read_claims(DATA / "sample_claims.csv").claims)
    return f"{int(np.sum(amounts[:, -1])) / 100:,.2f}"


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "hpa-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode() for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_api_settles_an_excel_claims_file_and_names_a_bad_line(server) -> None:
    base, _ = server
    body, kind = _multipart({"scheme": "sui_county"}, "excel_claims_gbk.csv", (DATA / "excel_claims_gbk.csv").read_bytes())
    status, answer = _post(base + "/api/adjudicate", body, kind)
    assert status == 200 and answer["claims"] == 177
    assert f"{answer['totals']['oop']:,.2f}" == _strict_oop_text()
    assert answer["payments_csv"].count("\n") == 178
    bad = (DATA / "excel_claims_gbk.csv").read_bytes().replace("特困供养人员".encode("gbk"), "贫困边缘户".encode("gbk"), 1)
    body, kind = _multipart({"scheme": "sui_county"}, "mine.csv", bad)
    status, answer = _post(base + "/api/adjudicate", body, kind)
    assert status == 400 and answer["error"].startswith("mine.csv: 1 bad row; nothing was written\nmine.csv: line 3 (claim_id c1-174), column category")


def test_server_listens_on_loopback_only(server) -> None:
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    for address in addresses:
        with socket.socket() as probe:
            probe.settimeout(1)
            assert probe.connect_ex((address, port)) != 0, f"reachable on {address}"


def test_api_refuses_a_bad_profile_with_one_message(server) -> None:
    base, runs = server
    profile = json.loads(urllib.request.urlopen(base + "/api/fields").read())
    values = {f["key"]: f["default"] for f in profile} | {"persons.dibao": -5}
    status, body = _post(base + "/api/runs", json.dumps({"profile": values, "reps": 2}).encode(), "application/json")
    assert status == 400 and body["error"].endswith("field persons.dibao (低保对象 / dibao recipients): expected a whole number ≥ 0, found -5")
    status, body = _post(base + "/api/runs", json.dumps({"profile": values | {"persons.dibao": 5}, "reps": 0}).encode(), "application/json")
    assert status == 400 and "reps" in body["error"]
    assert not [p for p in runs.iterdir() if (p / "run").exists()] if runs.exists() else True


def test_page_uploads_profile_runs_and_shows_the_brief(server, tmp_path: Path) -> None:
    from docx import Document
    from playwright.sync_api import expect, sync_playwright

    base, runs = server
    shots = Path(os.environ.get("HPA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hpa-chromium-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=find_chromium(), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900}, accept_downloads=True)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/", wait_until="load")
            expect(page.locator("body[data-ready='1']")).to_have_count(1, timeout=20_000)
            expect(page.locator("#f-name")).to_have_value("示例县")
            page.set_input_files("#profile-file", str(DATA / "county_example.yaml"))
            expect(page.locator("#profile-message")).to_contain_text("county_example.yaml")
            expect(page.locator("#f-persons-registered_exited")).to_have_value("2000")
            # a claims file from Excel, read leniently, settled under the scheme chosen
            page.set_input_files("#claims-file", str(DATA / "excel_claims.xlsx"))
            expect(page.locator("#claims-message")).to_contain_text("177", timeout=30_000)
            expect(page.locator("#claims-totals td[data-payer='oop']")).to_have_text(_strict_oop_text())
            page.fill("#reps", "2")
            page.click("#run")
            expect(page.locator("#progress")).to_be_visible(timeout=10_000)
            page.reload()  # the run goes on in the background, and the page finds it again, with its profile
            expect(page.locator("#f-persons-registered_exited")).to_have_value("2000")
            expect(page.locator("#step-brief")).to_be_visible(timeout=180_000)
            frame = page.frame_locator("#brief-frame")
            expect(frame.locator("#brief-title")).to_have_text("示例县 2021 年度健康扶贫医疗保障资金测算简报", timeout=20_000)
            assert page.evaluate("document.fonts.check('16px \"HPA Page CJK\"', '县域概况')")
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "web-desktop.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#downloads a[data-file='brief.docx']")
            docx_path = tmp_path / "brief.docx"
            download.value.save_as(docx_path)
            with page.expect_download() as download:
                page.click("#downloads a[data-file='run.zip']")
            zip_path = tmp_path / "run.zip"
            download.value.save_as(zip_path)
            page.click("#lang")
            expect(page.locator("#step-run h2")).to_have_text("③ Run")
            page.click("#lang")
            # the planner's view: the current setting against two values of the OOP ceiling, on the same households
            page.click("#planner summary")
            page.select_option("#vary-path", "layers.supplementary_ceiling_poor.ceiling.amount")
            page.fill("#vary-values", "3000, 8000")
            page.click("#sweep")
            expect(page.locator("#planner-result")).to_be_visible(timeout=180_000)
            expect(page.locator("#planner-table tr")).to_have_count(4)
            expect(page.locator("#planner-table tr").nth(1).locator("td").first).to_have_text("现行")
            expect(page.locator("#planner-table tr").nth(2).locator("td").first).to_have_text("3000")
            expect(page.locator("#planner-chart svg circle")).to_have_count(3)
            page.locator("#planner-result").screenshot(path=str(shots / "web-planner.png"))
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "web-phone.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
    assert not errors
    assert all(url.startswith((base, "data:", "blob:")) for url in requests), [u for u in requests if not u.startswith(base)]
    job = sorted(p for p in runs.iterdir() if (p / "run" / "summary.json").is_file())[0]  # the first run; the planner's came after
    metrics = json.loads((job / "run" / "summary.json").read_text())["scenarios"]
    metrics = next(iter(metrics.values()))["metrics"]
    table = [[cell.text for cell in row.cells] for row in Document(str(docx_path)).tables[0].rows]
    expected = []
    for fund in ("backstop", "ma"):
        for statistic in ("p50", "p95"):
            expected.append([wan(metrics[f"outlay_{fund}"][statistic])] +
                            [wan(metrics[f"outlay_{fund}_{level}"][statistic]) for level in ("province", "prefecture", "county")])
    assert [row[2:6] for row in table[1:]] == expected
    assert float(table[3][2].replace(",", "")) > 0  # medical assistance at P50: a real amount
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        assert any(name.endswith("/summary.json") for name in archive.namelist())
        assert any(name.endswith("/brief.pdf") for name in archive.namelist())


def test_a_run_left_unfinished_by_a_stopped_server_is_reported_failed(tmp_path: Path) -> None:
    from model.web.jobs import STATE, Jobs

    folder = tmp_path / "runs" / "20260101000000000001"
    folder.mkdir(parents=True)
    (folder / STATE).write_text(json.dumps({"id": folder.name, "state": "running", "reps": 2, "done": 1, "error": None}))
    state = Jobs(tmp_path / "runs").job(folder.name).state()
    assert state["state"] == "failed" and "server stopped" in state["error"]


def test_api_has_the_years_field_and_refuses_a_bad_one_with_the_profiles_message(server) -> None:
    base, runs = server
    fields = json.loads(urllib.request.urlopen(base + "/api/fields").read())
    years = [f for f in fields if f["key"] == "years"]
    assert years and years[0]["kind"] == "years" and not years[0]["required"] and years[0]["zh"] == "逐年测算年数"
    # an uploaded profile is checked by the profile's own rules (no run is started, so none can be in the way)
    text = (DATA / "county_example.yaml").read_text(encoding="utf-8")
    body, kind = _multipart({}, "county.yaml", (text + "years: 40\n").encode())
    status, answer = _post(base + "/api/profile", body, kind)
    assert status == 400 and answer["error"] == (
        "county.yaml: field years (逐年测算年数 / years followed): expected a number of years from 1 to 30, found 40")
    body, kind = _multipart({}, "county.yaml", (text + "years: 3\n").encode())
    status, answer = _post(base + "/api/profile", body, kind)
    assert status == 200 and answer["values"]["years"] == 3
