// Shared helpers. Data only ever enters the page as text nodes (createTextNode/textContent).
"use strict";

const BS = (() => {
  const PAGES = [["/", "Overview"], ["/web", "The web"], ["/stress", "Stress"],
                 ["/portfolio", "Portfolio"], ["/signals", "Signals"], ["/data", "Data"],
                 ["/docs", "API"]];

  // el("td", {class: "num"}, "text", childNode, ...): children are text or nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function fill(node, ...children) { clear(node); for (const c of children.flat()) if (c) node.appendChild(c instanceof Node ? c : document.createTextNode(String(c))); return node; }

  class ApiError extends Error {
    constructor(status, body) {
      super(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
      this.status = status; this.body = body;
    }
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = {};
    try { body = await response.json(); } catch (e) { body = { detail: response.statusText }; }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  function postJson(path, payload) {
    return api(path, { method: "POST", headers: { "content-type": "application/json" },
                       body: JSON.stringify(payload) });
  }

  // A box saying a part of the library is not in this build yet (HTTP 503), or an error.
  function problem(err) {
    if (err instanceof ApiError && err.status === 503) {
      return el("div", { class: "unavailable", "data-state": "unavailable" },
                "Not available yet: ", err.message);
    }
    const issues = err.body && Array.isArray(err.body.issues) ? err.body.issues : [];
    return el("div", { class: "error", "data-state": "error" }, "Error: ", err.message,
              issues.length ? el("ul", {}, issues.map((i) => el("li", {}, i.message))) : null);
  }

  function table(columns, rows) {
    const head = el("tr", {}, columns.map(([, title]) => el("th", {}, title)));
    const body = rows.map((r) => el("tr", {}, columns.map(([key, , fmt]) => {
      const v = r[key];
      const isNum = typeof v === "number";
      return el("td", { class: isNum ? "num" : null }, fmt ? fmt(v, r) : (v === null || v === undefined ? "" : v));
    })));
    return el("table", {}, el("thead", {}, head), el("tbody", {}, body));
  }

  function num(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  // Plotly renders a few HTML-like tags in labels; show data as literal text instead.
  function plain(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  // Save a Blob under a file name (an anchor click; nothing leaves the browser).
  function save(blob, name) {
    const a = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function csvCell(v) {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  // Download buttons for named tables (name → rows): one workbook, or one CSV per table.
  function downloads(name, tables) {
    const names = Object.keys(tables || {});
    if (!names.length) return null;
    const xlsx = el("button", { type: "button", class: "secondary download", "data-format": "xlsx",
      onclick: async () => {
        const r = await fetch("/api/export.xlsx", { method: "POST", credentials: "same-origin",
                                                   headers: { "content-type": "application/json" },
                                                   body: JSON.stringify({ name, tables }) });
        if (r.ok) save(await r.blob(), `${name}.xlsx`);
      } }, "Download xlsx");
    const csvs = names.map((t) => el("button", { type: "button", class: "secondary download", "data-format": "csv",
      onclick: () => {
        const rows = tables[t];
        const cols = rows.length ? Object.keys(rows[0]) : [];
        const text = [cols.map(csvCell).join(","), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(","))].join("\n");
        save(new Blob([text + "\n"], { type: "text/csv" }), `${name}-${t}.csv`);
      } }, `CSV: ${t}`));
    return el("div", { class: "downloads" }, xlsx, ...csvs);
  }

  // Polls a background job until it ends, its progress shown in `bar` (a <progress>) and
  // `msg`; `start` is the promise of the job's first snapshot. Resolves to the job's result.
  async function runJob(start, bar, msg) {
    let job = await start;
    while (job.status === "queued" || job.status === "running") {
      bar.value = job.progress;
      fill(msg, `${Math.round(job.progress * 100)}% ${job.message}`);
      await new Promise((r) => setTimeout(r, 250));
      job = await api(`/api/jobs/${job.id}`);
    }
    if (job.status === "failed") throw new Error(job.error);
    bar.value = 1;
    fill(msg, "100% done");
    return job.result;
  }

  // A progress bar and its message line, for runJob.
  function progressBar(id) {
    return [el("progress", { max: 1, value: 0, id, class: "job-progress" }),
            el("span", { class: "muted job-message" }, "starting…")];
  }

  function nav() {
    const here = window.location.pathname;
    const links = PAGES.map(([href, title]) =>
      el("a", { href, class: href === here ? "current" : null }, title));
    document.body.prepend(el("header", {}, el("span", { class: "brand" }, "bubblescope"),
                             el("nav", {}, links)));
  }

  document.addEventListener("DOMContentLoaded", nav);
  return { el, clear, fill, api, postJson, problem, table, num, plain, downloads, runJob, progressBar,
           ApiError };
})();
