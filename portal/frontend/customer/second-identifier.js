// "Which customer are you?": asked after activation (or login) when several contacts share the
// email. Offers the identifiers staff configured (portalInfo.secondIdentifiers), in order.

import { h, replace } from "../shared/dom.js";
import { Form } from "../shared/forms.js";
import { notice } from "../shared/shell.js";
import { api, SECOND_IDENTIFIER } from "./api.js";
import { go } from "./app.js";

export const IDENTIFIER_FIELDS = {
  CUSTOMER_NUMBER: { name: "customerNumber", type: "text", autocomplete: "off", inputmode: "numeric" },
  PHONE: { name: "phone", type: "tel", autocomplete: "tel" },
  POSTAL_CODE: { name: "postalCode", type: "text", autocomplete: "postal-code" },
  DATE_OF_BIRTH: { name: "dateOfBirth", type: "date", autocomplete: "bday" },
};

/** Field specs for the configured identifiers (customer number when none is configured). */
export function identifierFields(texts, identifiers, { required = false } = {}) {
  const wanted = identifiers && identifiers.length ? identifiers : ["CUSTOMER_NUMBER"];
  return wanted
    .filter((kind) => IDENTIFIER_FIELDS[kind])
    .map((kind) => ({ ...IDENTIFIER_FIELDS[kind], required, label: texts.t(`identifier.${kind}`), hint: texts.t(`identifier.${kind}.hint`) }));
}

/** What an activation outcome means for the reader. */
export function outcomeNotice(texts, outcome) {
  if (outcome === "PENDING_REVIEW") {
    return notice("info", h("p", {}, h("strong", {}, texts.t("outcome.pending.title"))), h("p", {}, texts.t("outcome.pending.text")));
  }
  return null;
}

/**
 * Draw the second-identifier form into `container`. After LINKED the reader goes to the login
 * page; after PENDING_REVIEW the container explains what happens next.
 */
export function showSecondIdentifierForm(page, container, { flowToken, attemptsLeft, linkedDone = "activated" }) {
  const { texts, info } = page;
  let token = flowToken;
  const attempts = h("p", { class: "muted", "aria-live": "polite" });
  const setAttempts = (left) => {
    attempts.textContent = left === null || left === undefined ? "" : texts.t("identifier.attemptsLeft", { count: left });
  };
  setAttempts(attemptsLeft);
  const form = new Form({
    texts,
    operation: "provideSecondIdentifier",
    submitLabel: texts.t("identifier.submit"),
    intro: [h("p", {}, texts.t("identifier.intro")), attempts],
    fields: identifierFields(texts, info.secondIdentifiers),
    async onSubmit(values) {
      const input = {};
      for (const [name, value] of Object.entries(values)) if (String(value).trim()) input[name] = value.trim();
      if (!Object.keys(input).length) return [{ code: "REQUIRED", field: "input", message: "" }];
      const { payload, errors } = await api.mutate(SECOND_IDENTIFIER, { flowToken: token, input }, "provideSecondIdentifier");
      if (errors.length) return errors;
      if (payload.outcome === "LINKED") {
        go("/login", linkedDone);
        return [];
      }
      if (payload.outcome === "PENDING_REVIEW") {
        replace(container, outcomeNotice(texts, "PENDING_REVIEW"));
        return [];
      }
      token = payload.flowToken || token;
      setAttempts(payload.attemptsLeft);
      return [{ code: "NO_MATCH", field: null, message: "" }];
    },
  });
  replace(container, h("section", { class: "card", "aria-labelledby": "identifier-title" },
    h("h2", { id: "identifier-title" }, texts.t("identifier.title")), form.element));
  form.inputOf(form.fields.keys().next().value).focus();
}
