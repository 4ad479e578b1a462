// "Log in as customer": the dialog that asks why (reason, ticket) and how (read-only by
// default; full access only where the staff member's role allows it), starts an audited support
// session and opens the customer portal's /support-login page with its one-time link in a new
// tab. The contact screen and the portal users screen both call openImpersonationDialog.
import { h, replace } from "../shared/dom.js";
import { openDialog } from "../shared/dialog.js";
import { Form } from "../shared/forms.js";
import { loadTexts } from "../shared/i18n.js";
import { notice } from "../shared/shell.js";
import { api } from "./api.js";
import { START_IMPERSONATION, START_IMPERSONATION_FOR_CONTACT } from "./operations/documents.js";

const OWN_CATALOGUE = "/assets/console/i18n/operations";

/**
 * page: the console page (texts, can()); target: {portalUserId} or {contactId} (the portal user
 * wins when both are given), and `name` (shown in the title). onStarted(impersonation) after the tab opened.
 */
export async function openImpersonationDialog(page, { portalUserId = null, contactId = null, name = "" }, onStarted = null) {
  const { texts } = page;
  if (!texts.has("supportLogin.submit")) {
    // A page without this dialog's catalogue (the contact screen): add its texts once.
    const own = await loadTexts([OWN_CATALOGUE], texts.language, texts.formality);
    for (const [key, text] of Object.entries(own.messages)) if (!texts.has(key)) texts.messages[key] = text;
  }
  const full = page.can("SUPPORT_IMPERSONATE_FULL");
  const result = h("div", {});
  const form = new Form({
    texts,
    operation: "startImpersonation",
    submitLabel: texts.t("supportLogin.submit"),
    intro: h("p", {}, texts.t("supportLogin.intro")),
    fields: [
      { name: "reason", type: "textarea", label: texts.t("supportLogin.reason"), required: true, hint: texts.t("supportLogin.reason.hint"), maxlength: 500 },
      { name: "ticketReference", label: texts.t("supportLogin.ticket"), maxlength: 100 },
      {
        name: "mode", type: "radio", label: texts.t("supportLogin.mode"), value: "READ_ONLY",
        hint: full ? null : texts.t("supportLogin.mode.onlyReadOnly"),
        options: [
          { value: "READ_ONLY", label: texts.t("supportLogin.mode.READ_ONLY") },
          ...(full ? [{ value: "FULL", label: texts.t("supportLogin.mode.FULL") }] : []),
        ],
      },
    ],
    async onSubmit(values) {
      const variables = { reason: values.reason.trim(), ticketReference: values.ticketReference.trim(), mode: values.mode || "READ_ONLY" };
      const { payload, errors } = portalUserId
        ? await api.mutate(START_IMPERSONATION, { ...variables, portalUserId }, "startImpersonation")
        : await api.mutate(START_IMPERSONATION_FOR_CONTACT, { ...variables, contactId }, "startImpersonationForContact");
      if (errors.length) return errors;
      // The link works once and for two minutes: open it now, and offer it in case the
      // browser held the new tab back.
      window.open(payload.loginUrl, "_blank", "noopener,noreferrer");
      form.element.hidden = true;
      replace(result, notice("success",
        h("p", {}, texts.t("supportLogin.started")),
        h("p", {}, h("a", { href: payload.loginUrl, target: "_blank", rel: "noopener noreferrer" }, texts.t("supportLogin.openAgain")))));
      if (onStarted) onStarted(payload.impersonation);
      return [];
    },
  });
  const title = name ? texts.t("supportLogin.titleFor", { name }) : texts.t("supportLogin.title");
  return openDialog({ texts, title, body: [form.element, result] });
}
