"""`hpa serve`: the county officer's page on loopback (Starlette app, uvicorn server), and the JSON API it uses.

Everything the page needs is served from inside `model/` (no network): the page, its script and style, and a
Chinese font cut to the characters the page and the scheme files use."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from model.errors import InputError
from model.report.texts import bilingual, entries

STATIC = Path(__file__).parent / "static"
DOWNLOADS = {"brief.html": "text/html; charset=utf-8", "brief.pdf": "application/pdf",
             "brief.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "report.html": "text/html; charset=utf-8",
             "report.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "summary.json": "application/json"}
MAX_UPLOAD = 5_000_000
MAX_CLAIMS_UPLOAD = 50_000_000
MAX_REPS = 500


@lru_cache(maxsize=1)
def page_font() -> bytes:
    """WOFF of every character of the page, the field table and the shipped scheme files."""
    from model.county.profile import FIELDS
    from model.report.webfont import subset_woff
    from model.scenario import scenarios_dir

    text = "".join(p.read_text(encoding="utf-8") for p in STATIC.glob("*.*") if p.suffix in (".html", ".js"))
    text += "".join(f.zh + f.note for f in FIELDS)
    text += "".join(p.read_text(encoding="utf-8") for p in scenarios_dir().rglob("*.yaml"))
    text += "０１２３４５６７８９：，。；（）、！？…—·％"
    return subset_woff(text)


def scheme_list() -> list[dict]:
    """The schemes the page offers: each shipped scenario's id and its name {zh, en}.

    Returns
    -------
    list of dict
    """
    from model.scenario import known_scenarios, load_scenario

    return [{"id": name, "name": load_scenario(name).name} for name in known_scenarios()]


def scheme_parameters(scheme_id: str) -> dict:
    """A scheme's settable values with their sources: its layers (path layers.ID....), payer caps and financing."""
    from model.report.scheme_table import cited_values
    from model.scenario import known_scenarios, load_scenario

    if scheme_id not in known_scenarios():
        raise InputError(f"scheme {scheme_id!r}: expected one of {', '.join(known_scenarios())}")
    tree = load_scenario(scheme_id).tree
    rows = []
    for layer in tree.get("layers") or []:
        body = {k: v for k, v in layer.items() if k not in ("id", "name", "payer", "source", "when")}
        for value in cited_values(body, "layers", str(layer.get("id"))):
            if value.source:
                rows.append({"path": f"layers.{layer.get('id')}.{value.path}", "group": (layer.get("name") or {}).get("zh") or layer.get("id"),
                             "value": value.value, "source": value.source})
    for section in ("payer_caps", "financing"):
        for value in cited_values(tree.get(section) or {}, section):
            if value.source and value.value:
                rows.append({"path": f"{section}.{value.path}", "group": section, "value": value.value, "source": value.source})
    return {"id": scheme_id, "name": tree.get("name"), "document": tree.get("document"), "parameters": rows}


@contextmanager
def uploaded_file(name: str, data: bytes, prefix: str) -> Iterator[Path]:
    """An upload written under its own name in a temporary folder (removed afterwards); a message about it
    names the file as the user called it, not the temporary path."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        try:
            yield path
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), Path(name).name)) from None


def _profile_from_upload(name: str, data: bytes) -> dict:
    """An uploaded profile (.yaml or .xlsx) read and checked, as {field key: value}."""
    from model.county.profile import FIELDS, load_profile

    suffix = Path(name).suffix.lower()
    if suffix not in (".yaml", ".yml", ".xlsx"):
        raise InputError(f"{name}: expected a county profile ending .yaml or .xlsx, found {suffix or 'no suffix'!r}")
    with uploaded_file(name, data, "hpa-upload-") as path:
        profile = load_profile(path)
    return profile_values(profile)


def profile_values(profile) -> dict:
    """A read profile as the page's {field key: value} (amounts back in 万元)."""
    from model.county.profile import FIELDS

    values = {}
    record = profile.as_dict()
    for spec in FIELDS:
        if spec.path[0] == "last_year":
            amount = profile.last_year.get(spec.path[1])
            values[spec.key] = None if amount is None else amount / 10_000
        elif len(spec.path) == 2:
            values[spec.key] = (record.get(spec.path[0]) or {}).get(spec.path[1])
        else:
            values[spec.key] = record.get(spec.path[0])
    return values


