"use strict";
(() => {
  const { el, fill, api, problem, table, num, plain } = BS;
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                   "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"];
  let vocab = null;
  let graph = null;
  let ego = null;  // the entity whose neighbourhood is shown, or null for the whole web

  // The ego view: the clicked entity in the middle, its counterparties on a circle.
  function view(g) {
    if (!ego || !g.nodes.some((n) => n.id === ego)) return g;
    const edges = g.edges.filter((e) => e.holder === ego || e.obligor === ego);
    const near = [...new Set(edges.flatMap((e) => [e.holder, e.obligor]))].filter((id) => id !== ego);
    const byId = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    const nodes = [{ ...byId[ego], x: 0, y: 0 },
      ...near.map((id, i) => ({ ...byId[id], x: Math.cos(2 * Math.PI * i / near.length), y: Math.sin(2 * Math.PI * i / near.length) }))];
    return { ...g, nodes, edges };
  }
  const colour = (list, v) => PALETTE[Math.max(0, list.indexOf(v)) % PALETTE.length];

  function checkboxes(id, values) {
    const box = document.getElementById(id);
    for (const v of values) {
      box.appendChild(el("label", {}, el("input", { type: "checkbox", value: v }), " ", v.replace(/_/g, " ")));
    }
  }

  function query() {
    const params = new URLSearchParams();
    for (const [id, key] of [["f-kind", "kind"], ["f-confidence", "confidence"], ["f-status", "status"]]) {
      document.querySelectorAll(`#${id} input:checked`).forEach((c) => params.append(key, c.value));
    }
    const from = document.getElementById("start-from").value;
    const to = document.getElementById("start-to").value;
    if (from) params.set("start_from", from);
    if (to) params.set("start_to", to);
    return params.toString();
  }

  function traces(g, needle) {
    const pos = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    const maxAmount = Math.max(1, ...g.edges.map((e) => e.amount));
    const out = [];
    const circ = { x: [], y: [] };
    for (const e of g.edges) {
      const a = pos[e.holder], b = pos[e.obligor];
      if (e.circular) { circ.x.push(a.x, b.x, null); circ.y.push(a.y, b.y, null); }
    }
    out.push({ type: "scatter", mode: "lines", x: circ.x, y: circ.y, name: "circular flow",
               hoverinfo: "skip", line: { color: "rgba(214,39,40,0.35)", width: 9 } });
    const shown = new Set();
    for (const e of g.edges) {
      const a = pos[e.holder], b = pos[e.obligor];
      out.push({ type: "scatter", mode: "lines", x: [a.x, b.x], y: [a.y, b.y],
                 legendgroup: e.kind, showlegend: !shown.has(e.kind), name: e.kind.replace(/_/g, " "),
                 hoverinfo: "skip",
                 line: { color: colour(vocab.contract_kinds, e.kind), width: 1 + 5 * Math.sqrt(e.amount / maxAmount) } });
      shown.add(e.kind);
    }
    out.push({ type: "scatter", mode: "markers", name: "contracts", showlegend: false,
               x: g.edges.map((e) => (pos[e.holder].x + pos[e.obligor].x) / 2),
               y: g.edges.map((e) => (pos[e.holder].y + pos[e.obligor].y) / 2),
               marker: { size: 6, color: "rgba(0,0,0,0.15)" },
               hovertext: g.edges.map((e) => plain(`${e.kind}: ${pos[e.holder].name} holds a claim on `
                 + `${pos[e.obligor].name}, $${num(e.amount)}bn (${e.status}, ${e.confidence})`)),
               hoverinfo: "text" });
    const maxExp = Math.max(1, ...g.nodes.map((n) => n.exposure));
    // Label the biggest nodes and the search hits; the rest show their name on hover.
    const labelled = new Set([...g.nodes].sort((a, b) => b.exposure - a.exposure).slice(0, ego ? 40 : 14).map((n) => n.id));
    const short = (s) => (s.length > 22 ? `${s.slice(0, 21)}…` : s);
    for (const kind of vocab.entity_kinds) {
      const nodes = g.nodes.filter((n) => n.kind === kind);
      if (!nodes.length) continue;
      const hit = (n) => !needle || n.name.toLowerCase().includes(needle) || n.id.includes(needle);
      out.push({ type: "scatter", mode: "markers+text", name: kind.replace(/_/g, " "),
                 x: nodes.map((n) => n.x), y: nodes.map((n) => n.y), customdata: nodes.map((n) => n.id),
                 text: nodes.map((n) => (labelled.has(n.id) || (needle && hit(n)) ? plain(short(n.name)) : "")),
                 textposition: "top center", textfont: { size: 11 },
                 hovertext: nodes.map((n) => plain(`${n.name} (${n.kind}): $${num(n.exposure)}bn in shown contracts`)),
                 hoverinfo: "text",
                 marker: { size: nodes.map((n) => 10 + 34 * Math.sqrt(n.exposure / maxExp)),
                           color: colour(vocab.entity_kinds, kind),
                           opacity: nodes.map((n) => (hit(n) ? 0.95 : 0.15)),
                           line: { width: nodes.map((n) => (needle && hit(n) ? 3 : 1)), color: "#111" } } });
    }
    return out;
  }

  function draw() {
    const needle = document.getElementById("search").value.trim().toLowerCase();
    const div = document.getElementById("graph");
    const shown = view(graph);
    fill(document.getElementById("ego"), ego && shown !== graph
      ? el("span", {}, `Showing ${shown.nodes[0].name} and its ${shown.nodes.length - 1} counterparties. `,
           el("button", { type: "button", class: "secondary", id: "ego-back", onclick: () => { ego = null; draw(); } }, "Back to the whole web"))
      : "Click a node to see its counterparties and its contracts.");
    Plotly.react(div, traces(shown, needle), {
      margin: { l: 10, r: 10, t: 10, b: 10 }, hovermode: "closest", showlegend: true,
      legend: { font: { size: 11 } },
      xaxis: { visible: false }, yaxis: { visible: false, scaleanchor: "x" } },
      { displaylogo: false, responsive: true });
    if (!div.dataset.bound) {
      div.on("plotly_click", (ev) => {
        const p = ev.points.find((q) => q.customdata);
        if (p) { ego = p.customdata; draw(); showEntity(p.customdata); }
      });
      div.dataset.bound = "1";
    }
  }

  function showCycles(g) {
    const name = Object.fromEntries(g.nodes.map((n) => [n.id, n.name]));
    const box = document.getElementById("cycles");
    if (!g.cycles.length) { fill(box, "No circular flows among the shown contracts."); return; }
    fill(box, el("p", {}, `$${num(g.totals.circular_amount)}bn of $${num(g.totals.amount)}bn shown lies on `
                 + `${g.cycle_count} money-flow cycle(s)${g.cycle_count > g.cycles.length ? `, the ${g.cycles.length} strongest listed` : ""}:`),
         el("ul", {}, g.cycles.map((c) => el("li", {}, [...c.nodes, c.nodes[0]].map((id) => name[id]).join(" → "),
                                           el("span", { class: "muted" }, ` (weakest leg $${num(c.smallest)}bn)`)))));
  }

  async function load() {
    try {
      graph = await api(`/api/web?${query()}`);
      fill(document.getElementById("summary"),
           `Web “${graph.name}” as of ${graph.as_of}: ${graph.nodes.length} entities, `
           + `${graph.totals.contracts} contracts shown ($${num(graph.totals.amount)}bn).`);
      draw();
      showCycles(graph);
    } catch (err) {
      fill(document.getElementById("summary"), problem(err));
    }
  }

  async function showEntity(id) {
    const box = document.getElementById("entity");
    try {
      const e = await api(`/api/entities/${encodeURIComponent(id)}`);
      fill(box,
        el("h2", { id: "entity-name" }, e.name),
        el("p", { class: "muted" }, `${e.kind.replace(/_/g, " ")} · ${e.country} · id ${e.id}`),
        e.note ? el("p", {}, e.note) : null,
        el("h2", {}, `Contracts (${e.contracts.length})`),
        el("div", { class: "scroll-x" },
          table([["kind", "Kind"], ["holder_name", "Holder"], ["obligor_name", "Obligor"],
                 ["amount", "USD bn", (v) => num(v)], ["status", "Status"], ["confidence", "Conf."]], e.contracts)),
        el("h2", {}, `Figures (${e.figures.length})`),
        table([["metric", "Metric"], ["year", "Year", (v) => String(v)], ["value", "Value", (v) => num(v)],
               ["confidence", "Conf."]], e.figures),
        el("h2", {}, `Sources (${e.sources.length})`),
        el("ul", {}, e.sources.map((s) => el("li", {}, el("b", {}, s.id), ` (${s.kind}) ${s.citation}`,
                                           s.quote ? el("div", { class: "muted" }, `“${s.quote}”`) : null))));
    } catch (err) {
      fill(box, problem(err));
    }
  }

  async function init() {
    vocab = await api("/api/vocabulary");
    checkboxes("f-kind", vocab.contract_kinds);
    checkboxes("f-confidence", vocab.confidences);
    checkboxes("f-status", vocab.statuses);
    const form = document.getElementById("filters");
    form.addEventListener("change", (ev) => { if (ev.target.id !== "search") load(); });
    form.addEventListener("reset", () => setTimeout(load, 0));
    form.addEventListener("submit", (ev) => ev.preventDefault());
    document.getElementById("search").addEventListener("input", () => graph && draw());
    await load();
  }
  document.addEventListener("DOMContentLoaded", () => init().catch((err) =>
    fill(document.getElementById("summary"), problem(err))));
})();
