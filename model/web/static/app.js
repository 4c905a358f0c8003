// The county page: fill or upload the profile, pick or edit a scheme, run in the background, read the brief.
"use strict";

const TEXT = {
  zh: {
    title: "县域健康扶贫医疗保障资金测算", profile: "① 县域概况", profile_hint: "上传填好的县域概况（.xlsx 或 .yaml），或直接在下面填写。",
    upload: "上传县域概况", template: "下载 Excel 模板", scheme: "② 保障方案",
    parameters: "查看与修改参数（每项附来源；修改记为改革方案）", p_group: "项目", p_path: "参数", p_value: "取值", p_source: "来源",
    planner: "规划视图：扫描一个参数，看成本与保障的权衡", sweep: "扫描", planner_hint: "现行方案与所列每个取值在同一批家庭上比较（逗号分隔）。",
    planner_title: "规划视图：成本与保障",
    planner_columns: ["取值", "扶贫倾斜支出 P50（万元）", "各支付方较现行增加（万元）", "灾难性支出（10%收入）", "较现行（百分点）", "因病致贫", "较现行（百分点）", "每少一户灾难性支出的成本（元）"],
    current: "现行", chart_x: "扶贫倾斜支出 P50（万元）", chart_y: "灾难性卫生支出发生率（%）",
    claims: "⑤ 结算单核算（可选）", claims_hint: "按所选方案逐笔结算一份结算单文件（.xlsx 或 .csv，UTF-8 或 GBK，中文标签均可）。",
    claims_upload: "上传结算单文件", claims_template: "下载结算单模板", settled: "已结算 {n} 笔（方案 {scheme}）。", payments: "下载结算结果 payments.csv",
    payers: { bmi: "基本医保", cii: "大病保险", ma: "医疗救助", backstop: "兜底保障", supplementary: "补充保险", hospital: "医院减免", oop: "个人自付" },
    run: "③ 测算", reps: "重复次数", seed: "随机种子", start: "开始测算", brief: "④ 简报", lang: "English",
    loaded: "已读入：", running: "正在测算：已完成 {done} / {total} 次重复", reporting: "正在生成简报与报告……",
    done: "测算完成。", failed: "测算失败：", busy: "已有测算在进行，请稍候。", edited: "项参数已修改（将记为改革方案）",
    downloads: { "brief.pdf": "简报 PDF", "brief.docx": "简报 Word", "brief.html": "简报网页", "report.html": "完整报告",
                 "report.xlsx": "Excel 表格", "summary.json": "summary.json", "run.zip": "运行文件夹 (zip)" },
  },
  en: {
    title: "County health poverty alleviation budget", profile: "① County profile", profile_hint: "Upload a filled profile (.xlsx or .yaml), or fill it in below.",
    upload: "Upload county profile", template: "Download the Excel template", scheme: "② Scheme",
    parameters: "See and edit parameters (each with its source; edits are recorded as a reform)", p_group: "Item", p_path: "Parameter", p_value: "Value", p_source: "Source",
    planner: "Planner's view: sweep one parameter, see cost against protection", sweep: "Sweep", planner_hint: "The current scheme and each value listed (comma-separated), on the same households.",
    planner_title: "Planner's view: cost and protection",
    planner_columns: ["Value", "Poverty funds P50 (10,000 yuan)", "All payers vs current (10,000 yuan)", "Catastrophic (10% of income)", "vs current (points)", "Impoverishment", "vs current (points)", "Cost per household protected (yuan)"],
    current: "current", chart_x: "Poverty funds P50 (10,000 yuan)", chart_y: "Catastrophic spending (%)",
    claims: "⑤ Settle a claims file (optional)", claims_hint: "Settle every claim of a file under the scheme chosen above (.xlsx or .csv, UTF-8 or GBK, Chinese labels accepted).",
    claims_upload: "Upload a claims file", claims_template: "Download the claims template", settled: "{n} claims settled (scheme {scheme}).", payments: "Download payments.csv",
    payers: { bmi: "BMI", cii: "Critical illness", ma: "Medical assistance", backstop: "Backstop", supplementary: "Supplementary", hospital: "Hospital", oop: "Out of pocket" },
    run: "③ Run", reps: "Replications", seed: "Seed", start: "Run", brief: "④ Brief", lang: "中文",
    loaded: "Read: ", running: "Running: {done} of {total} replications done", reporting: "Writing the brief and report…",
    done: "Done.", failed: "The run failed: ", busy: "A run is already going; please wait.", edited: "parameter(s) edited (recorded as a reform)",
    downloads: { "brief.pdf": "Brief (PDF)", "brief.docx": "Brief (Word)", "brief.html": "Brief (web page)", "report.html": "Full report",
                 "report.xlsx": "Excel workbook", "summary.json": "summary.json", "run.zip": "Run folder (zip)" },
  },
};
let lang = localStorage.getItem("hpa-lang") || "zh";
let fields = [];
let edits = {};
let polling = null;
let lastJob = null;

