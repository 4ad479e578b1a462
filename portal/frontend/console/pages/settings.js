// /console/settings (administrators): how registration works (policy, second identifiers,
// link lifetimes, who hears of pending reviews) and the invitation email's own text per
// language, with a preview rendered for a real contact.
import { h, replace, uniqueId } from "../../shared/dom.js";
import { actionButton, Form } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api } from "../api.js";
import { startConsolePage } from "../app.js";
import {
  FIND_CONTACT, PORTAL_SETTINGS, PREVIEW_INVITATION, RESET_TEMPLATE_OVERRIDE, TEMPLATE_OVERRIDE, UPDATE_PORTAL_SETTINGS,
  UPDATE_TEMPLATE_OVERRIDE,
} from "../operations/documents.js";

const POLICIES = ["ALLOW_WITH_CONTACT_CREATION", "ALLOW_PENDING", "DENY_NEW"];
const IDENTIFIERS = ["CUSTOMER_NUMBER", "PHONE", "POSTAL_CODE", "DATE_OF_BIRTH"];
const NUMBERS = ["activationTokenHours", "passwordResetMinutes", "emailChangeHours", "matchingFlowMinutes", "maxSecondIdentifierAttempts", "invitationDays"];
const TEMPLATE = "INVITATION";

function section(id, title, ...content) {
  return h("section", { class: "card", id }, h("h2", {}, title), content);
}

function settingsForm(texts, settings) {
  return new Form({
    texts, operation: "updatePortalSettings", submitLabel: texts.t("settings.save"),
    fields: [
      { name: "registrationPolicy", type: "radio", label: texts.t("settings.registrationPolicy"), value: settings.registrationPolicy,
        options: POLICIES.map((value) => ({ value, label: texts.t(`settings.registrationPolicy.${value}`) })) },
      ...IDENTIFIERS.map((value) => ({
        name: `secondIdentifier${value}`, type: "checkbox", value: settings.secondIdentifiers.includes(value),
        label: texts.t("settings.secondIdentifier", { name: texts.t(`settings.identifier.${value}`) }),
      })),
      ...NUMBERS.map((name) => ({ name, type: "number", inputmode: "numeric", label: texts.t(`settings.${name}`), value: String(settings[name]), required: true })),
      { name: "pendingReviewNotify", label: texts.t("settings.pendingReviewNotify"), hint: texts.t("settings.pendingReviewNotify.hint"),
        value: settings.pendingReviewNotify.join(", ") },
      { name: "invitationRequestPolicy", type: "select", label: texts.t("settings.invitationRequestPolicy"), value: settings.invitationRequestPolicy,
        options: ["NOTIFY_STAFF", "SEND_NEW_LINK"].map((value) => ({ value, label: texts.t(`settings.invitationRequestPolicy.${value}`) })) },
    ],
    async onSubmit(values, form) {
      const input = {
        registrationPolicy: values.registrationPolicy,
        secondIdentifiers: IDENTIFIERS.filter((value) => values[`secondIdentifier${value}`]),
        pendingReviewNotify: values.pendingReviewNotify.split(/[,;\s]+/).filter(Boolean),
        invitationRequestPolicy: values.invitationRequestPolicy,
      };
      const bad = [];
      for (const name of NUMBERS) {
        const number = Number(values[name]);
        if (!Number.isInteger(number)) bad.push({ code: "NOT_A_NUMBER", field: name, message: "" });
        input[name] = number;
      }
      if (bad.length) return bad;
      const { errors } = await api.mutate(UPDATE_PORTAL_SETTINGS, { input }, "updatePortalSettings");
      if (errors.length) return errors;
      form.showStatus(texts.t("settings.saved"));
      return [];
    },
  });
}

