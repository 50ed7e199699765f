"use strict";
(() => {
  const { el, fill, api, problem, table, num, plain, runJob, progressBar } = BS;
  let current = null;

  // The result in its one schema (as `bubblescope signals --json` prints it) and, under
  // `view`, what this page draws: the prices, the run-up's LPPLS curve, the headlines.
  function draw() {
    const a = current;
    const v = a.view;
    const showB = document.getElementById("show-bsadf").checked;
    const showL = document.getElementById("show-lppls").checked;
    const episodes = a.episodes.map((e) => ({ ...e, end: e.end || a.end, shown_end: e.end || "ongoing" }));
    const shapes = episodes.map((e) => ({ type: "rect", xref: "x", yref: "paper", x0: e.start, x1: e.end,
      y0: 0, y1: 1, fillcolor: "rgba(214,39,40,0.15)", line: { width: 0 } }));
    const price = [{ type: "scatter", mode: "lines", name: plain(v.title), x: v.dates, y: v.values, line: { color: "#1f77b4" } }];
    const curve = v.lppls_curve;
    if (showL && curve) {
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: curve.tc, x1: curve.tc, y0: 0, y1: 1,
                    line: { color: "#d62728", dash: "dot", width: 1 } });
      price.push({ type: "scatter", mode: "lines", name: `LPPLS fit of the run-up (critical time ${curve.tc})`, x: curve.dates, y: curve.fit,
                   line: { color: "#d62728", dash: "dash" } });
    }
    Plotly.react("price", price, { title: { text: `${plain(v.title)} with explosive episodes (shaded)` },
      yaxis: { type: v.log ? "log" : "linear" }, shapes, margin: { t: 40 } }, { displaylogo: false, responsive: true });
    const div = document.getElementById("bsadf");
    if (showB && a.bsadf) {
      div.hidden = false;
      Plotly.react(div, [
        { type: "scatter", mode: "lines", name: "BSADF", x: a.bsadf.dates, y: a.bsadf.stat },
        { type: "scatter", mode: "lines", name: `critical value (${Math.round(a.level * 100)}%)`, x: a.bsadf.dates, y: a.bsadf.cv,
          line: { dash: "dot", color: "#d62728" } }],
        { title: { text: "Backward sup ADF statistic" }, shapes, margin: { t: 40 } }, { displaylogo: false, responsive: true });
    } else {
      div.hidden = true;
    }
    fill(document.getElementById("summary"), el("div", { class: "card", id: "signal-summary" },
      table([["label", ""], ["value", "Value", (v, r) => (r.text !== undefined ? r.text : `${num(v, r.digits)} ${r.unit || ""}`)]],
            v.headlines),
      episodes.length ? table([["start", "Episode start"], ["shown_end", "End"]], episodes)
                        : el("p", { class: "muted" }, "No explosive episode found.")));
  }

  async function show(promise, label, started) {
    if (!started) fill(document.getElementById("status"), `Analysing ${label}…`);
    try {
      current = await promise;
      fill(document.getElementById("status"), `${current.view.title}: ${current.observations} observations.`);
      draw();
    } catch (err) {
      fill(document.getElementById("status"), problem(err));
    }
  }

  // A bundled series runs as a background job: the bar shows its stages (critical values,
  // LPPLS fit) until the result arrives.
  function showNamed(name) {
    const [bar, msg] = progressBar("signal-progress");
    fill(document.getElementById("status"), `Analysing ${name}… `, bar, " ", msg);
    show(runJob(api(`/api/signals/${encodeURIComponent(name)}/job`, { method: "POST" }), bar, msg),
         name, true);
  }

  async function init() {
    let series;
    try {
      series = await api("/api/signals");
    } catch (err) {
      fill(document.getElementById("status"), problem(err));
      return;
    }
    const select = document.getElementById("series");
    for (const s of series) select.appendChild(el("option", { value: s.name }, s.title));
    select.addEventListener("change", () => showNamed(select.value));
    document.getElementById("show-bsadf").addEventListener("change", () => current && draw());
    document.getElementById("show-lppls").addEventListener("change", () => current && draw());
    document.getElementById("upload").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const file = document.getElementById("file").files[0];
      if (!file) return;
      const form = new FormData();
      form.append("file", file);
      show(api("/api/signals/upload", { method: "POST", body: form }), file.name);
    });
    if (series.length) showNamed(series[0].name);
  }
  document.addEventListener("DOMContentLoaded", init);
})();