const $ = (selector) => document.querySelector(selector);
const t = (key) => TEXT[lang][key];

function say(element, text, kind) {
  element.textContent = text;
  element.className = "message" + (kind ? " " + kind : "");
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  $("#lang").textContent = t("lang");
  document.title = "HPA-Sim — " + t("title");
  renderFields(currentValues());
  if (lastJob) show(lastJob);
}

function renderFields(values) {
  const form = $("#profile-form");
  form.replaceChildren();
  for (const field of fields) {
    const label = document.createElement("label");
    const name = document.createElement("span");
    name.textContent = (lang === "zh" ? field.zh : field.en) + (field.required ? " *" : "");
    const input = document.createElement("input");
    input.id = "f-" + field.key.replace(".", "-");
    input.name = field.key;
    input.type = field.kind === "text" ? "text" : "number";
    input.step = field.kind === "wan" ? "any" : "1";
    const value = values[field.key];
    input.value = value === null || value === undefined ? "" : value;
    const note = document.createElement("span");
    note.className = "note";
    note.textContent = lang === "zh" ? field.note.split(" / ")[0] : (field.note.split(" / ")[1] || field.note);
    label.append(name, input, note);
    form.append(label);
    if (field.key === "scheme") {
      input.addEventListener("change", () => { if ($("#scheme").value !== input.value) { $("#scheme").value = input.value; loadScheme(); } });
    }
  }
}

function currentValues() {
  const values = {};
  for (const field of fields) {
    const input = document.getElementsByName(field.key)[0];
    if (!input) { values[field.key] = field.default; continue; }
    const text = input.value.trim();
    values[field.key] = text === "" ? null : (field.kind === "text" ? text : Number(text));
  }
  return values;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

async function uploadProfile() {
  const file = $("#profile-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  try {
    const body = await getJSON("/api/profile", { method: "POST", body: form });
    renderFields(body.values);
    $("#scheme").value = body.values.scheme;
    await loadScheme();
    say($("#profile-message"), t("loaded") + file.name, "ok");
  } catch (error) {
    say($("#profile-message"), error.message, "error");
  }
}

async function loadScheme() {
  const id = $("#scheme").value;
  const input = document.getElementsByName("scheme")[0];
  if (input && input.value !== id) input.value = id;
  edits = {};
  const body = await getJSON("/api/schemes/" + encodeURIComponent(id));
  const document_ = body.document || {};
  $("#scheme-document").textContent = document_.title ? `${document_.title}${document_.clause ? "（" + document_.clause + "）" : ""}` : "";
  const rows = $("#parameters tbody");
  rows.replaceChildren();
  const varyPath = $("#vary-path");
  varyPath.replaceChildren();
  for (const parameter of body.parameters) {
    if (!Number.isFinite(Number(parameter.value))) continue;
    const option = document.createElement("option");
    option.value = parameter.path;
    option.textContent = `${parameter.group} · ${parameter.path.split(".").slice(-2).join(".")} = ${parameter.value}`;
    varyPath.append(option);
  }
  const ceiling = [...varyPath.options].find((o) => o.value.endsWith("ceiling.amount"));
  if (ceiling) varyPath.value = ceiling.value;
  for (const parameter of body.parameters) {
    const row = document.createElement("tr");
    const group = document.createElement("td");
    group.textContent = parameter.group;
    const path = document.createElement("td");
    path.className = "path";
    path.textContent = parameter.path;
    const valueCell = document.createElement("td");
    const input = document.createElement("input");
    input.value = parameter.value;
    input.dataset.path = parameter.path;
    input.addEventListener("change", () => {
      if (input.value.trim() === parameter.value || input.value.trim() === "") { delete edits[parameter.path]; input.classList.remove("edited"); }
      else { edits[parameter.path] = parseValue(input.value.trim()); input.classList.add("edited"); }
      const count = Object.keys(edits).length;
      say($("#run-message"), count ? `${count} ${t("edited")}` : "", "");
    });
    valueCell.append(input);
    const source = document.createElement("td");
    source.className = "source";
    source.textContent = parameter.source;
    row.append(group, path, valueCell, source);
    rows.append(row);
  }
}

function parseValue(text) {
  const number = Number(text.replace(/,/g, ""));
  return Number.isFinite(number) ? number : text;
}

async function startRun(withSweep) {
  $("#run").disabled = true;
  $("#sweep").disabled = true;
  const request = { profile: currentValues(), reps: Number($("#reps").value), seed: Number($("#seed").value), edits };
  if (withSweep === true) request.vary = { path: $("#vary-path").value, values: $("#vary-values").value.split(/[,，\s]+/) };
  try {
    const body = await getJSON("/api/runs", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request),
    });
    localStorage.setItem("hpa-job", body.id);
    $("#step-brief").hidden = true;
    follow(body.id);
  } catch (error) {
    say($("#run-message"), error.message, "error");
    $("#run").disabled = false;
    $("#sweep").disabled = false;
  }
}

