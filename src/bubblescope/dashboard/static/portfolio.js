"use strict";
(() => {
  const { el, fill, api, problem, table, num, plain, downloads } = BS;

  async function init() {
    const r = await api("/api/stress/presets");
    const select = document.getElementById("scenario");
    r.presets.forEach((p) => select.appendChild(el("option", { value: p.name, selected: p.name === "atlantic-crash" }, p.title || p.name)));
    document.getElementById("paths").max = r.limits.max_paths;
    document.getElementById("book").addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  }

  async function run() {
    const status = document.getElementById("status");
    const file = document.getElementById("file").files[0];
    if (!file) { fill(status, el("p", { class: "error" }, "Choose a positions file.")); return; }
    const body = new FormData();
    body.append("file", file);
    body.append("scenario", document.getElementById("scenario").value);
    body.append("paths", document.getElementById("paths").value);
    fill(status, "running…");
    try {
      let job = await api("/api/portfolio/run", { method: "POST", body });
      while (job.status === "queued" || job.status === "running") {
        await new Promise((res) => setTimeout(res, 250));
        job = await api(`/api/jobs/${job.id}`);
        fill(status, `${Math.round(job.progress * 100)}% ${job.message}`);
      }
      if (job.status === "failed") { fill(status, el("p", { class: "error" }, `Run failed: ${job.error}`)); return; }
      fill(status);
      show(job.result);
    } catch (err) {
      if (err.body && (err.body.issues || typeof err.body.detail === "string")) showProblem(err.body);
      else fill(status, problem(err));
    }
  }

  function showProblem(body) {
    const status = document.getElementById("status");
    if (body.issues) {
      fill(status, el("div", { id: "book-errors", class: "error" }, body.detail,
        table([["line", "Line"], ["field", "Field"], ["rule", "Rule"], ["value", "Value"]], body.issues)));
    } else {
      fill(status, el("p", { class: "error" }, String(body.detail)));
    }
  }

  function show(r) {
    document.getElementById("result").hidden = false;
    fill(document.getElementById("summary"), r.summary);
    fill(document.getElementById("warnings"), r.warnings.map((w) => el("li", {}, `warning: ${w}`)));
    fill(document.getElementById("downloads"), downloads(`portfolio-${r.scenario}`, r.tables));
    const pos = r.tables.positions_usd_bn;
    fill(document.getElementById("positions"), table([
      ["position", "Position"], ["issuer", "Issuer"], ["instrument", "Instrument"],
      ["amount_usd_bn", "Amount", (v) => num(v, 3)], ["loss_usd_bn", "Loss", (v) => num(v, 3)],
      ["credit_loss_usd_bn", "Credit", (v) => num(v, 3)], ["debt_mark_usd_bn", "Debt mark", (v) => num(v, 3)],
      ["of_which_rating_mark_usd_bn", "of it rating mark", (v) => num(v, 3)],
      ["equity_mark_usd_bn", "Equity mark", (v) => num(v, 3)],
      ["CDS_premium_usd_bn", "CDS premium", (v) => num(v, 3)], ["worst_scenario", "Worst preset"],
      ["mapped_to", "Mapped to"]], pos));
    const q = r.tables.quarters_usd_bn;
    Plotly.react("quarters", [["credit_loss_usd_bn", "credit loss"], ["debt_mark_usd_bn", "debt mark"], ["equity_mark_usd_bn", "equity mark"],
      ["CDS_premium_usd_bn", "CDS premium"]]
      .map(([k, name]) => ({ type: "bar", name, x: q.map((row) => row.quarter), y: q.map((row) => row[k]) })),
      { title: { text: "Loss per quarter by channel (USD bn, mean over paths)" }, barmode: "relative",
        yaxis: { title: { text: "USD bn" } }, margin: { t: 40 } }, { displaylogo: false, responsive: true });
    const dist = document.getElementById("dist");
    dist.hidden = r.paths < 2;
    if (r.paths > 1) {
      Plotly.react(dist, [{ type: "histogram", x: r.totals, nbinsx: 30, name: plain("portfolio loss") }],
        { title: { text: `Portfolio loss over ${r.paths} paths (USD bn): VaR 99% ${num(r.var, 3)}, ES ${num(r.expected_shortfall, 3)}` },
          xaxis: { title: { text: "USD bn" } }, yaxis: { title: { text: "paths" } }, margin: { t: 40 } },
        { displaylogo: false, responsive: true });
    }
    const drivers = r.tables.assumption_drivers;
    fill(document.getElementById("drivers"), drivers.length
      ? table([["assumption", "Assumption"], ["rank_correlation", "Rank correlation with the loss", (v) => num(v, 2)]], drivers)
      : el("p", { class: "muted" }, "Run with more than one path to see which assumptions drive the loss."));
  }

  document.addEventListener("DOMContentLoaded", () => init().catch((err) => fill(document.getElementById("status"), problem(err))));
})();
