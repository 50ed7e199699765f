"use strict";
(() => {
  const { el, fill, api, postJson, problem, table, num, plain, downloads } = BS;
  let presets = [];
  const results = { A: null, B: null };

  function slot(name) { return document.querySelector(`.slot[data-slot="${name}"]`); }

  function paramInput(p) {
    return el("label", {}, `${p.label || p.name}${p.unit ? ` (${p.unit})` : ""}`,
      el("input", { type: "number", name: p.name, value: p.value, min: p.min, max: p.max,
                    step: p.step || "any", required: true, title: p.help || "" }),
      el("span", { class: "field-error" }));
  }

  function renderForm(name, presetName) {
    const preset = presets.find((p) => p.name === presetName) || presets[0];
    const select = el("select", { name: "preset", onchange: (ev) => renderForm(name, ev.target.value) },
      presets.map((p) => el("option", { value: p.name, selected: p.name === preset.name }, p.title || p.name)));
    const form = el("form", { autocomplete: "off", novalidate: true, onsubmit: (ev) => { ev.preventDefault(); run(name, form); } },
      el("label", {}, "Preset", select),
      preset.description ? el("p", { class: "muted" }, preset.description) : null,
      el("fieldset", {}, el("legend", {}, "Parameters"), preset.parameters.filter((p) => p.main).map(paramInput)),
      el("details", {}, el("summary", {}, `All other parameters (${preset.parameters.filter((p) => !p.main).length})`),
         preset.parameters.filter((p) => !p.main).map(paramInput)),
      el("fieldset", {}, el("legend", {}, "Run size"),
        paramInput({ name: "paths", label: "Paths", value: 1, min: 1, max: presetsLimits.max_paths, step: 1 }),
        paramInput({ name: "quarters", label: "Quarters", value: preset.quarters, min: 1, max: presetsLimits.max_quarters, step: 1 }),
        paramInput({ name: "seed", label: "Seed", value: 0, min: 0, max: 2 ** 31, step: 1 })),
      el("button", { type: "submit", class: "run-button" }, `Run ${name}`));
    fill(slot(name).querySelector(".form"), form);
  }

  let presetsLimits = { max_paths: 1, max_quarters: 1 };

  // Check every field against its range in the browser; the server checks again.
  function readForm(form) {
    let ok = true;
    const values = {};
    form.querySelectorAll("input[type=number]").forEach((input) => {
      const msg = input.nextElementSibling;
      const v = Number(input.value);
      const bad = input.value === "" || !Number.isFinite(v)
        || (input.min !== "" && v < Number(input.min)) || (input.max !== "" && v > Number(input.max));
      fill(msg, bad ? `must be a number from ${input.min} to ${input.max}` : "");
      if (bad) ok = false;
      values[input.name] = v;
    });
    return ok ? values : null;
  }

  async function run(name, form) {
    const values = readForm(form);
    const box = slot(name).querySelector(".run");
    if (!values) { fill(box, el("p", { class: "error" }, "Fix the fields marked in red.")); return; }
    const { paths, quarters, seed, ...overrides } = values;
    const bar = el("progress", { max: 1, value: 0 });
    const msg = el("span", { class: "muted" }, "starting…");
    fill(box, bar, msg);
    try {
      let job = await postJson("/api/stress/run", { preset: form.preset.value, overrides, paths, quarters, seed });
      while (job.status === "queued" || job.status === "running") {
        await new Promise((r) => setTimeout(r, 250));
        job = await api(`/api/jobs/${job.id}`);
        bar.value = job.progress;
        fill(msg, `${Math.round(job.progress * 100)}% ${job.message}`);
      }
      if (job.status === "failed") { fill(box, el("p", { class: "error" }, `Run failed: ${job.error}`)); return; }
      const view = job.result.view;  // the page's part; the rest is the result's JSON schema
      results[name] = view;
      const sc = view.scenario;
      const d = view.distribution;
      fill(box, el("div", { class: "result", "data-slot": name },
        el("p", { class: "ok" }, `Done: ${sc.title || sc.name}`),
        sc.edited && sc.edited.length ? el("p", { class: "muted edited" }, `Edited from the preset: ${sc.edited.join(", ")}`) : null,
        d ? el("p", { class: "muted" }, `${d.paths} paths over the default data uncertainty: all holders lose `
                + `USD ${num(d.quantiles.p5, 0)}bn (5%) / ${num(d.quantiles.p50, 0)}bn (median) / ${num(d.quantiles.p95, 0)}bn (95%)`) : null,
        table([["label", ""], ["value", "Value", (v, r) => `${num(v, r.digits)} ${r.unit || ""}`]], view.headlines),
        downloads(`stress-${sc.name}-${name}`, view.tables)));
      showResults();
    } catch (err) {
      if (err.body && err.body.detail && Array.isArray(err.body.detail)) {
        fill(box, el("p", { class: "error" }, "Invalid request: ", err.body.detail.map((d) => d.msg).join("; ")));
      } else {
        fill(box, problem(err));
      }
    }
  }

  function runs() { return ["A", "B"].filter((k) => results[k]).map((k) => [k, results[k]]); }

  function showStep() {
    const q = Number(document.getElementById("quarter").value);
    const done = runs();
    fill(document.getElementById("quarter-label"), done.length ? done[0][1].quarters[q] || "" : "");
    fill(document.getElementById("steps"), done.map(([k, r]) => {
      const step = r.cascade[Math.min(q, r.cascade.length - 1)];
      return el("div", { class: "panel step", "data-slot": k },
        el("h2", {}, `${k}: ${r.scenario.title || r.scenario.name} — ${step.quarter}`),
        el("ul", {}, (step.events.length ? step.events : ["nothing new this quarter"]).map((e) => el("li", {}, e))),
        table([["sector", "Sector"], ["loss", "Cumulative loss, USD bn", (v) => num(v)]],
              Object.entries(step.losses).map(([sector, loss]) => ({ sector, loss }))));
    }));
    const sectors = [...new Set(done.flatMap(([, r]) => Object.keys(r.losses_by_sector)))];
    Plotly.react("losses", done.map(([k, r]) => ({
      type: "bar", name: `${k}: ${plain(r.scenario.title || r.scenario.name)}`, x: sectors,
      y: sectors.map((s) => (r.losses_by_sector[s] || [])[Math.min(q, r.quarters.length - 1)] || 0) })),
      { title: { text: "Cumulative losses by sector at the chosen quarter (USD bn)" }, barmode: "group", margin: { t: 40 } },
      { displaylogo: false, responsive: true });
  }

  function lines(div, key, title) {
    Plotly.react(div, runs().map(([k, r]) => ({ type: "scatter", mode: "lines+markers",
      name: `${k}: ${plain(r.scenario.title || r.scenario.name)}`, x: r.quarters, y: r[key].values })),
      { title: { text: title }, margin: { t: 40 } }, { displaylogo: false, responsive: true });
  }

  // A and B side by side: each headline, and B minus A.
  function showCompare(done) {
    const box = document.getElementById("compare");
    if (done.length < 2) { fill(box); return; }
    const [a, b] = [done[0][1], done[1][1]];
    const rows = a.headlines.map((h, i) => {
      const other = b.headlines[i] || {};
      return { label: h.label.replace(/ \(.*\)$/, ""), unit: h.unit, digits: h.digits, a: h.value, b: other.value,
               diff: (other.value === undefined ? null : other.value - h.value) };
    });
    fill(box, el("h2", {}, `Difference: B (${b.scenario.title}) minus A (${a.scenario.title})`),
      table([["label", "Figure"], ["a", "A", (v, r) => num(v, r.digits)], ["b", "B", (v, r) => num(v, r.digits)],
             ["diff", "B − A", (v, r) => `${v > 0 ? "+" : ""}${num(v, r.digits)} ${r.unit || ""}`]], rows));
  }

  function showDistribution(done) {
    const div = document.getElementById("dist");
    const withDist = done.filter(([, r]) => r.distribution);
    div.hidden = !withDist.length;
    if (!withDist.length) return;
    Plotly.react(div, withDist.map(([k, r]) => ({ type: "histogram", opacity: 0.6, nbinsx: 30,
      name: `${k}: ${plain(r.scenario.title)} (${r.distribution.paths} paths)`, x: r.distribution.credit_and_debt })),
      { title: { text: "Holder sectors' realised credit and debt-mark losses over the run, by path (USD bn; funds looked through)" }, barmode: "overlay",
        xaxis: { title: { text: "USD bn" } }, yaxis: { title: { text: "paths" } }, margin: { t: 40 } },
      { displaylogo: false, responsive: true });
  }

  function showResults() {
    const done = runs();
    document.getElementById("results").hidden = false;
    showCompare(done);
    showDistribution(done);
    const slider = document.getElementById("quarter");
    slider.max = Math.max(...done.map(([, r]) => r.quarters.length)) - 1;
    const first = done[0][1];
    lines("gdp", "gdp", `GDP: ${first.gdp.unit}`);
    lines("jobs", "jobs", `Jobs: ${first.jobs.unit}`);
    showStep();
  }

  async function init() {
    try {
      const r = await api("/api/stress/presets");
      presets = r.presets;
      presetsLimits = r.limits;
      fill(document.getElementById("status"), `${presets.length} presets. Edit a scenario, run it, and compare two side by side.`);
      renderForm("A", presets[0].name);
      renderForm("B", (presets[1] || presets[0]).name);
      const slider = document.getElementById("quarter");
      slider.addEventListener("input", showStep);
      document.getElementById("prev").addEventListener("click", () => { slider.value = Math.max(0, slider.value - 1); showStep(); });
      document.getElementById("next").addEventListener("click", () => { slider.value = Math.min(slider.max, Number(slider.value) + 1); showStep(); });
    } catch (err) {
      fill(document.getElementById("status"), problem(err));
    }
  }
  document.addEventListener("DOMContentLoaded", init);
})();
