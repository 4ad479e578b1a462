// Helpers of the account page's sections.
import { h } from "../../shared/dom.js";
import { api } from "../api.js";
import { go } from "../app.js";

/** A mutation of the account page: a session that ended meanwhile leads to the login page. */
export async function accountCall(document, variables, name) {
  const result = await api.mutate(document, variables, name);
  if (result.errors.some((error) => error.code === "UNAUTHENTICATED")) {
    go("/login?next=/account", "session-ended");
  }
  return result;
}

/** A titled section (a landmark with its heading) for the in-page navigation. */
export function section(id, title, ...content) {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-title`, tabindex: "-1" },
    h("h2", { id: `${id}-title` }, title), content);
}

/** The text for a value from a closed vocabulary, or the value itself if unknown. */
export function known(texts, prefix, value) {
  return texts.has(`${prefix}.${value}`) ? texts.t(`${prefix}.${value}`) : value;
}
