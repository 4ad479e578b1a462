// Columns a staff member chose for a list, remembered on this device per list and staff id,
// and the chooser (a disclosure with one checkbox per column) that changes them.
import { h, uniqueId } from "../shared/dom.js";

function storageKey(list, me) {
  return `portal.console.columns.${list}.${me.id}`;
}

/**
 * list: a name for the list; me: the signed-in staff member; columns: [{key, label, ...}];
 * defaults: keys shown before any choice (a column with `fixed` is always shown); label: the chooser's summary; onChange(shown columns).
 * Returns {shown() -> the chosen columns in their defined order, keys() -> their keys, element}.
 */
export function rememberedColumns({ list, me, columns, defaults, label, onChange }) {
  const known = columns.map((column) => column.key);
  let chosen = defaults;
  try {
    const stored = JSON.parse(window.localStorage.getItem(storageKey(list, me)) || "null");
    const valid = Array.isArray(stored) ? stored.filter((key) => known.includes(key)) : [];
    if (valid.length) chosen = valid;
  } catch {
    // Unreadable or no storage: the defaults.
  }
  const shown = () => columns.filter((column) => column.fixed || chosen.includes(column.key));
  const element = h("details", { class: "column-chooser" },
    h("summary", {}, label),
    h("fieldset", {}, h("legend", { class: "visually-hidden" }, label),
      columns.filter((column) => !column.fixed).map((column) => {
        const id = uniqueId(`column-${column.key}`);
        return h("div", { class: "field-checkbox" },
          h("input", {
            type: "checkbox", id, checked: chosen.includes(column.key),
            onchange: (event) => {
              chosen = event.target.checked
                ? known.filter((key) => key === column.key || chosen.includes(key))
                : chosen.filter((key) => key !== column.key);
              try {
                window.localStorage.setItem(storageKey(list, me), JSON.stringify(chosen));
              } catch {
                // Storage off (private mode): the choice lasts for this page only.
              }
              onChange(shown());
            },
          }),
          h("label", { for: id }, column.label));
      })));
  return { element, shown, keys: () => shown().filter((column) => !column.fixed).map((column) => column.key) };
}
