// Modal dialogs on the native <dialog> element: showModal() makes the rest of the page inert
// (focus stays inside), Escape closes, the heading names the dialog, and focus returns to
// whatever opened it.

import { h, uniqueId } from "./dom.js";

/**
 * Open a modal dialog. body: nodes; actions: nodes in the button row (a Close button is
 * added); onClose(): called once when it closes (any way). Returns {element, body, close()}.
 * Focus goes to the first control with `autofocus`, else the first focusable control.
 */
export function openDialog({ texts, title, body, actions = [], onClose = null, wide = false }) {
  const opener = document.activeElement;
  const headingId = uniqueId("dialog-title");
  const content = h("div", { class: "dialog-body" }, body);
  const closeButton = h("button", { type: "button", class: "button" }, texts.t("dialog.close"));
  const element = h(
    "dialog",
    { class: wide ? "dialog dialog-wide" : "dialog", "aria-labelledby": headingId },
    h("h2", { id: headingId }, title),
    content,
    h("div", { class: "actions dialog-actions" }, actions, closeButton),
  );
  let closed = false;
  function close() {
    if (!closed && element.open) element.close();
  }
  closeButton.addEventListener("click", close);
  element.addEventListener("close", () => {
    if (closed) return;
    closed = true;
    element.remove();
    if (onClose) onClose();
    if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
  });
  document.body.append(element);
  element.showModal();
  const first = element.querySelector("[autofocus]") ||
    content.querySelector("input, select, textarea, button, a[href]") || closeButton;
  first.focus();
  return { element, body: content, close };
}

/**
 * Ask before something happens: resolves true when confirmed, false when cancelled or
 * closed. `danger` styles the confirm button as destructive.
 */
export function confirmDialog({ texts, title, message, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const confirm = h("button", { type: "button", class: danger ? "button danger" : "button primary" }, confirmLabel);
    const dialog = openDialog({
      texts,
      title,
      body: [message].flat().map((part) => (typeof part === "string" ? h("p", {}, part) : part)),
      actions: [confirm],
      onClose: () => resolve(answer),
    });
    confirm.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
  });
}