def settle_upload(name: str, data: bytes, scheme: str) -> dict:
    """A claims file from the page, always read leniently (.xlsx, or CSV in UTF-8 or GBK), settled under `scheme`:
    totals by payer (yuan) and the spec §2 payments CSV. Messages name the uploaded file, line and column."""
    from model.rules.payments_csv import payments_csv
    from model.rules.engine import program_for, settle
    from model.rules.lenient import read_lenient
    from model.scenario import load_scenario

    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{name}: expected a claims file ending .csv or .xlsx, found {suffix or 'no suffix'!r}")
    scenario = load_scenario(scheme)
    with uploaded_file(name, data, "hpa-claims-") as path:
        claims_file = read_lenient(path)
        amounts = settle(scenario.scheme, claims_file.claims)
        payments = payments_csv(claims_file, amounts).decode("utf-8")
    totals = amounts.sum(axis=0)
    columns = program_for(scenario.scheme).output_columns  # a charity column only for a scheme with a charity layer
    return {"claims": int(len(amounts)), "scheme": scenario.id,
            "totals": {column: int(totals[i]) / 100 for i, column in enumerate(columns)},
            "total_cost": int(claims_file.claims.total.sum()) / 100, "payments_csv": payments}


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.parent.name}/{path.relative_to(folder)}")
    return buffer.getvalue()


