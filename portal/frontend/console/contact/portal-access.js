// Portal access of one contact: the portal user's state, invitations (with a preview of the
// email, the address editable before sending, the setup link to copy), suspend / reactivate,
// set a password where the policy allows, delete the login (irreversible), and "log in as this
// customer".
import { h, replace } from "../../shared/dom.js";
import { confirmDialog, openDialog } from "../../shared/dialog.js";
import { actionButton, Form } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, ERRORS } from "../api.js";
import { redraw, showOutcome } from "./common.js";

const ACCESS = `query PortalAccess($contactId: ID!) {
  portalUsers(filter: { contactId: $contactId }, first: 1) {
    nodes { id email registrationStatus activatedAt lastLoginAt suspendedAt createdAt } }
  invitations(contactId: $contactId, first: 5) {
    nodes { id email status createdAt expiresAt acceptedAt revokedAt emailedAt createdBy } } }`;
const PREVIEW = `query PreviewInvitation($contactId: ID!) { previewInvitation(contactId: $contactId) { subject text toAddress } }`;
const CONTACT_VERSION = `query ContactVersion($id: ID!) { contact(id: $id) { version email } }`;
const SET_EMAIL = `mutation SetContactEmail($input: UpdateContactInput!) { updateContact(input: $input) { contact { email version } ${ERRORS} } }`;
const INVITE = `mutation InviteContact($contactId: ID!, $sendEmail: Boolean!) {
  inviteContact(contactId: $contactId, sendEmail: $sendEmail) { setupUrl invitation { id } ${ERRORS} } }`;
const RESEND = `mutation ResendInvitation($invitationId: ID!) { resendInvitation(invitationId: $invitationId) { setupUrl ${ERRORS} } }`;
const REVOKE = `mutation RevokeInvitation($invitationId: ID!) { revokeInvitation(invitationId: $invitationId) { ok ${ERRORS} } }`;
const SUSPEND = `mutation SuspendContactAccess($contactId: ID!) { suspendContactAccess(contactId: $contactId) { ok ${ERRORS} } }`;
const REACTIVATE = `mutation ReactivateContactAccess($contactId: ID!) { reactivateContactAccess(contactId: $contactId) { ok ${ERRORS} } }`;
const SET_PASSWORD = `mutation SetPortalUserPassword($contactId: ID!, $password: String, $generate: Boolean!) {
  setPortalUserPassword(contactId: $contactId, password: $password, generate: $generate) { ok generatedPassword ${ERRORS} } }`;
const DELETE_LOGIN = `mutation DeletePortalUser($portalUserId: ID!) { deletePortalUser(portalUserId: $portalUserId) { deletedPortalUserId ${ERRORS} } }`;

/** A read-only field with the setup link and a button that copies it. */
function setupLinkBlock(texts, url) {
  const input = h("input", { id: "setup-link", type: "text", readonly: true, value: url, class: "wide" });
  const copied = h("span", { role: "status" });
  return h("div", { class: "field setup-link" },
    h("label", { for: "setup-link" }, texts.t("access.setupLink")),
    h("p", { class: "field-hint" }, texts.t("access.setupLink.hint")),
    input,
    h("div", { class: "actions" }, actionButton(texts.t("access.copy"), async () => {
      try {
        await navigator.clipboard.writeText(url);
        copied.textContent = texts.t("access.copied");
      } catch {
        input.select();
        copied.textContent = texts.t("access.copyByHand");
      }
    }), copied));
}

