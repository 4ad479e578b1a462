// /console: the contacts list. Search as you type, filters (status, tag, group, source, opt-in,
// inactive too), sort with direction, cursor paging, columns the staff member chose (kept on
// this device per staff id), and "new contact".
import { h, uniqueId } from "../../shared/dom.js";
import { openDialog } from "../../shared/dialog.js";
import { Form } from "../../shared/forms.js";
import { pagedTable } from "../../shared/table.js";
import { api } from "../api.js";
import { doneNotice, go, startConsolePage } from "../app.js";
import { CONTACTS, CREATE_CONTACT, FILTER_CHOICES } from "../contacts/documents.js";
import { contactName, masterDataFields, masterDataInput, rememberListUrl } from "../contacts/fields.js";

const STATUSES = ["PROSPECT", "RESOURCE_ASSIGNED", "INVITED", "ACTIVE", "SUSPENDED"];
const SOURCES = ["MANUAL", "CSV_IMPORT", "POS", "ONLINE_ORDER", "VOUCHER_PURCHASE", "SELF_REGISTRATION", "API"];
const OPT_INS = ["NONE", "INVITED", "CONFIRMED", "REVOKED"];
const ORDERS = ["NAME", "CUSTOMER_NUMBER", "CREATED_AT", "LAST_VISIT"];
const DEFAULT_COLUMNS = ["customerNumber", "name", "email", "city", "portalStatus", "tags"];
const SEARCH_DELAY_MS = 300;

function columnsKey(me) {
  return `portal.console.contactColumns.${me.id}`;
}

function storedColumns(me, known) {
  try {
    const stored = JSON.parse(window.localStorage.getItem(columnsKey(me)) || "null");
    if (Array.isArray(stored)) {
      const valid = stored.filter((key) => known.includes(key));
      if (valid.length) return valid;
    }
  } catch {
    // Unreadable or no storage: the defaults.
  }
  return DEFAULT_COLUMNS;
}

function storeColumns(me, keys) {
  try {
    window.localStorage.setItem(columnsKey(me), JSON.stringify(keys));
  } catch {
    // Storage off (private mode): the choice lasts for this page only.
  }
}

function allColumns(texts) {
  const tagList = (contact) => contact.tags.map((tag) =>
    h("span", { class: "badge", title: tag.isCentral ? texts.t("tags.central") : null }, tag.name, tag.isCentral ? " ★" : ""));
  return [
    { key: "customerNumber", label: texts.t("contact.field.customerNumber"), render: (c) => c.customerNumber },
    { key: "name", label: texts.t("contacts.column.name"),
      render: (c) => h("a", { href: `/console/contact?id=${encodeURIComponent(c.id)}` }, contactName(c)) },
    { key: "companyName", label: texts.t("contact.field.companyName"), render: (c) => c.companyName },
    { key: "email", label: texts.t("contact.field.email"), render: (c) => c.email || "" },
    { key: "phone1", label: texts.t("contact.field.phone1"), render: (c) => c.phone1 || c.mobile },
    { key: "city", label: texts.t("contact.field.city"), render: (c) => [c.postalCode, c.city].filter(Boolean).join(" ") },
    { key: "portalStatus", label: texts.t("contacts.column.portalStatus"), render: (c) => [
      texts.t(`portalStatus.${c.portalStatus}`), c.isActive ? "" : h("span", { class: "badge" }, texts.t("contacts.inactive"))] },
    { key: "optInState", label: texts.t("contacts.column.optIn"), render: (c) => texts.t(`optIn.${c.optInState}`) },
    { key: "source", label: texts.t("contacts.column.source"), render: (c) => texts.t(`source.${c.source}`) },
    { key: "groups", label: texts.t("contacts.column.groups"), render: (c) => c.groups.map((g) => g.name).join(", ") },
    { key: "tags", label: texts.t("contacts.column.tags"), render: tagList },
    { key: "createdAt", label: texts.t("contacts.column.createdAt"), render: (c) => texts.date(c.createdAt) },
    { key: "lastVisitAt", label: texts.t("contacts.column.lastVisit"), render: (c) => texts.dateTime(c.quickInfo.lastVisitAt) },
  ];
}

