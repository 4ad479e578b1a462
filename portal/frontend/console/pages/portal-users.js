// /console/portal-users: the portal users (epilot's table): registration status, mapping
// status, contact, created, last login, in the columns the staff member chose (remembered on
// this device); the pending review queue (?view=pending) with its matching candidates; each
// user's actions in a dialog; and the export of the chosen columns.
import { h, queryParam, uniqueId } from "../../shared/dom.js";
import { openDialog } from "../../shared/dialog.js";
import { pagedTable } from "../../shared/table.js";
import { api } from "../api.js";
import { startConsolePage } from "../app.js";
import { rememberedColumns } from "../columns.js";
import { EXPORT_PORTAL_USERS, PORTAL_USERS } from "../operations/documents.js";
import { exportForm } from "../operations/export.js";
import { contactLink, managePortalUser, mappingText, statusText, userName } from "../portal-users/manage.js";

const STATUSES = ["REGISTRATION_PENDING", "ACTIVATION_EMAIL_SENT", "REGISTERED", "EMAIL_UPDATE_IN_PROGRESS"];
const REASONS = ["NO_MATCH", "AMBIGUOUS", "SECOND_IDENTIFIER_FAILED", "UNASSIGNED", "EMAIL_NOT_PROVEN"];
// Table column -> the export's column (the export follows the table as arranged).
const EXPORT_COLUMNS = {
  email: ["EMAIL"], name: [], registrationStatus: ["REGISTRATION_STATUS"], mappingStatus: ["MAPPING_STATUS"],
  contact: ["CUSTOMER_NUMBER", "CONTACT_NAME"], createdAt: ["CREATED_AT"], lastLoginAt: ["LAST_LOGIN_AT"],
};
const SEARCH_DELAY_MS = 300;

function select(id, label, options) {
  return h("div", { class: "field" }, h("label", { for: id }, label),
    h("select", { id }, options.map((option) => h("option", { value: option.value }, option.label))));
}

startConsolePage({
  nav: "portal-users",
  permission: "PORTAL_USERS_READ",
  catalogues: ["operations"],
  async render(page) {
    const { texts, me, main, setTitle } = page;
    const pendingView = queryParam("view") === "pending";
    setTitle(texts.t(pendingView ? "portalUsers.queue.title" : "portalUsers.title"));
    const manage = (user) => managePortalUser(page, user.id, () => table.reload());
    const columns = [
      { key: "email", label: texts.t("portalUsers.column.email"), render: (u) => u.email },
      { key: "name", label: texts.t("portalUsers.column.name"), render: userName },
      { key: "registrationStatus", label: texts.t("portalUsers.column.registrationStatus"), render: (u) => statusText(texts, u) },
      { key: "mappingStatus", label: texts.t("portalUsers.column.mappingStatus"), render: (u) => mappingText(texts, u) },
      { key: "contact", label: texts.t("portalUsers.column.contact"), render: (u) => contactLink(u.contact) },
      { key: "createdAt", label: texts.t("portalUsers.column.createdAt"), render: (u) => texts.dateTime(u.createdAt) },
      { key: "lastLoginAt", label: texts.t("portalUsers.column.lastLoginAt"), render: (u) => texts.dateTime(u.lastLoginAt) },
      { key: "actions", fixed: true, label: texts.t("table.actions"), render: (u) => h("button", {
        type: "button", class: "button", "aria-label": texts.t(pendingView ? "portalUsers.reviewOne" : "portalUsers.manageOne", { email: u.email }),
        onclick: () => manage(u),
      }, texts.t(pendingView ? "portalUsers.review" : "portalUsers.manage")) },
    ];
    const chooser = rememberedColumns({
      list: "portalUsers", me, columns, label: texts.t("portalUsers.columns"),
      defaults: ["email", "registrationStatus", "mappingStatus", "contact", "createdAt", "lastLoginAt"],
      onChange: (shown) => table.setColumns(shown),
    });

    const ids = { email: uniqueId("email"), status: uniqueId("status"), reason: uniqueId("reason") };
    const any = { value: "", label: texts.t("portalUsers.filter.any") };
    const filters = h("div", { class: "toolbar", role: "search", "aria-label": texts.t("portalUsers.filters") },
      h("div", { class: "field" }, h("label", { for: ids.email }, texts.t("portalUsers.filter.email")),
        h("input", { id: ids.email, type: "search", autocomplete: "off" })),
      pendingView ? null : select(ids.status, texts.t("portalUsers.column.registrationStatus"),
        [any, ...STATUSES.map((value) => ({ value, label: texts.t(`registrationStatus.${value}`) }))]),
      select(ids.reason, texts.t("portalUsers.filter.reason"),
        [any, ...REASONS.map((value) => ({ value, label: texts.t(`pendingReason.${value}`) }))]));
    const value = (name) => {
      const control = filters.querySelector(`#${ids[name]}`);
      return control ? control.value.trim() : "";
    };
    function currentFilter() {
      const filter = pendingView ? { mappingStatus: "PENDING" } : {};
      if (value("email")) filter.email = value("email");
      if (value("status")) filter.registrationStatus = value("status");
      if (value("reason")) filter.pendingReason = value("reason");
      return filter;
    }
    const table = pagedTable({
      texts,
      caption: texts.t(pendingView ? "portalUsers.queue.title" : "portalUsers.title"),
      columns: chooser.shown(),
      emptyText: texts.t(pendingView ? "portalUsers.queue.empty" : "portalUsers.empty"),
      async load(after) {
        const { data, errors } = await api.request(PORTAL_USERS, { filter: currentFilter(), after });
        return { connection: data && data.portalUsers, errors };
      },
    });
    let timer = null;
    filters.addEventListener("input", (event) => {
      if (event.target.type !== "search") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => table.reload(), SEARCH_DELAY_MS);
    });
    filters.addEventListener("change", (event) => event.target.tagName === "SELECT" && table.reload());

    const exportButton = h("button", { type: "button", class: "button", onclick: () => {
      const form = exportForm(texts, {
        document: EXPORT_PORTAL_USERS, name: "exportPortalUsers",
        variables: () => ({ columns: chooser.keys().flatMap((key) => EXPORT_COLUMNS[key] || []) }),
      });
      openDialog({ texts, title: texts.t("portalUsers.export.title"), body: [h("p", {}, texts.t("portalUsers.export.intro")), form.element] });
    } }, texts.t("portalUsers.export.title"));
    const views = h("nav", { class: "view-switch", "aria-label": texts.t("portalUsers.views") },
      h("a", { href: "/console/portal-users", "aria-current": pendingView ? null : "page" }, texts.t("portalUsers.title")),
      h("a", { href: "/console/portal-users?view=pending", "aria-current": pendingView ? "page" : null }, texts.t("portalUsers.queue.title")));
    main.append(views, h("div", { class: "actions" }, exportButton), filters, chooser.element, table.element);
    await table.reload();
  },
});
