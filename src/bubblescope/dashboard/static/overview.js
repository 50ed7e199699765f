"use strict";
(() => {
  const { el, fill, api, problem, num, table, runJob, progressBar } = BS;

  // Headlines: [{label, value | text, unit, digits, note}] → big numbers with their labels.
  function headlines(items) {
    return items.map((h) => el("div", { class: "headline" },
      el("div", { class: "muted" }, h.label),
      el("div", { class: "big" }, h.text !== undefined ? h.text : num(h.value, h.digits), " ",
         el("span", { class: "muted" }, h.unit || "")),
      h.note ? el("div", { class: "muted" }, h.note) : null));
  }

  // `load` is an API path, or a function of the card's body returning the view's promise.
  async function card(id, load, link, extra) {
    const body = document.querySelector(`#${id} .body`);
    try {
      const view = await (typeof load === "string" ? api(load) : load(body));
      const page = view.view || view;  // a result's JSON keeps the page's own figures in view
      fill(body, view.headline ? el("p", {}, view.headline) : null, headlines(page.headlines),
           el("p", {}, el("a", { href: link }, "More →")));
      if (extra) extra(view);
    } catch (err) {
      fill(body, problem(err));
    }
  }

  function sizeTable(view) {
    fill(document.getElementById("size-table"), el("h2", {}, "The bubble card"),
      table([["label", "Figure"], ["value", "Value"], ["vs_dotcom", "vs dot-com"], ["vs_2008", "vs 2008"],
             ["seed", "Seed says"], ["source", "Source"]], view.figures),
      view.unavailable.length ? el("ul", { class: "muted" }, view.unavailable.map((u) => el("li", {}, `unavailable: ${u}`))) : null);
  }

  // The clocks run the stress presets and read every AI name: a job with a progress bar.
  function whenJob(body) {
    const [bar, msg] = progressBar("when-progress");
    fill(body, bar, " ", msg);
    return runJob(api("/api/when/job", { method: "POST" }), bar, msg);
  }

  async function load() {
    try {
      const w = await api("/api/overview");
      fill(document.getElementById("web-line"),
           `Web “${w.name}” as of ${w.as_of}: ${w.entities} entities, ${w.contracts} contracts, `
           + `${w.sources} sources${w.modified ? " (modified by an upload)" : ""}.`);
    } catch (err) {
      fill(document.getElementById("web-line"), problem(err));
    }
    await Promise.all([card("size-card", "/api/size", "/web", sizeTable),
                       card("signals-card", "/api/signals/latest", "/signals"),
                       card("when-card", whenJob, "/api/when"),
                       card("stress-card", "/api/stress/headline", "/stress")]);
  }
  document.addEventListener("DOMContentLoaded", load);
})();
