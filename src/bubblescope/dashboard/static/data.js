"use strict";
(() => {
  const { el, fill, api, problem, table } = BS;

  async function sources() {
    const q = document.getElementById("q").value;
    try {
      const r = await api(`/api/sources?q=${encodeURIComponent(q)}`);
      fill(document.getElementById("source-count"), `${r.count} of ${r.total} sources`);
      fill(document.getElementById("sources"), table(
        [["id", "Id"], ["kind", "Kind"], ["date", "Date"], ["citation", "Citation"], ["quote", "Quote"], ["note", "Note"]],
        r.sources));
    } catch (err) {
      fill(document.getElementById("sources"), problem(err));
    }
  }

  async function upload(ev) {
    ev.preventDefault();
    const out = document.getElementById("upload-result");
    const form = new FormData();
    const file = document.getElementById("file").files[0];
    if (!file) { fill(out, el("p", { class: "error" }, "Choose a CSV file first.")); return; }
    form.append("file", file);
    form.append("table", document.getElementById("table").value);
    form.append("apply", document.getElementById("apply").checked ? "true" : "false");
    fill(out, el("p", { class: "muted" }, "Validating…"));
    try {
      const r = await api("/api/validate", { method: "POST", body: form });
      if (r.valid) {
        fill(out, el("p", { class: "ok", id: "upload-ok" },
          `Valid: ${r.rows} rows → ${r.contracts} contracts, ${r.entities} entities. `,
          r.applied ? "The dashboard now uses it." : "Nothing was stored."),
          r.notes.length ? el("ul", { class: "muted" }, r.notes.map((n) => el("li", {}, n))) : null);
      } else {
        fill(out, el("p", { class: "error", id: "upload-errors" },
                     `${r.issues.length} problem(s); nothing was stored.`),
             table([["line", "Line", (v) => (v === null ? "file" : String(v))], ["field", "Field"],
                    ["rule", "Rule"], ["value", "Value"]], r.issues));
      }
    } catch (err) {
      fill(out, problem(err));
    }
  }

  async function reset() {
    try {
      await api("/api/web/reset", { method: "POST" });
      fill(document.getElementById("upload-result"), el("p", { class: "ok" }, "Back to the original web."));
      sources();
    } catch (err) {
      fill(document.getElementById("upload-result"), problem(err));
    }
  }

  async function init() {
    const vocab = await api("/api/vocabulary");
    const select = document.getElementById("table");
    for (const t of vocab.tables) select.appendChild(el("option", { value: t }, t.replace(/_/g, " ")));
    select.value = "contracts";
    document.getElementById("upload").addEventListener("submit", upload);
    document.getElementById("reset").addEventListener("click", reset);
    let timer = null;
    document.getElementById("q").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(sources, 200); });
    await sources();
  }
  document.addEventListener("DOMContentLoaded", () => init().catch((err) =>
    fill(document.getElementById("sources"), problem(err))));
})();