function inviteDialog(page, contact, reload) {
  const { texts } = page;
  const preview = h("div", { class: "email-preview", "aria-live": "polite" }, h("p", {}, texts.t("table.loading")));
  const result = h("div", {});
  let changed = false;
  async function showPreview() {
    const { data, errors } = await api.request(PREVIEW, { contactId: contact.id });
    const email = data && data.previewInvitation;
    if (!email) {
      replace(preview, notice("error", h("p", {}, texts.error(errors[0] || { code: "NO_EMAIL" }, "previewInvitation"))));
      return;
    }
    replace(preview,
      h("dl", { class: "facts" },
        h("dt", {}, texts.t("access.preview.to")), h("dd", {}, email.toAddress || "–"),
        h("dt", {}, texts.t("access.preview.subject")), h("dd", {}, email.subject)),
      h("pre", { class: "email-text", tabindex: "0", "aria-label": texts.t("access.preview.text") }, email.text));
  }
  async function invite(values, sendEmail) {
    const current = await api.request(CONTACT_VERSION, { id: contact.id });
    const stored = current.data && current.data.contact;
    if (!stored) return current.errors;
    const wanted = values.email.trim();
    if (wanted !== (stored.email || "")) {
      const { errors } = await api.mutate(SET_EMAIL, { input: { id: contact.id, version: stored.version, email: wanted } }, "updateContact");
      if (errors.length) return errors;
    }
    const { payload, errors } = await api.mutate(INVITE, { contactId: contact.id, sendEmail }, "inviteContact");
    if (errors.length) return errors.map((error) => (error.code === "CONTACT_HAS_NO_EMAIL" ? { ...error, field: "email" } : error));
    const shown = notice("success", h("p", {}, texts.t(sendEmail ? "access.invited" : "access.linkCreated", { email: wanted })));
    replace(result, shown, setupLinkBlock(texts, payload.setupUrl));
    focusOn(shown);
    changed = true;
    return [];
  }
  const form = new Form({
    texts,
    operation: "inviteContact",
    submitLabel: texts.t("access.invite.send"),
    fields: [{ name: "email", type: "email", label: texts.t("contact.field.email"), value: contact.email || "", required: true, hint: texts.t("access.invite.emailHint") }],
    onSubmit: (values) => invite(values, true),
  });
  const linkOnly = h("button", { type: "button", class: "button" }, texts.t("access.invite.linkOnly"));
  linkOnly.addEventListener("click", async () => {
    const values = form.values();
    const missing = form.missing(values);
    if (missing.length) return form.showErrors(missing);
    form.setBusy(true);
    const errors = await invite(values, false);
    form.setBusy(false);
    if (errors.length) form.showErrors(errors);
    else form.clearErrors();
  });
  form.element.querySelector(".form-actions").append(linkOnly);
  form.element.addEventListener("change", showPreview);
  openDialog({
    texts, title: texts.t("access.invite.title"), wide: true,
    body: [form.element, result, h("h3", {}, texts.t("access.preview")), preview],
    onClose: () => changed && reload(),
  });
  showPreview();
}

function setPasswordDialog(page, contact, reload) {
  const { texts } = page;
  const result = h("div", {});
  let changed = false;
  const form = new Form({
    texts,
    operation: "setPortalUserPassword",
    submitLabel: texts.t("access.password.set"),
    intro: h("p", {}, texts.t("access.password.intro")),
    fields: [
      { name: "generate", type: "checkbox", label: texts.t("access.password.generate"), value: true },
      { name: "password", type: "password", label: texts.t("field.newPassword"), autocomplete: "new-password", hint: texts.t("access.password.hint") },
    ],
    async onSubmit(values) {
      const generate = values.generate;
      if (!generate && !values.password) return [{ code: "REQUIRED", field: "password", message: "" }];
      const { payload, errors } = await api.mutate(SET_PASSWORD, { contactId: contact.id, generate, password: generate ? null : values.password }, "setPortalUserPassword");
      if (errors.length) return errors;
      const shown = notice("success", h("p", {}, texts.t("access.password.done")),
        payload.generatedPassword ? h("p", {}, texts.t("access.password.generated"), " ", h("code", { id: "generated-password" }, payload.generatedPassword)) : null);
      replace(result, shown);
      focusOn(shown);
      changed = true;
      return [];
    },
  });
  openDialog({ texts, title: texts.t("access.password.title"), body: [form.element, result], onClose: () => changed && reload() });
}

async function openImpersonation(page, contact, portalUser, outcome) {
  // The dialog belongs to the support-sessions screen (console/impersonation.js).
  let module;
  try {
    module = await import("../impersonation.js");
  } catch {
    showOutcome(page.texts, outcome, [{ code: "UNEXPECTED", field: null, message: "" }], "startImpersonation");
    return;
  }
  await module.openImpersonationDialog(page, { contactId: contact.id, portalUserId: portalUser.id, name: `${contact.firstName} ${contact.lastName}`.trim() || contact.customerNumber });
}