function templateSection(texts) {
  const languageId = uniqueId("template-language");
  const language = h("select", { id: languageId },
    h("option", { value: "de" }, texts.t("language.de")), h("option", { value: "en" }, texts.t("language.en")));
  const editor = h("div", {});
  const preview = h("div", { class: "email-preview" });

  async function load() {
    replace(editor, h("p", { role: "status" }, texts.t("table.loading")));
    const { data, errors } = await api.request(TEMPLATE_OVERRIDE, { language: language.value, template: TEMPLATE });
    if (errors.length) {
      replace(editor, notice("error", h("p", {}, texts.error(errors[0], "emailTemplateOverride"))));
      return;
    }
    const stored = data.emailTemplateOverride;
    const status = h("p", {}, texts.t(stored ? "templates.overridden" : "templates.shipped"));
    const form = new Form({
      texts, operation: "updateEmailTemplateOverride", submitLabel: texts.t("templates.save"),
      fields: [
        { name: "subject", label: texts.t("templates.subject"), value: stored ? stored.subject : "", required: true, maxlength: 200 },
        { name: "body", type: "textarea", rows: 8, label: texts.t("templates.body"), hint: texts.t("templates.body.hint"), value: stored ? stored.body : "", required: true },
      ],
      async onSubmit(values) {
        const input = { template: TEMPLATE, language: language.value, subject: values.subject, body: values.body };
        const { errors: saveErrors } = await api.mutate(UPDATE_TEMPLATE_OVERRIDE, { input }, "updateEmailTemplateOverride");
        if (saveErrors.length) return saveErrors;
        status.textContent = texts.t("templates.overridden");
        form.showStatus(texts.t("templates.saved"));
        return [];
      },
    });
    const reset = stored ? actionButton(texts.t("templates.reset"), async () => {
      const { errors: resetErrors } = await api.mutate(RESET_TEMPLATE_OVERRIDE, { language: language.value, template: TEMPLATE }, "resetEmailTemplateOverride");
      if (resetErrors.length) {
        form.showErrors(resetErrors);
        return;
      }
      await load();
    }) : null;
    replace(editor, status, form.element, reset ? h("div", { class: "actions" }, reset) : null);
  }
  language.addEventListener("change", () => {
    replace(preview);
    load();
  });

  const previewForm = new Form({
    texts, operation: "previewInvitationEmail", submitLabel: texts.t("templates.preview"),
    fields: [{ name: "customerNumber", label: texts.t("templates.previewFor"), hint: texts.t("templates.previewFor.hint"), required: true, autocomplete: "off" }],
    async onSubmit(values) {
      replace(preview);
      const found = await api.request(FIND_CONTACT, { number: values.customerNumber.trim() });
      if (found.errors.length) return found.errors;
      const contact = found.data && found.data.contactByCustomerNumber;
      if (!contact) return [{ code: "CONTACT_NOT_FOUND", field: "customerNumber", message: "" }];
      const { data, errors } = await api.request(PREVIEW_INVITATION, { contactId: contact.id, language: language.value });
      if (errors.length) return errors;
      const rendered = data.previewInvitationEmail;
      if (!rendered) return [{ code: "CONTACT_HAS_NO_EMAIL", field: "customerNumber", message: "" }];
      const shown = h("article", { class: "card", "aria-label": texts.t("templates.preview") },
        h("p", {}, h("strong", {}, texts.t("templates.to")), " ", rendered.toAddress || ""),
        h("p", {}, h("strong", {}, texts.t("templates.subject")), " ", rendered.subject),
        h("pre", { class: "email-text" }, rendered.text));
      replace(preview, shown);
      focusOn(shown);
      return [];
    },
  });
  load();
  return section("templates", texts.t("templates.title"),
    h("p", {}, texts.t("templates.intro")),
    h("div", { class: "field" }, h("label", { for: languageId }, texts.t("templates.language")), language),
    editor, h("h3", {}, texts.t("templates.preview")), previewForm.element, preview);
}

startConsolePage({
  nav: "settings",
  permission: "SETTINGS_WRITE",
  catalogues: ["operations"],
  async render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("settings.title"));
    const area = h("div", {}, h("p", { role: "status" }, texts.t("table.loading")));
    main.append(section("registration", texts.t("settings.registration"), area), templateSection(texts));
    const { data, errors } = await api.request(PORTAL_SETTINGS);
    if (errors.length || !data) {
      replace(area, notice("error", h("p", {}, texts.error(errors[0] || { code: "UNEXPECTED" }, "portalSettings"))));
      return;
    }
    replace(area, settingsForm(texts, data.portalSettings).element);
  },
});