function follow(id) {
  if (polling) clearInterval(polling);
  const tick = async () => {
    let job;
    try { job = await getJSON("/api/runs/" + id); } catch (error) { clearInterval(polling); $("#run").disabled = false; return; }
    show(job);
    if (job.state !== "running") { clearInterval(polling); polling = null; }
  };
  tick();
  polling = setInterval(tick, 700);
}

function show(job) {
  lastJob = job;
  const progress = $("#progress");
  if (job.state === "running") {
    $("#run").disabled = true;
    $("#sweep").disabled = true;
    progress.hidden = false;
    progress.max = job.reps;
    progress.value = job.done;
    say($("#run-message"), job.done >= job.reps ? t("reporting") : t("running").replace("{done}", job.done).replace("{total}", job.reps), "");
    return;
  }
  $("#run").disabled = false;
  $("#sweep").disabled = false;
  progress.hidden = true;
  if (job.state === "failed") { say($("#run-message"), t("failed") + (job.error || ""), "error"); return; }
  say($("#run-message"), t("done"), "ok");
  const links = $("#downloads");
  links.replaceChildren();
  for (const name of job.downloads) {
    const link = document.createElement("a");
    link.href = `/api/runs/${job.id}/files/${name}`;
    link.textContent = t("downloads")[name] || name;
    link.dataset.file = name;
    link.setAttribute("download", name === "run.zip" ? `hpa-${job.id}.zip` : name);
    links.append(link);
  }
  const frame = $("#brief-frame");
  const source = `/api/runs/${job.id}/files/brief.html?inline=1`;
  if (frame.getAttribute("src") !== source) frame.setAttribute("src", source);
  $("#step-brief").hidden = false;
  showPlanner(job.planner);
}

const wanText = (yuan) => yuan === null || yuan === undefined ? "—" : (yuan / 1e4).toLocaleString("zh-CN", { maximumFractionDigits: Math.abs(yuan) >= 1e7 ? 0 : 1 });
const pct = (rate) => rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
const points = (change) => change === null || change === undefined ? "—" : (change >= 0 ? "+" : "") + (change * 100).toFixed(2);

function showPlanner(planner) {
  const box = $("#planner-result");
  if (!planner) { box.hidden = true; return; }
  const table = $("#planner-table");
  table.replaceChildren();
  const head = document.createElement("tr");
  for (const title of t("planner_columns")) { const th = document.createElement("th"); th.textContent = title; head.append(th); }
  table.append(head);
  for (const row of planner.rows) {
    const tr = document.createElement("tr");
    const cost = row.cost_per_household === null || row.cost_per_household === undefined ? "—" : Math.round(row.cost_per_household).toLocaleString("zh-CN");
    const cells = [row.label === "current" ? t("current") : row.value, wanText(row.poverty_funds_p50),
                   row.label === "current" ? "—" : wanText(row.extra_cost), pct(row.che_10), points(row.che_10_change),
                   pct(row.impoverishment), points(row.impoverishment_change), row.label === "current" ? "—" : cost];
    for (const text of cells) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
    table.append(tr);
  }
  drawPlanner(planner);
  box.hidden = false;
}

