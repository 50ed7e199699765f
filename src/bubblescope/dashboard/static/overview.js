"use strict";
(() => {
  const { el, fill, api, problem, num } = BS;

  // A headline: {title, value, unit, note} items → a list of big numbers.
  function headlines(items) {
    return items.map((h) => el("div", { class: "headline" },
      el("div", { class: "muted" }, h.label),
      el("div", { class: "big" }, h.text !== undefined ? h.text : num(h.value, h.digits), " ",
         el("span", { class: "muted" }, h.unit || "")),
      h.note ? el("div", { class: "muted" }, h.note) : null));
  }

  function card(id, view, link) {
    const body = document.querySelector(`#${id} .body`);
    if (!view.available) {
      fill(body, el("div", { class: "unavailable", "data-state": "unavailable" },
                    "Not available yet: ", view.detail));
      return;
    }
    fill(body, headlines(view.headlines || []), el("p", {}, el("a", { href: link }, "More →")));
  }

  async function load() {
    try {
      const o = await api("/api/overview");
      const w = o.web;
      fill(document.getElementById("web-line"),
           `Web “${w.name}” as of ${w.as_of}: ${w.entities} entities, ${w.contracts} contracts, `
           + `${w.sources} sources${w.modified ? " (modified by an upload)" : ""}.`);
      card("size-card", o.size, "/web");
      card("signals-card", o.signals, "/signals");
      card("stress-card", o.stress, "/stress");
    } catch (err) {
      fill(document.getElementById("web-line"), problem(err));
    }
  }
  document.addEventListener("DOMContentLoaded", load);
})();
