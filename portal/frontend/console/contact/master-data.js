// The contact's master data: every field, Sie/Du, language, directory visibility and notes,
// edited in one form that sends the version it was loaded with (STALE_VERSION when someone
// else saved meanwhile).
import { Form } from "../../shared/forms.js";
import { api } from "../api.js";
import { UPDATE_CONTACT } from "../contacts/documents.js";
import { masterDataFields, masterDataInput } from "../contacts/fields.js";

export function masterDataForm(page, contact, onSaved) {
  const { texts } = page;
  let version = contact.version;
  const form = new Form({
    texts,
    operation: "updateContact",
    submitLabel: texts.t("contact.save"),
    className: "grid-form",
    fields: [
      ...masterDataFields(texts, contact),
      { name: "directoryVisible", type: "checkbox", label: texts.t("contact.field.directoryVisible"), value: contact.directoryVisible, hint: texts.t("contact.field.directoryVisible.hint") },
      { name: "notes", type: "textarea", label: texts.t("contact.field.notes"), value: contact.notes || "", maxlength: 10000 },
    ],
    async onSubmit(values, self) {
      const input = { ...masterDataInput(values), directoryVisible: values.directoryVisible, notes: values.notes, id: contact.id, version };
      const { payload, errors } = await api.mutate(UPDATE_CONTACT, { input }, "updateContact");
      if (errors.length) return errors;
      version = payload.contact.version;
      self.showStatus(texts.t("contact.saved"));
      if (onSaved) onSaved(payload.contact);
      return [];
    },
  });
  return form;
}
