// "Send me a new link": the form every token page falls back to when its link is used up,
// expired or missing. The answer never says whether the address has an account.
import { h, replace } from "../shared/dom.js";
import { Form } from "../shared/forms.js";
import { focusOn, notice } from "../shared/shell.js";
import { api } from "./api.js";

/**
 * kind: "activation", "reset" or "invitation" (the catalogue's request.<kind>.* texts);
 * document/operation: the mutation that takes {email}.
 */
export function requestLinkCard(texts, { kind, document, operation }) {
  const card = h("section", { class: "card", "aria-labelledby": `request-${kind}` });
  const form = new Form({
    texts,
    operation,
    submitLabel: texts.t(`request.${kind}.submit`),
    intro: h("p", {}, texts.t(`request.${kind}.intro`)),
    fields: [{ name: "email", type: "email", label: texts.t("field.email"), autocomplete: "email", required: true }],
    async onSubmit(values) {
      const email = values.email.trim();
      const { errors } = await api.mutate(document, { email }, operation);
      if (errors.length) return errors;
      const sent = notice("success", h("p", {}, texts.t(`request.${kind}.sent`, { email })));
      replace(card, sent);
      focusOn(sent);
      return [];
    },
  });
  card.append(h("h2", { id: `request-${kind}` }, texts.t(`request.${kind}.title`)), form.element);
  return card;
}