function select(id, label, options, value = "") {
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    h("select", { id }, options.map((option) => h("option", { value: option.value, selected: option.value === value }, option.label))));
}

function createContactDialog(page) {
  const { texts } = page;
  const form = new Form({
    texts,
    operation: "createContact",
    submitLabel: texts.t("contacts.create.submit"),
    fields: masterDataFields(texts, null, { only: ["salutation", "firstName", "lastName", "companyName", "email", "phone1", "street", "postalCode", "city", "country"] }),
    async onSubmit(values) {
      const input = masterDataInput(values);
      for (const [name, value] of Object.entries(input)) if (value === "" || value === null) delete input[name];
      const { payload, errors } = await api.mutate(CREATE_CONTACT, { input }, "createContact");
      if (errors.length) return errors;
      go(`/console/contact?id=${encodeURIComponent(payload.contact.id)}`, "created");
      return [];
    },
  });
  openDialog({ texts, title: texts.t("contacts.create.title"), body: form.element, wide: true });
}

startConsolePage({
  nav: "contacts",
  permission: "CONTACTS_READ",
  catalogues: ["contacts"],
  async render(page) {
    const { texts, me, main, setTitle } = page;
    setTitle(texts.t("contacts.title"));
    const columns = allColumns(texts);
    const known = columns.map((column) => column.key);
    let chosen = storedColumns(me, known);
    const shown = () => columns.filter((column) => chosen.includes(column.key));

    const searchId = uniqueId("contact-search");
    const search = h("input", { id: searchId, type: "search", autocomplete: "off", "aria-describedby": `${searchId}-hint` });
    const ids = Object.fromEntries(["status", "tag", "group", "source", "optIn", "order", "descending", "inactive"].map((name) => [name, uniqueId(name)]));
    const any = { value: "", label: texts.t("contacts.filter.any") };
    const filters = h("div", { class: "toolbar", role: "search", "aria-label": texts.t("contacts.filters") },
      h("div", { class: "field" }, h("label", { for: searchId }, texts.t("contacts.search")), search,
        h("p", { class: "field-hint", id: `${searchId}-hint` }, texts.t("contacts.search.hint"))),
      select(ids.status, texts.t("contacts.column.portalStatus"), [any, ...STATUSES.map((s) => ({ value: s, label: texts.t(`portalStatus.${s}`) }))]),
      select(ids.tag, texts.t("contacts.filter.tag"), [any]),
      select(ids.group, texts.t("contacts.filter.group"), [any]),
      select(ids.source, texts.t("contacts.column.source"), [any, ...SOURCES.map((s) => ({ value: s, label: texts.t(`source.${s}`) }))]),
      select(ids.optIn, texts.t("contacts.column.optIn"), [any, ...OPT_INS.map((s) => ({ value: s, label: texts.t(`optIn.${s}`) }))]),
      h("div", { class: "field field-checkbox" }, h("input", { type: "checkbox", id: ids.inactive }), h("label", { for: ids.inactive }, texts.t("contacts.filter.inactive"))),
      select(ids.order, texts.t("contacts.sort"), ORDERS.map((s) => ({ value: s, label: texts.t(`contacts.order.${s}`) }))),
      h("div", { class: "field field-checkbox" }, h("input", { type: "checkbox", id: ids.descending }), h("label", { for: ids.descending }, texts.t("contacts.descending"))));
    const control = (name) => filters.querySelector(`#${ids[name]}`);

    const columnChooser = h("details", { class: "column-chooser" },
      h("summary", {}, texts.t("contacts.columns")),
      h("fieldset", {}, h("legend", { class: "visually-hidden" }, texts.t("contacts.columns")),
        columns.map((column) => {
          const id = uniqueId(`column-${column.key}`);
          return h("div", { class: "field-checkbox" },
            h("input", {
              type: "checkbox", id, checked: chosen.includes(column.key),
              onchange: (event) => {
                chosen = event.target.checked ? known.filter((key) => key === column.key || chosen.includes(key)) : chosen.filter((key) => key !== column.key);
                storeColumns(me, chosen);
                table.setColumns(shown());
              },
            }),
            h("label", { for: id }, column.label));
        })));

    // The filters live in the page's URL too, so "back to the contacts" and a reload keep them.
    const FILTER_PARAMS = ["q", "status", "tag", "group", "source", "optIn", "inactive", "order", "desc"];
    function restoreFilters() {
      const params = new URLSearchParams(window.location.search);
      search.value = params.get("q") || "";
      for (const name of ["status", "source", "optIn", "order"]) if (params.get(name)) control(name).value = params.get(name);
      control("inactive").checked = params.get("inactive") === "1";
      control("descending").checked = params.get("desc") === "1";
      return params;
    }
    function keepFilters() {
      const params = new URLSearchParams(window.location.search);
      FILTER_PARAMS.forEach((name) => params.delete(name));
      params.delete("done");
      const set = (name, value) => value && params.set(name, value);
      set("q", search.value.trim());
      for (const name of ["status", "tag", "group", "source", "optIn"]) set(name, control(name).value);
      if (control("order").value !== ORDERS[0]) set("order", control("order").value);
      set("inactive", control("inactive").checked ? "1" : "");
      set("desc", control("descending").checked ? "1" : "");
      const query = params.toString();
      const url = query ? `${window.location.pathname}?${query}` : window.location.pathname;
      window.history.replaceState(null, "", url);
      rememberListUrl(url);
    }

    function currentFilter() {
      const filter = {};
      const text = search.value.trim();
      if (text) filter.search = text;
      if (control("status").value) filter.status = control("status").value;
      if (control("tag").value) filter.tags = [control("tag").value];
      if (control("group").value) filter.groupIds = [control("group").value];
      if (control("source").value) filter.source = control("source").value;
      if (control("optIn").value) filter.optIn = control("optIn").value;
      if (control("inactive").checked) filter.includeInactive = true;
      return filter;
    }

    const table = pagedTable({
      texts,
      caption: texts.t("contacts.title"),
      columns: shown(),
      emptyText: texts.t("contacts.empty"),
      async load(after) {
        keepFilters();
        const orderBy = { field: control("order").value, direction: control("descending").checked ? "DESC" : "ASC" };
        const { data, errors } = await api.request(CONTACTS, { filter: currentFilter(), orderBy, after });
        return { connection: data && data.contacts, errors };
      },
    });

    let timer = null;
    search.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => table.reload(), SEARCH_DELAY_MS);
    });
    filters.addEventListener("change", () => table.reload());
    filters.addEventListener("submit", (event) => event.preventDefault());

    const create = page.can("CONTACTS_WRITE")
      ? h("button", { type: "button", class: "button primary", onclick: () => createContactDialog(page) }, texts.t("contacts.create.title"))
      : null;
    main.append(doneNotice(texts) || "", h("div", { class: "actions" }, create), filters, columnChooser, table.element);

    // Tags and groups for their filters (the list waits only when the URL filters by one).
    const wanted = restoreFilters();
    const choices = api.request(FILTER_CHOICES).then(({ data }) => {
      if (!data) return;
      control("tag").append(...data.tags.map((tag) => h("option", { value: tag.name }, tag.isCentral ? `${tag.name} ★` : tag.name)));
      control("group").append(...data.contactGroups.map((group) => h("option", { value: group.id }, group.name)));
      if (wanted.get("tag")) control("tag").value = wanted.get("tag");
      if (wanted.get("group")) control("group").value = wanted.get("group");
    });
    if (wanted.get("tag") || wanted.get("group")) await choices;
    search.focus();
    await table.reload();
  },
});
