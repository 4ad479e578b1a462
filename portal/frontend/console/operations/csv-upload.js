// A CSV upload that is checked before it counts: choose the file, run a dry run (nothing is
// written or sent), read the per-row report as a table, then apply the same file. Choosing
// another file asks for a new dry run.
import { h, replace, uniqueId } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";

/** A report table: columns [{label, render(row)}] over rows, with a caption. */
export function reportTable(caption, columns, rows) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.label)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((column) => h("td", {}, column.render(row))))))));
}

/**
 * texts; name (the operation, for error texts); fileLabel; options (nodes: more controls);
 * run(file, dryRun) -> {payload, errors}; report(payload, dryRun) -> nodes;
 * canApply(payload) -> whether the dry run allows applying. Returns the section's element.
 */
export function csvUpload({ texts, name, fileLabel, hint = null, options = null, run, report, canApply = () => true }) {
  const inputId = uniqueId(`file-${name}`);
  const hintId = `${inputId}-hint`;
  const file = h("input", { id: inputId, type: "file", accept: ".csv,text/csv,text/plain", "aria-describedby": hint ? hintId : null });
  const result = h("div", { class: "upload-report" });
  let checked = null; // the File the last successful dry run read

  function show(...nodes) {
    replace(result, nodes);
    const first = result.firstElementChild;
    if (first) focusOn(first);
  }

  async function go(dryRun) {
    const chosen = file.files && file.files[0];
    if (!chosen) {
      show(notice("error", h("p", {}, texts.t("upload.noFile"))));
      file.focus();
      return;
    }
    result.setAttribute("aria-busy", "true");
    const { payload, errors } = await run(chosen, dryRun);
    result.setAttribute("aria-busy", "false");
    if (errors.length) {
      checked = null;
      apply.disabled = true;
      show(notice("error", errors.map((error) => h("p", {}, texts.error(error, name)))), payload ? report(payload, dryRun) : null);
      return;
    }
    if (dryRun) {
      checked = canApply(payload) ? chosen : null;
      apply.disabled = !checked;
      show(notice(checked ? "info" : "warning", h("p", {}, texts.t(checked ? "upload.checked" : "upload.cannotApply"))), report(payload, true));
    } else {
      checked = null;
      apply.disabled = true;
      show(notice("success", h("p", {}, texts.t("upload.applied"))), report(payload, false));
    }
  }

  const check = actionButton(texts.t("upload.dryRun"), () => go(true), { className: "button primary" });
  // Not an actionButton: that one re-enables itself, and "apply" must stay off until the next
  // good dry run.
  const apply = h("button", { type: "button", class: "button", disabled: true }, texts.t("upload.apply"));
  apply.addEventListener("click", async () => {
    if (!checked || apply.getAttribute("aria-busy") === "true") return;
    apply.disabled = true;
    apply.setAttribute("aria-busy", "true");
    try {
      await go(false);
    } finally {
      apply.removeAttribute("aria-busy");
      apply.disabled = !checked;
    }
  });
  file.addEventListener("change", () => {
    checked = null;
    apply.disabled = true;
    replace(result);
  });
  return h("div", { class: "csv-upload" },
    h("div", { class: "field" }, h("label", { for: inputId }, fileLabel), hint ? h("p", { class: "field-hint", id: hintId }, hint) : null, file),
    options,
    h("div", { class: "actions" }, check, apply),
    result);
}
