// One portal user in a dialog: its facts and whatever can be done with it now. A pending user
// (no contact yet) shows the matching candidates to assign from, and a form to create a
// contact from the registration and link it; assigning is offered only while unassigned.
import { h, replace } from "../../shared/dom.js";
import { openDialog } from "../../shared/dialog.js";
import { actionButton, Form } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api } from "../api.js";
import {
  ACTIVATE_PORTAL_USER, ASSIGN_PORTAL_USER, CREATE_CONTACT_FOR_PORTAL_USER, PORTAL_USER, RESEND_ACTIVATION_EMAIL,
} from "../operations/documents.js";
import { openImpersonationDialog } from "../impersonation.js";

export function contactName(contact) {
  const person = [contact.firstName, contact.lastName].filter(Boolean).join(" ");
  return person || contact.companyName || contact.customerNumber;
}

export function contactLink(contact) {
  return contact ? h("a", { href: `/console/contact?id=${encodeURIComponent(contact.id)}` }, `${contactName(contact)} (${contact.customerNumber})`) : "";
}

export function userName(user) {
  return [user.firstName, user.lastName].filter(Boolean).join(" ");
}

export function statusText(texts, user) {
  return texts.t(`registrationStatus.${user.registrationStatus}`);
}

export function mappingText(texts, user) {
  const base = texts.t(`mappingStatus.${user.mappingStatus}`);
  return user.pendingReason ? `${base} (${texts.t(`pendingReason.${user.pendingReason}`)})` : base;
}

function facts(texts, user) {
  const rows = [
    [texts.t("portalUsers.column.email"), user.email],
    [texts.t("portalUsers.column.name"), userName(user)],
    [texts.t("portalUsers.column.registrationStatus"), statusText(texts, user)],
    [texts.t("portalUsers.column.mappingStatus"), mappingText(texts, user)],
    [texts.t("portalUsers.column.contact"), user.contact ? contactLink(user.contact) : null],
    [texts.t("portalUsers.existingCustomer"), texts.t(user.existingCustomer ? "portalUsers.yes" : "portalUsers.no")],
    [texts.t("portalUsers.column.createdAt"), texts.dateTime(user.createdAt)],
    [texts.t("portalUsers.column.lastLoginAt"), texts.dateTime(user.lastLoginAt)],
    [texts.t("portalUsers.suspended"), user.suspendedAt ? texts.dateTime(user.suspendedAt) : null],
  ];
  return h("dl", { class: "facts" }, rows.filter(([, value]) => value).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function candidatesTable(texts, candidates, assign) {
  if (!candidates.length) return h("p", { class: "muted" }, texts.t("portalUsers.candidates.none"));
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, texts.t("portalUsers.candidates")),
    h("thead", {}, h("tr", {}, ["customerNumber", "name", "email", "city", "actions"].map((key) =>
      h("th", { scope: "col" }, texts.t(`portalUsers.candidate.${key}`))))),
    h("tbody", {}, candidates.map((contact) => h("tr", {},
      h("td", {}, contact.customerNumber),
      h("td", {}, contactLink(contact)),
      h("td", {}, contact.email || ""),
      h("td", {}, [contact.postalCode, contact.city].filter(Boolean).join(" ")),
      h("td", {}, actionButton(texts.t("portalUsers.assign"), () => assign(contact), { className: "button primary" })))))));
}

