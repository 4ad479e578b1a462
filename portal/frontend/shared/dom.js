// Building the DOM node by node. Pages never parse markup (no innerHTML): the CSP requires
// Trusted Types, so an HTML sink would throw.

/**
 * h("p", {class: "note", onclick: f, "aria-live": "polite"}, "text", child, [more])
 * Attributes: `class`, any attribute name (true -> present, false/null/undefined -> absent),
 * `on<event>` functions as listeners, `dataset` as an object. Children: strings and numbers
 * become text, nested arrays are flattened, null/false/undefined are skipped.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "value" && "value" in element) {
      element.value = value;
    } else if (name === "checked" || name === "selected") {
      element[name] = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Append children (strings, nodes, nested arrays; null/false skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace everything inside `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let counter = 0;
/** A unique id for label/description wiring. */
export function uniqueId(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** The query parameter `name` of the current URL, or null. */
export function queryParam(name) {
  return new URLSearchParams(window.location.search).get(name);
}