export function portalAccessSection(page, contact) {
  const { texts } = page;
  const area = h("div", { "aria-live": "polite" }, h("p", {}, texts.t("table.loading")));
  const outcome = h("div", {});

  async function load() {
    const { data, errors } = await api.request(ACCESS, { contactId: contact.id });
    if (!data) {
      replace(area, notice("error", h("p", {}, texts.error(errors[0] || { code: "UNEXPECTED" }, "portalAccess"))),
        actionButton(texts.t("table.retry"), load));
      return;
    }
    const portalUser = data.portalUsers.nodes[0] || null;
    const invitations = data.invitations.nodes;
    const act = (label, document, name, successKey, { danger = false, confirm = null } = {}) =>
      actionButton(label, async () => {
        if (confirm && !(await confirmDialog({ texts, ...confirm, danger }))) return;
        const { errors: failed } = await api.mutate(document.query, document.variables, name);
        showOutcome(texts, outcome, failed, name, failed.length ? null : texts.t(successKey));
        if (!failed.length) await load();
      }, { className: danger ? "button danger" : "button" });

    const facts = portalUser
      ? h("dl", { class: "facts" },
          h("dt", {}, texts.t("access.login")), h("dd", {}, portalUser.email),
          h("dt", {}, texts.t("access.state")), h("dd", {},
            portalUser.suspendedAt ? texts.t("access.suspendedSince", { date: texts.dateTime(portalUser.suspendedAt) })
              : texts.t(`registrationStatus.${portalUser.registrationStatus}`)),
          h("dt", {}, texts.t("access.activatedAt")), h("dd", {}, texts.dateTime(portalUser.activatedAt) || "–"),
          h("dt", {}, texts.t("access.lastLogin")), h("dd", {}, texts.dateTime(portalUser.lastLoginAt) || "–"))
      : h("p", {}, texts.t("access.none"));
    const invitationList = invitations.length
      ? h("table", {}, h("caption", {}, texts.t("access.invitations")),
          h("thead", {}, h("tr", {}, ["email", "status", "createdAt", "expiresAt", "actions"].map((key) => h("th", { scope: "col" }, texts.t(`access.invitation.${key}`))))),
          h("tbody", {}, invitations.map((invitation) => h("tr", {},
            h("td", {}, invitation.email),
            h("td", {}, texts.t(`invitationStatus.${invitation.status}`)),
            h("td", {}, texts.dateTime(invitation.createdAt)),
            h("td", {}, texts.dateTime(invitation.expiresAt)),
            h("td", {}, invitation.status === "PENDING" ? [
              actionButton(texts.t("access.resend"), async () => {
                const { payload, errors: failed } = await api.mutate(RESEND, { invitationId: invitation.id }, "resendInvitation");
                showOutcome(texts, outcome, failed, "resendInvitation", failed.length ? null : texts.t("access.resent"));
                if (!failed.length && payload.setupUrl) outcome.append(setupLinkBlock(texts, payload.setupUrl));
              }),
              " ",
              act(texts.t("access.revoke"), { query: REVOKE, variables: { invitationId: invitation.id } }, "revokeInvitation", "access.revoked"),
            ] : "")))))
      : null;
    const suspended = portalUser && portalUser.suspendedAt;
    const registered = portalUser && portalUser.registrationStatus === "REGISTERED";
    const actions = h("div", { class: "actions" },
      page.can("PORTAL_USERS_WRITE") && !registered && !suspended
        ? h("button", { type: "button", class: "button primary", onclick: () => inviteDialog(page, contact, load) }, texts.t("access.invite.title"))
        : null,
      page.can("PORTAL_USERS_WRITE") && portalUser && !suspended
        ? act(texts.t("access.suspend"), { query: SUSPEND, variables: { contactId: contact.id } }, "suspendContactAccess", "access.suspended",
            { confirm: { title: texts.t("access.suspend"), message: texts.t("access.suspend.confirm"), confirmLabel: texts.t("access.suspend") } })
        : null,
      page.can("PORTAL_USERS_WRITE") && suspended
        ? act(texts.t("access.reactivate"), { query: REACTIVATE, variables: { contactId: contact.id } }, "reactivateContactAccess", "access.reactivated")
        : null,
      page.can("PORTAL_USERS_WRITE") && !suspended
        ? h("button", { type: "button", class: "button", onclick: () => setPasswordDialog(page, contact, load) }, texts.t("access.password.title"))
        : null,
      page.can("SUPPORT_IMPERSONATE") && registered && !suspended
        ? actionButton(texts.t("access.impersonate"), () => openImpersonation(page, contact, portalUser, outcome))
        : null,
      page.can("PORTAL_USERS_WRITE") && portalUser
        ? act(texts.t("access.delete"), { query: DELETE_LOGIN, variables: { portalUserId: portalUser.id } }, "deletePortalUser", "access.deleted",
            { danger: true, confirm: { title: texts.t("access.delete"), message: [texts.t("access.delete.confirm"), texts.t("access.irreversible")], confirmLabel: texts.t("access.delete.submit") } })
        : null);
    redraw(area, facts, invitationList, actions);
  }

  load();
  return [area, outcome];
}
