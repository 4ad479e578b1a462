// The contact's history, newest first: source, date, time, description, revenue, who recorded
// it and whether the customer sees it; staff add notes and entries (with revenue).
import { h } from "../../shared/dom.js";
import { Form } from "../../shared/forms.js";
import { pagedTable } from "../../shared/table.js";
import { api, ERRORS } from "../api.js";

const HISTORY = `query ContactHistory($contactId: ID!, $after: String) {
  contactHistory(contactId: $contactId, first: 20, after: $after) {
    nodes { id occurredAt source description actorType actorName revenue { amount currency } visibleToCustomer }
    pageInfo { hasNextPage endCursor } totalCount totalCountIsExact } }`;
const ADD_NOTE = `mutation AddContactNote($contactId: ID!, $text: String!) { addContactNote(contactId: $contactId, text: $text) { entry { id } ${ERRORS} } }`;
const ADD_ENTRY = `mutation AddHistoryEntry($contactId: ID!, $source: String!, $description: String!, $revenueAmount: String, $revenueCurrency: String, $visibleToCustomer: Boolean!) {
  addHistoryEntry(contactId: $contactId, source: $source, description: $description, revenueAmount: $revenueAmount, revenueCurrency: $revenueCurrency, visibleToCustomer: $visibleToCustomer) { entry { id } ${ERRORS} } }`;

export function historySection(page, contact) {
  const { texts } = page;
  const table = pagedTable({
    texts,
    caption: texts.t("history.title"),
    emptyText: texts.t("history.empty"),
    columns: [
      { key: "date", label: texts.t("history.date"), render: (entry) => texts.date(entry.occurredAt) },
      { key: "time", label: texts.t("history.time"), render: (entry) => texts.time(entry.occurredAt) },
      { key: "source", label: texts.t("history.source"), render: (entry) => entry.source },
      { key: "description", label: texts.t("history.description"), render: (entry) => [entry.description,
        entry.visibleToCustomer ? h("span", { class: "muted small" }, ` (${texts.t("history.visible")})`) : ""] },
      { key: "revenue", label: texts.t("history.revenue"), render: (entry) => texts.money(entry.revenue) },
      { key: "actor", label: texts.t("history.actor"), render: (entry) => entry.actorName || entry.actorType },
    ],
    async load(after) {
      const { data, errors } = await api.request(HISTORY, { contactId: contact.id, after });
      return { connection: data && data.contactHistory, errors };
    },
  });
  table.reload();
  if (!page.can("CONTACTS_WRITE")) return table.element;
  const note = new Form({
    texts,
    operation: "addContactNote",
    submitLabel: texts.t("history.addNote"),
    fields: [{ name: "text", type: "textarea", label: texts.t("history.note"), required: true, rows: 2, maxlength: 4000 }],
    async onSubmit(values, self) {
      const { errors } = await api.mutate(ADD_NOTE, { contactId: contact.id, text: values.text }, "addContactNote");
      if (errors.length) return errors.map((error) => ({ ...error, field: error.field ? "text" : null }));
      self.element.reset();
      await table.reload();
      return [];
    },
  });
  const entry = new Form({
    texts,
    operation: "addHistoryEntry",
    submitLabel: texts.t("history.addEntry"),
    fields: [
      { name: "source", label: texts.t("history.source"), required: true, value: "manual", maxlength: 100 },
      { name: "description", label: texts.t("history.description"), required: true, maxlength: 4000 },
      { name: "revenueAmount", label: texts.t("history.revenueAmount"), inputmode: "decimal", hint: texts.t("history.revenueAmount.hint") },
      { name: "revenueCurrency", label: texts.t("history.currency"), value: "EUR", maxlength: 3 },
      { name: "visibleToCustomer", type: "checkbox", label: texts.t("history.visibleToCustomer") },
    ],
    async onSubmit(values, self) {
      const amount = values.revenueAmount.trim().replace(",", ".");
      const { errors } = await api.mutate(ADD_ENTRY, {
        contactId: contact.id, source: values.source.trim(), description: values.description.trim(),
        revenueAmount: amount || null, revenueCurrency: values.revenueCurrency.trim() || "EUR", visibleToCustomer: values.visibleToCustomer,
      }, "addHistoryEntry");
      if (errors.length) return errors;
      self.element.reset();
      await table.reload();
      return [];
    },
  });
  return [table.element,
    h("details", { class: "add-history" }, h("summary", {}, texts.t("history.addNote")), note.element),
    h("details", { class: "add-history" }, h("summary", {}, texts.t("history.addEntry")), entry.element)];
}
