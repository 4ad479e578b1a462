// Newsletter consent (double opt-in): the state with the dates it was asked, confirmed and
// revoked, and the actions that fit the state.
import { h, replace } from "../../shared/dom.js";
import { confirmDialog } from "../../shared/dialog.js";
import { actionButton } from "../../shared/forms.js";
import { api, ERRORS } from "../api.js";
import { showOutcome } from "./common.js";

const STATE = "contact { optInState newsletterInvitedAt newsletterConfirmedAt newsletterRevokedAt }";
const SEND = `mutation SendNewsletterInvitation($contactId: ID!) { sendNewsletterInvitation(contactId: $contactId) { ${STATE} ${ERRORS} } }`;
const CONFIRM = `mutation ConfirmNewsletterOptIn($contactId: ID!) { confirmNewsletterOptIn(contactId: $contactId) { ${STATE} ${ERRORS} } }`;
const REVOKE = `mutation RevokeNewsletterOptIn($contactId: ID!) { revokeNewsletterOptIn(contactId: $contactId) { ${STATE} ${ERRORS} } }`;

export function newsletterSection(page, contact) {
  const { texts } = page;
  const area = h("div", {});
  const outcome = h("div", {});

  function draw(state) {
    const act = (key, document, name, confirm = null) => actionButton(texts.t(key), async () => {
      if (confirm && !(await confirmDialog({ texts, title: texts.t(key), message: texts.t(confirm), confirmLabel: texts.t(key) }))) return;
      const { payload, errors } = await api.mutate(document, { contactId: contact.id }, name);
      showOutcome(texts, outcome, errors, name, errors.length ? null : texts.t(`${key}.done`));
      if (!errors.length && payload.contact) draw(payload.contact);
    });
    const canWrite = page.can("CONTACTS_WRITE");
    replace(area,
      h("dl", { class: "facts" },
        h("dt", {}, texts.t("newsletter.state")), h("dd", {}, texts.t(`optIn.${state.optInState}`)),
        h("dt", {}, texts.t("newsletter.invitedAt")), h("dd", {}, texts.dateTime(state.newsletterInvitedAt) || "–"),
        h("dt", {}, texts.t("newsletter.confirmedAt")), h("dd", {}, texts.dateTime(state.newsletterConfirmedAt) || "–"),
        h("dt", {}, texts.t("newsletter.revokedAt")), h("dd", {}, texts.dateTime(state.newsletterRevokedAt) || "–")),
      canWrite ? h("div", { class: "actions" },
        state.optInState !== "CONFIRMED" ? act("newsletter.send", SEND, "sendNewsletterInvitation") : null,
        state.optInState !== "CONFIRMED" ? act("newsletter.confirm", CONFIRM, "confirmNewsletterOptIn", "newsletter.confirm.question") : null,
        state.optInState === "CONFIRMED" || state.optInState === "INVITED" ? act("newsletter.revoke", REVOKE, "revokeNewsletterOptIn", "newsletter.revoke.question") : null) : null);
  }

  draw(contact);
  return [area, outcome];
}
