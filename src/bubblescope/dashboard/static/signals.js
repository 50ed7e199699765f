"use strict";
(() => {
  const { el, fill, api, problem, table, num, plain, runJob, progressBar } = BS;
  let current = null;

  function draw() {
    const a = current;
    const showB = document.getElementById("show-bsadf").checked;
    const showL = document.getElementById("show-lppls").checked;
    const shapes = a.episodes.map((e) => ({ type: "rect", xref: "x", yref: "paper", x0: e.start, x1: e.end,
      y0: 0, y1: 1, fillcolor: "rgba(214,39,40,0.15)", line: { width: 0 } }));
    const price = [{ type: "scatter", mode: "lines", name: plain(a.title), x: a.dates, y: a.values, line: { color: "#1f77b4" } }];
    if (showL && a.lppls) {
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: a.lppls.tc, x1: a.lppls.tc, y0: 0, y1: 1,
                    line: { color: "#d62728", dash: "dot", width: 1 } });
      price.push({ type: "scatter", mode: "lines", name: `LPPLS fit (critical time ${a.lppls.tc})`, x: a.lppls.dates, y: a.lppls.fit,
                   line: { color: "#d62728", dash: "dash" } });
    }
    Plotly.react("price", price, { title: { text: `${plain(a.title)} with explosive episodes (shaded)` },
      yaxis: { type: a.log ? "log" : "linear" }, shapes, margin: { t: 40 } }, { displaylogo: false, responsive: true });
    const div = document.getElementById("bsadf");
    if (showB && a.bsadf) {
      div.hidden = false;
      Plotly.react(div, [
        { type: "scatter", mode: "lines", name: "BSADF", x: a.bsadf.dates, y: a.bsadf.stat },
        { type: "scatter", mode: "lines", name: `critical value (${a.bsadf.level})`, x: a.bsadf.dates, y: a.bsadf.cv,
          line: { dash: "dot", color: "#d62728" } }],
        { title: { text: "Backward sup ADF statistic" }, shapes, margin: { t: 40 } }, { displaylogo: false, responsive: true });
    } else {
      div.hidden = true;
    }
    fill(document.getElementById("summary"), el("div", { class: "card", id: "signal-summary" },
      table([["label", ""], ["value", "Value", (v, r) => (r.text !== undefined ? r.text : `${num(v, r.digits)} ${r.unit || ""}`)]],
            a.headlines),
      a.episodes.length ? table([["start", "Episode start"], ["end", "End"]], a.episodes)
                        : el("p", { class: "muted" }, "No explosive episode found.")));
  }

  async function show(promise, label, started) {
    if (!started) fill(document.getElementById("status"), `Analysing ${label}…`);
    try {
      current = await promise;
      fill(document.getElementById("status"), `${current.title}: ${current.dates.length} observations.`);
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