function drawPlanner(planner) {
  // cost (x) against catastrophic spending (y): plain numbers on the axes, units in the titles
  const rows = planner.rows.filter((r) => r.poverty_funds_p50 !== null && r.che_10 !== null);
  const width = 560, height = 300, left = 70, bottom = 50, top = 20, right = 20;
  const xs = rows.map((r) => r.poverty_funds_p50 / 1e4), ys = rows.map((r) => r.che_10 * 100);
  const pad = (lo, hi) => (hi - lo || Math.abs(hi) || 1) * 0.1;
  const [x0, x1] = [Math.min(...xs) - pad(Math.min(...xs), Math.max(...xs)), Math.max(...xs) + pad(Math.min(...xs), Math.max(...xs))];
  const [y0, y1] = [Math.min(...ys) - pad(Math.min(...ys), Math.max(...ys)), Math.max(...ys) + pad(Math.min(...ys), Math.max(...ys))];
  const sx = (x) => left + (x - x0) / (x1 - x0) * (width - left - right);
  const sy = (y) => height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  const add = (name, attributes, text) => {
    const node = document.createElementNS(ns, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  add("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: "#444" });
  add("line", { x1: left, y1: top, x2: left, y2: height - bottom, stroke: "#444" });
  for (let i = 0; i <= 4; i++) {
    const x = x0 + (x1 - x0) * i / 4, y = y0 + (y1 - y0) * i / 4;
    add("text", { x: sx(x), y: height - bottom + 16, "text-anchor": "middle", "font-size": 11 }, x.toLocaleString("zh-CN", { maximumFractionDigits: 1 }));
    add("text", { x: left - 6, y: sy(y) + 4, "text-anchor": "end", "font-size": 11 }, y.toFixed(1));
  }
  add("text", { x: (left + width - right) / 2, y: height - 8, "text-anchor": "middle", "font-size": 12 }, t("chart_x"));
  add("text", { x: 14, y: (top + height - bottom) / 2, "text-anchor": "middle", "font-size": 12, transform: `rotate(-90 14 ${(top + height - bottom) / 2})` }, t("chart_y"));
  rows.forEach((row, i) => {
    const current = row.label === "current";
    add("circle", { cx: sx(xs[i]), cy: sy(ys[i]), r: current ? 6 : 4.5, fill: current ? "#8b1e1e" : "#1d3f7a" });
    add("text", { x: sx(xs[i]) + 8, y: sy(ys[i]) - 6, "font-size": 11 }, current ? t("current") : row.value);
  });
  $("#planner-chart").replaceChildren(svg);
}

async function refreshJob(restore) {
  const id = localStorage.getItem("hpa-job") || "latest";
  let job;
  try { job = await getJSON("/api/runs/" + id); } catch (error) { return; /* no run yet */ }
  if (restore && job.profile) {  // a reloaded page shows the profile of the run it finds
    renderFields(job.profile);
    if ([...$("#scheme").options].some((o) => o.value === job.profile.scheme)) { $("#scheme").value = job.profile.scheme; await loadScheme(); }
  }
  if (job.state === "running") follow(job.id); else show(job);
}

async function settleClaims() {
  const file = $("#claims-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  form.append("scheme", $("#scheme").value);
  const totals = $("#claims-totals");
  totals.replaceChildren();
  try {
    const body = await getJSON("/api/adjudicate", { method: "POST", body: form });
    say($("#claims-message"), t("settled").replace("{n}", body.claims).replace("{scheme}", body.scheme), "ok");
    const head = document.createElement("tr"), values = document.createElement("tr");
    for (const [payer, amount] of Object.entries(body.totals)) {
      const th = document.createElement("th"); th.textContent = t("payers")[payer] || payer; head.append(th);
      const td = document.createElement("td"); td.textContent = amount.toLocaleString("zh-CN", { minimumFractionDigits: 2 }); td.dataset.payer = payer; values.append(td);
    }
    totals.append(head, values);
    const link = document.createElement("a");
    link.id = "payments-link";
    link.href = URL.createObjectURL(new Blob([body.payments_csv], { type: "text/csv" }));
    link.download = "payments.csv";
    link.textContent = t("payments");
    $("#claims-message").append(" ", link);
  } catch (error) {
    say($("#claims-message"), error.message, "error");
  }
}

async function start() {
  fields = await getJSON("/api/fields");
  const values = Object.fromEntries(fields.map((f) => [f.key, f.default]));
  renderFields(values);
  const schemes = await getJSON("/api/schemes");
  for (const scheme of schemes) {
    const option = document.createElement("option");
    option.value = scheme.id;
    option.textContent = `${scheme.name.zh} / ${scheme.name.en}`;
    $("#scheme").append(option);
  }
  $("#scheme").value = values.scheme;
  $("#scheme").addEventListener("change", loadScheme);
  $("#profile-file").addEventListener("change", uploadProfile);
  $("#claims-file").addEventListener("change", settleClaims);
  $("#run").addEventListener("click", () => startRun(false));
  $("#sweep").addEventListener("click", () => startRun(true));
  $("#lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("hpa-lang", lang); applyLanguage(); });
  await loadScheme();
  applyLanguage();
  await refreshJob(true);
  document.body.dataset.ready = "1";
}

start();