function createContactForm(texts, user, done) {
  return new Form({
    texts,
    operation: "createContactForPortalUser",
    submitLabel: texts.t("portalUsers.createContact.submit"),
    intro: h("p", {}, texts.t("portalUsers.createContact.intro")),
    fields: [
      { name: "firstName", label: texts.t("portalUsers.field.firstName"), value: user.firstName, autocomplete: "off" },
      { name: "lastName", label: texts.t("portalUsers.field.lastName"), value: user.lastName, autocomplete: "off" },
      { name: "companyName", label: texts.t("portalUsers.field.companyName"), autocomplete: "off" },
      { name: "postalCode", label: texts.t("portalUsers.field.postalCode"), autocomplete: "off" },
      { name: "city", label: texts.t("portalUsers.field.city"), autocomplete: "off" },
    ],
    async onSubmit(values) {
      const input = { email: user.email, language: user.language };
      for (const [name, value] of Object.entries(values)) if (value.trim()) input[name] = value.trim();
      const { payload, errors } = await api.mutate(CREATE_CONTACT_FOR_PORTAL_USER, { portalUserId: user.id, input }, "createContactForPortalUser");
      if (errors.length) return errors;
      done(payload.portalUser, "portalUsers.createContact.done");
      return [];
    },
  });
}

/** Open the dialog for the portal user `id`; onChange() after anything changed it. */
export async function managePortalUser(page, id, onChange) {
  const { texts } = page;
  const area = h("div", { "aria-live": "polite" }, h("p", { role: "status" }, texts.t("table.loading")));
  const dialog = openDialog({ texts, title: texts.t("portalUsers.manage.title"), body: area, wide: true });
  const writable = page.can("PORTAL_USERS_WRITE");

  async function run(document, name, successKey) {
    const { payload, errors } = await api.mutate(document, { portalUserId: id }, name);
    if (errors.length) {
      const shown = notice("error", h("p", {}, texts.error(errors[0], name)));
      area.prepend(shown);
      focusOn(shown);
      return;
    }
    draw(payload.portalUser, [], successKey);
    onChange();
  }

  function draw(user, candidates, successKey = null) {
    const message = successKey ? notice("success", h("p", {}, texts.t(successKey))) : null;
    const pending = user.mappingStatus === "PENDING" && !user.contact;
    const actions = writable ? [
      user.registrationStatus !== "REGISTERED"
        ? actionButton(texts.t("portalUsers.resendActivation"), () => run(RESEND_ACTIVATION_EMAIL, "resendActivationEmail", "portalUsers.resendActivation.done"))
        : null,
      user.registrationStatus !== "REGISTERED"
        ? actionButton(texts.t("portalUsers.activate"), () => run(ACTIVATE_PORTAL_USER, "activatePortalUserManually", "portalUsers.activate.done"))
        : null,
    ] : [];
    const supportLogin = user.contact && user.registrationStatus === "REGISTERED" && page.can("SUPPORT_IMPERSONATE")
      ? h("button", { type: "button", class: "button", onclick: () => {
          dialog.close();
          openImpersonationDialog(page, { portalUserId: user.id, name: user.email });
        } }, texts.t("supportLogin.open"))
      : null;
    const assign = async (contact) => {
      const { payload, errors } = await api.mutate(ASSIGN_PORTAL_USER, { portalUserId: id, contactId: contact.id }, "assignPortalUser");
      if (errors.length) {
        const shown = notice("error", h("p", {}, texts.error(errors[0], "assignPortalUser")));
        area.prepend(shown);
        focusOn(shown);
        return;
      }
      draw(payload.portalUser, [], "portalUsers.assign.done");
      onChange();
    };
    const review = pending && writable
      ? h("section", { class: "review" },
          h("h3", {}, texts.t("portalUsers.review")),
          candidatesTable(texts, candidates, assign),
          h("h3", {}, texts.t("portalUsers.createContact.title")),
          createContactForm(texts, user, (changed, key) => {
            draw(changed, [], key);
            onChange();
          }).element)
      : null;
    replace(area, message, facts(texts, user), h("div", { class: "actions" }, actions, supportLogin), review);
    if (message) focusOn(message);
  }

  const { data, errors } = await api.request(PORTAL_USER, { id });
  if (errors.length || !data || !data.portalUser) {
    replace(area, notice("error", h("p", {}, errors.length ? texts.error(errors[0], "portalUser") : texts.t("error.NOT_FOUND"))));
    return dialog;
  }
  draw(data.portalUser, data.matchingCandidates || []);
  return dialog;
}