def create_app(root: Path):
    """The Starlette app serving the page and API; runs are kept under `root`."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from model.brief import build_brief
    from model.county.profile import FIELDS
    from model.web.jobs import Jobs

    jobs = Jobs(root)
    page_font()  # made once, before the first page asks for it (a few seconds)

    def fail(message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    async def index(request: Request) -> Response:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "font.woff":
            return Response(page_font(), media_type="font/woff")
        path = STATIC / name
        if name not in {p.name for p in STATIC.iterdir()}:
            return fail("no such file", 404)
        return FileResponse(path)

    async def fields(request: Request) -> Response:
        return JSONResponse([{"key": f.key, "zh": f.zh, "en": f.en, "kind": f.kind, "required": f.required,
                              "default": f.default, "note": f.note} for f in FIELDS])

    async def schemes(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(scheme_list))

    async def scheme(request: Request) -> Response:
        try:
            return JSONResponse(await run_in_threadpool(scheme_parameters, request.path_params["scheme"]))
        except InputError as exc:
            return fail(str(exc), 404)

    async def upload(request: Request) -> Response:
        form = await request.form(max_files=1)
        item = form.get("file")
        if item is None or not hasattr(item, "read"):
            return fail("expected a file field named 'file' (the county profile)")
        data = await item.read()
        if len(data) > MAX_UPLOAD:
            return fail(f"{item.filename}: expected a profile under {MAX_UPLOAD // 1_000_000} MB, found {len(data):,} bytes")
        try:
            values = await run_in_threadpool(_profile_from_upload, item.filename or "profile", data)
            return JSONResponse({"values": values})
        except InputError as exc:
            return fail(str(exc))

    async def adjudicate(request: Request) -> Response:
        form = await request.form(max_files=1)
        item, scheme_id = form.get("file"), str(form.get("scheme") or "")
        if item is None or not hasattr(item, "read"):
            return fail("expected a file field named 'file' (a claims file) and a field 'scheme'")
        data = await item.read()
        if len(data) > MAX_CLAIMS_UPLOAD:
            return fail(f"{item.filename}: expected a claims file under {MAX_CLAIMS_UPLOAD // 1_000_000} MB in the page "
                        f"(larger ones: hpa adjudicate), found {len(data):,} bytes")
        try:
            return JSONResponse(await run_in_threadpool(settle_upload, item.filename or "claims.csv", data, scheme_id))
        except InputError as exc:
            return fail(str(exc))

    async def start(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            values = body["profile"]
            reps = int(body.get("reps", 20))
            seed = int(body.get("seed", 20161))
            edits = dict(body.get("edits") or {})
            vary = body.get("vary")
            if vary is not None:
                vary = (str(vary["path"]), [str(v).strip() for v in vary["values"] if str(v).strip()])
        except (ValueError, KeyError, TypeError) as exc:
            return fail(f"expected JSON {{profile: {{...}}, reps: N, seed: N, edits: {{path: value}}, vary: {{path, values}}}}, found an error: {exc}")
        if not 1 <= reps <= MAX_REPS:
            return fail(f"reps: expected 1 to {MAX_REPS}, found {reps}")
        if not isinstance(values, dict):
            return fail("profile: expected an object of field values")
        try:
            job = await run_in_threadpool(jobs.start, values, reps, seed, edits, vary)
        except InputError as exc:
            return fail(str(exc))
        except RuntimeError as exc:
            return fail(str(exc), 409)
        return JSONResponse(job.state(), status_code=202)

    def _job(request: Request):
        job_id = request.path_params["job"]
        if job_id == "latest":
            job = jobs.latest()
            if job is None:
                raise KeyError(job_id)
            return job
        return jobs.job(job_id)

    async def status(request: Request) -> Response:
        try:
            job = _job(request)
        except KeyError:
            return fail("no such run", 404)
        state = job.state()
        try:
            from model.county.profile import load_profile

            state["profile"] = profile_values(await run_in_threadpool(load_profile, job.folder / "county.yaml"))
            if (job.folder / "reform.yaml").is_file():
                state["profile"]["scheme"] = (job.folder / "reform.yaml").read_text(encoding="utf-8").split("base: ", 1)[1].split("\n", 1)[0].strip('"')
        except (InputError, OSError, IndexError):
            pass
        if state["state"] == "done":
            brief = await run_in_threadpool(build_brief, job.run_dir)
            state["brief"] = {"title": brief.title, "numbers": brief.numbers}
            from model.county.planner import planner_rows

            state["planner"] = await run_in_threadpool(planner_rows, job.run_dir)
            state["downloads"] = [name for name in DOWNLOADS if (job.run_dir / name).is_file()] + ["run.zip"]
        return JSONResponse(state)

    async def download(request: Request) -> Response:
        try:
            job = _job(request)
        except KeyError:
            return fail("no such run", 404)
        name = request.path_params["name"]
        if name == "run.zip" and job.run_dir.is_dir():
            return Response(await run_in_threadpool(_zip, job.run_dir), media_type="application/zip",
                            headers={"Content-Disposition": f'attachment; filename="hpa-{job.id}.zip"'})
        if name not in DOWNLOADS or not (job.run_dir / name).is_file():
            return fail("no such file", 404)
        inline = name in ("brief.html", "report.html") and request.query_params.get("inline") == "1"
        return FileResponse(job.run_dir / name, media_type=DOWNLOADS[name],
                            headers={} if inline else {"Content-Disposition": f'attachment; filename="{name}"'})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        jobs.stop()  # a run still going when the server stops is ended, not left behind

    async def template(request: Request) -> Response:
        from model.county.template import profile_xlsx

        return Response(profile_xlsx(), media_type=DOWNLOADS["report.xlsx"],
                        headers={"Content-Disposition": 'attachment; filename="county.xlsx"'})

    async def claims_template(request: Request) -> Response:
        from model.rules.lenient import template_bytes

        return Response(template_bytes("xlsx"), media_type=DOWNLOADS["report.xlsx"],
                        headers={"Content-Disposition": 'attachment; filename="claims_template.xlsx"'})

    app = Starlette(routes=[
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/fields", fields),
        Route("/api/schemes", schemes),
        Route("/api/schemes/{scheme}", scheme),
        Route("/api/profile", upload, methods=["POST"]),
        Route("/api/template.xlsx", template),
        Route("/api/claims-template.xlsx", claims_template),
        Route("/api/runs", start, methods=["POST"]),
        Route("/api/adjudicate", adjudicate, methods=["POST"]),
        Route("/api/runs/{job}", status),
        Route("/api/runs/{job}/files/{name}", download),
    ], lifespan=lifespan)
    app.state.jobs = jobs
    return app


def serve(port: int, root: Path) -> None:
    """Serve on 127.0.0.1:`port` until interrupted (loopback only: the page is for the machine it runs on)."""
    import uvicorn

    print(f"{bilingual(entries('terminal')['county_page'])}: http://127.0.0.1:{port}/  (runs kept in {root}; Ctrl-C to stop)")
    uvicorn.run(create_app(root), host="127.0.0.1", port=port, log_level="warning")
