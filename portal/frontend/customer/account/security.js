// Login and security: email change, password change, log out everywhere, delete the account.
// Support sessions cannot do any of these (the API refuses; the refusal is shown as such).
import { h } from "../../shared/dom.js";
import { actionButton, Form, newPasswordFields, passwordMismatch } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { CHANGE_PASSWORD, DELETE_ACCOUNT, LOG_OUT_EVERYWHERE, REQUEST_EMAIL_CHANGE } from "../api.js";
import { go } from "../app.js";
import { accountCall, section } from "./common.js";

function emailForm(texts, viewer) {
  const pending = viewer.registrationStatus === "EMAIL_UPDATE_IN_PROGRESS"
    ? notice("info", h("p", {}, texts.t("email.pending")))
    : null;
  const form = new Form({
    texts,
    operation: "requestEmailChange",
    submitLabel: texts.t("email.submit"),
    intro: [h("p", {}, texts.t("email.current", { email: viewer.email })), pending],
    fields: [
      { name: "newEmail", type: "email", label: texts.t("field.newEmail"), autocomplete: "email", required: true },
      { name: "password", type: "password", label: texts.t("field.currentPassword"), autocomplete: "current-password", required: true },
    ],
    async onSubmit(values, self) {
      const newEmail = values.newEmail.trim();
      const { errors } = await accountCall(REQUEST_EMAIL_CHANGE, { newEmail, password: values.password }, "requestEmailChange");
      if (errors.length) return errors;
      self.element.reset();
      self.showStatus(texts.t("email.sent", { email: newEmail }));
      return [];
    },
  });
  return form.element;
}

function passwordForm(texts) {
  const form = new Form({
    texts,
    operation: "changePassword",
    submitLabel: texts.t("password.submit"),
    fields: newPasswordFields(texts, { current: true }),
    async onSubmit(values, self) {
      const mismatch = passwordMismatch(values);
      if (mismatch.length) return mismatch;
      const { errors } = await accountCall(CHANGE_PASSWORD, { currentPassword: values.currentPassword, newPassword: values.newPassword }, "changePassword");
      if (errors.length) return errors;
      self.element.reset();
      self.showStatus(texts.t("password.changed"));
      return [];
    },
  });
  return form.element;
}

function sessionsBlock(texts) {
  const result = h("div", {});
  return h("div", {},
    h("p", {}, texts.t("sessions.intro")),
    h("div", { class: "actions" }, actionButton(texts.t("sessions.submit"), async () => {
      const { errors } = await accountCall(LOG_OUT_EVERYWHERE, {}, "logOutEverywhere");
      if (!errors.length) {
        go("/login", "logged-out-everywhere");
        return;
      }
      const shown = notice("error", h("p", {}, texts.error(errors[0], "logOutEverywhere")));
      result.replaceChildren(shown);
      focusOn(shown);
    })),
    result);
}

function deleteForm(texts) {
  const form = new Form({
    texts,
    operation: "deleteMyAccount",
    submitLabel: texts.t("delete.submit"),
    className: "danger-zone",
    intro: h("p", {}, texts.t("delete.intro")),
    fields: [
      { name: "password", type: "password", label: texts.t("field.currentPassword"), autocomplete: "current-password", required: true },
      { name: "confirm", type: "checkbox", label: texts.t("delete.confirm"), required: true },
    ],
    async onSubmit(values) {
      const { errors } = await accountCall(DELETE_ACCOUNT, { password: values.password }, "deleteMyAccount");
      if (errors.length) return errors;
      go("/login", "deleted");
      return [];
    },
  });
  form.submitButton.className = "button danger";
  return form.element;
}

export function securitySections(page, viewer) {
  const { texts } = page;
  return [
    section("email", texts.t("email.title"), emailForm(texts, viewer)),
    section("password", texts.t("password.title"), passwordForm(texts)),
    section("sessions", texts.t("sessions.title"), sessionsBlock(texts)),
    section("delete", texts.t("delete.title"), deleteForm(texts)),
  ];
}
