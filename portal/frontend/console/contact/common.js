// Pieces every section of the contact page uses.
import { h } from "../../shared/dom.js";
import { focusOn, notice } from "../../shared/shell.js";

/** A titled section (a landmark region named by its heading). */
export function section(id, title, ...content) {
  const headingId = `${id}-title`;
  return h("section", { class: "card", id, "aria-labelledby": headingId }, h("h2", { id: headingId }, title), content);
}

/** Show the first error of a one-button action in `area` (announced), or a success text. */
export function showOutcome(texts, area, errors, operation, successText = null) {
  area.replaceChildren();
  if (errors.length) {
    const shown = notice("error", h("p", {}, texts.error(errors[0], operation)));
    area.append(shown);
    focusOn(shown);
  } else if (successText) {
    area.append(notice("success", h("p", {}, successText)));
  }
}

/**
 * Redraw `area` with `nodes` without losing the keyboard user's place: a button that had focus
 * is focused again in the new content when one has the same text (else the area's first button).
 */
export function redraw(area, ...nodes) {
  const active = document.activeElement;
  const focusedText = active && area.contains(active) ? active.textContent : null;
  area.replaceChildren();
  for (const node of nodes.flat(Infinity)) if (node) area.append(node);
  if (focusedText === null) return;
  const buttons = [...area.querySelectorAll("button")];
  const again = buttons.find((button) => button.textContent === focusedText) || buttons[0];
  if (again) again.focus();
}
