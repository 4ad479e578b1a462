// Resources shared with the contact, each with the contact's permissions on it: assign (a
// resource found by search, permissions from the vocabulary), change permissions, unassign.
import { h, replace, uniqueId } from "../../shared/dom.js";
import { confirmDialog } from "../../shared/dialog.js";
import { actionButton, Form } from "../../shared/forms.js";
import { notice } from "../../shared/shell.js";
import { api, ERRORS } from "../api.js";
import { redraw, showOutcome } from "./common.js";

const GRANTS = `query ContactResources($contactId: ID!) {
  contactResources(contactId: $contactId) { permissions resource { id kind name alias url } }
  permissionVocabulary { resourcePermissions { name requires } } }`;
const FIND = `query FindResources($search: String) { resources(search: $search, first: 50) { nodes { id kind name alias } } }`;
const GRANT = "grant { permissions resource { id } } warning";
const ASSIGN = `mutation AssignResource($contactId: ID!, $resourceId: ID!, $permissions: [String!]!) {
  assignResource(contactId: $contactId, resourceId: $resourceId, permissions: $permissions) { ${GRANT} ${ERRORS} } }`;
const UPDATE = `mutation UpdateResourcePermissions($contactId: ID!, $resourceId: ID!, $permissions: [String!]!) {
  updateResourcePermissions(contactId: $contactId, resourceId: $resourceId, permissions: $permissions) { ${GRANT} ${ERRORS} } }`;
const UNASSIGN = `mutation UnassignResource($contactId: ID!, $resourceId: ID!) {
  unassignResource(contactId: $contactId, resourceId: $resourceId) { ${ERRORS} } }`;

function resourceLabel(resource) {
  return `${resource.name}${resource.alias ? ` (${resource.alias})` : ""} · ${resource.kind}`;
}

/** Checkboxes for the vocabulary's permissions; `requires` shown as a hint. */
function permissionBoxes(texts, vocabulary, checked, legend) {
  const boxes = vocabulary.map((rule) => {
    const id = uniqueId(`permission-${rule.name}`);
    return h("div", { class: "field-checkbox" },
      h("input", { type: "checkbox", id, value: rule.name, checked: checked.includes(rule.name) }),
      h("label", { for: id }, rule.name, rule.requires.length ? h("span", { class: "muted" }, ` (${texts.t("resources.requires", { names: rule.requires.join(", ") })})`) : ""));
  });
  const fieldset = h("fieldset", { class: "field permissions" }, h("legend", {}, legend), boxes);
  return { element: fieldset, values: () => [...fieldset.querySelectorAll("input:checked")].map((box) => box.value) };
}

export function resourcesSection(page, contact) {
  const { texts } = page;
  const area = h("div", { "aria-live": "polite" }, h("p", {}, texts.t("table.loading")));
  const outcome = h("div", {});
  const canWrite = page.can("CONTACTS_WRITE");

  async function load() {
    const { data, errors } = await api.request(GRANTS, { contactId: contact.id });
    if (!data) {
      replace(area, notice("error", h("p", {}, texts.error(errors[0] || { code: "UNEXPECTED" }, "contactResources"))));
      return;
    }
    const vocabulary = data.permissionVocabulary.resourcePermissions;
    const rows = data.contactResources.map((grant) => {
      const boxes = permissionBoxes(texts, vocabulary, grant.permissions, texts.t("resources.permissionsOf", { name: grant.resource.name }));
      return h("tr", {},
        h("td", {}, grant.resource.url ? h("a", { href: grant.resource.url, rel: "noreferrer noopener", target: "_blank" }, resourceLabel(grant.resource)) : resourceLabel(grant.resource)),
        h("td", {}, canWrite ? boxes.element : grant.permissions.join(", ")),
        h("td", {}, canWrite ? [
          actionButton(texts.t("resources.save"), async () => {
            const { payload, errors: failed } = await api.mutate(UPDATE, { contactId: contact.id, resourceId: grant.resource.id, permissions: boxes.values() }, "updateResourcePermissions");
            showOutcome(texts, outcome, failed, "updateResourcePermissions", failed.length ? null : (payload.warning || texts.t("resources.saved")));
            if (!failed.length) await load();
          }),
          " ",
          actionButton(texts.t("resources.unassign"), async () => {
            if (!(await confirmDialog({ texts, title: texts.t("resources.unassign"), message: texts.t("resources.unassign.confirm", { name: grant.resource.name }), confirmLabel: texts.t("resources.unassign"), danger: true }))) return;
            const { errors: failed } = await api.mutate(UNASSIGN, { contactId: contact.id, resourceId: grant.resource.id }, "unassignResource");
            showOutcome(texts, outcome, failed, "unassignResource", failed.length ? null : texts.t("resources.unassigned"));
            if (!failed.length) await load();
          }, { className: "button danger" }),
        ] : ""));
    });
    const table = rows.length
      ? h("table", { class: "grants" }, h("caption", { class: "visually-hidden" }, texts.t("resources.title")),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, texts.t("resources.resource")), h("th", { scope: "col" }, texts.t("resources.permissions")), h("th", { scope: "col" }, texts.t("table.actions")))),
          h("tbody", {}, rows))
      : h("p", { class: "table-empty" }, texts.t("resources.none"));
    redraw(area, table, canWrite ? assignForm(vocabulary) : null);
  }

  function assignForm(vocabulary) {
    const boxes = permissionBoxes(texts, vocabulary, [], texts.t("resources.permissions"));
    const searchId = uniqueId("resource-search");
    const search = h("input", { id: searchId, type: "search", autocomplete: "off" });
    const form = new Form({
      texts,
      operation: "assignResource",
      submitLabel: texts.t("resources.assign"),
      intro: [h("h3", {}, texts.t("resources.assign")),
        h("div", { class: "field" }, h("label", { for: searchId }, texts.t("resources.search")), search)],
      fields: [{ name: "resourceId", type: "select", label: texts.t("resources.resource"), required: true, options: [{ value: "", label: texts.t("resources.choose") }] }],
      async onSubmit(values, self) {
        const { payload, errors } = await api.mutate(ASSIGN, { contactId: contact.id, resourceId: values.resourceId, permissions: boxes.values() }, "assignResource");
        if (errors.length) return errors.map((error) => (error.field === "resourceId" || !error.field ? error : { ...error, field: null }));
        showOutcome(texts, outcome, [], "assignResource", payload.warning || texts.t("resources.assigned"));
        self.element.reset();
        await load();
        return [];
      },
    });
    form.element.insertBefore(boxes.element, form.alert);
    const select = form.inputOf("resourceId");
    let timer = null;
    async function find() {
      const { data } = await api.request(FIND, { search: search.value.trim() || null });
      const found = data ? data.resources.nodes : [];
      replace(select, h("option", { value: "" }, texts.t(found.length ? "resources.choose" : "resources.noneFound")),
        found.map((resource) => h("option", { value: resource.id }, resourceLabel(resource))));
    }
    search.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(find, 300);
    });
    find();
    return form.element;
  }

  load();
  return [area, outcome];
}
