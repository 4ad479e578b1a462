// GDPR and lifecycle: export the person's data (JSON download, audited), deactivate /
// reactivate, delete the contact, erase the person everywhere. Deleting and erasing say that
// they are irreversible and ask first.
import { h } from "../../shared/dom.js";
import { confirmDialog } from "../../shared/dialog.js";
import { actionButton } from "../../shared/forms.js";
import { api, ERRORS } from "../api.js";
import { go } from "../app.js";
import { showOutcome } from "./common.js";

const EXPORT = `mutation ExportPersonalData($contactId: ID!) { exportPersonalData(contactId: $contactId) { data ${ERRORS} } }`;
const ERASE = `mutation EraseContact($contactId: ID!) { eraseContact(contactId: $contactId) { erasedContactId ${ERRORS} } }`;
const DELETE = `mutation DeleteContact($contactId: ID!) { deleteContact(contactId: $contactId) { deletedContactId ${ERRORS} } }`;
const DEACTIVATE = `mutation DeactivateContact($contactId: ID!) { deactivateContact(contactId: $contactId) { contact { isActive } ${ERRORS} } }`;
const REACTIVATE = `mutation ReactivateContact($contactId: ID!) { reactivateContact(contactId: $contactId) { contact { isActive } ${ERRORS} } }`;

/** Offer `data` as a JSON file download (a blob: URL of this page; no server round trip). */
function download(name, data) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function privacySection(page, contact) {
  const { texts } = page;
  const outcome = h("div", {});
  const irreversible = (key, document, name) => actionButton(texts.t(key), async () => {
    const confirmed = await confirmDialog({
      texts, danger: true, title: texts.t(key), confirmLabel: texts.t(`${key}.submit`),
      message: [texts.t(`${key}.confirm`), h("p", {}, h("strong", {}, texts.t("access.irreversible")))],
    });
    if (!confirmed) return;
    const { errors } = await api.mutate(document, { contactId: contact.id }, name);
    if (errors.length) showOutcome(texts, outcome, errors, name);
    else go("/console", key === "privacy.erase" ? "erased" : "deleted");
  }, { className: "button danger" });
  const lifecycle = (key, document, name) => actionButton(texts.t(key), async () => {
    const { errors } = await api.mutate(document, { contactId: contact.id }, name);
    if (errors.length) showOutcome(texts, outcome, errors, name);
    else go(`/console/contact?id=${encodeURIComponent(contact.id)}`, contact.isActive ? "deactivated" : "reactivated");
  });
  return [
    h("p", {}, texts.t("privacy.intro")),
    h("div", { class: "actions" },
      actionButton(texts.t("privacy.export"), async () => {
        const { payload, errors } = await api.mutate(EXPORT, { contactId: contact.id }, "exportPersonalData");
        showOutcome(texts, outcome, errors, "exportPersonalData", errors.length ? null : texts.t("privacy.exported"));
        if (!errors.length) download(`contact-${contact.customerNumber}.json`, payload.data);
      }),
      page.can("CONTACTS_WRITE") ? (contact.isActive ? lifecycle("privacy.deactivate", DEACTIVATE, "deactivateContact") : lifecycle("privacy.reactivate", REACTIVATE, "reactivateContact")) : null,
      page.can("CONTACTS_DELETE") ? irreversible("privacy.delete", DELETE, "deleteContact") : null,
      page.can("CONTACTS_DELETE") ? irreversible("privacy.erase", ERASE, "eraseContact") : null),
    outcome,
  ];
}
