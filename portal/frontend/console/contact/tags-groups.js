// The contact's groups (chosen from the portal's groups) and tags (free words; central tags are
// managed centrally: marked, and the API refuses to change them here).
import { h, replace, uniqueId } from "../../shared/dom.js";
import { actionButton, Form } from "../../shared/forms.js";
import { api, ERRORS } from "../api.js";
import { redraw, showOutcome } from "./common.js";

const CHOICES = `query TagsAndGroups($id: ID!) {
  contact(id: $id) { groups { id name } tags { id name isCentral } }
  contactGroups { id name description } tags { id name isCentral } }`;
const SET_GROUPS = `mutation SetContactGroups($contactId: ID!, $groupIds: [ID!]!) {
  setContactGroups(contactId: $contactId, groupIds: $groupIds) { contact { id } ${ERRORS} } }`;
const ADD_TAGS = `mutation AddTags($contactId: ID!, $tags: [String!]!) { addTags(contactId: $contactId, tags: $tags) { contact { id } ${ERRORS} } }`;
const REMOVE_TAGS = `mutation RemoveTags($contactId: ID!, $tags: [String!]!) { removeTags(contactId: $contactId, tags: $tags) { contact { id } ${ERRORS} } }`;

export function tagsGroupsSection(page, contact) {
  const { texts } = page;
  const area = h("div", {}, h("p", {}, texts.t("table.loading")));
  const outcome = h("div", {});
  const canWrite = page.can("CONTACTS_WRITE");

  async function load() {
    const { data, errors } = await api.request(CHOICES, { id: contact.id });
    if (!data || !data.contact) {
      showOutcome(texts, outcome, errors.length ? errors : [{ code: "NOT_FOUND" }], "contact");
      return;
    }
    const mine = new Set(data.contact.groups.map((group) => group.id));
    const groupBoxes = data.contactGroups.map((group) => {
      const id = uniqueId("group");
      return h("div", { class: "field-checkbox" },
        h("input", { type: "checkbox", id, value: group.id, checked: mine.has(group.id), disabled: !canWrite }),
        h("label", { for: id }, group.name, group.description ? h("span", { class: "muted" }, ` – ${group.description}`) : ""));
    });
    const groups = h("fieldset", { class: "field" }, h("legend", {}, texts.t("groups.title")),
      groupBoxes.length ? groupBoxes : h("p", { class: "muted" }, texts.t("groups.none")),
      canWrite && groupBoxes.length ? h("div", { class: "actions" }, actionButton(texts.t("groups.save"), async () => {
        const groupIds = [...groups.querySelectorAll("input:checked")].map((box) => box.value);
        const { errors: failed } = await api.mutate(SET_GROUPS, { contactId: contact.id, groupIds }, "setContactGroups");
        showOutcome(texts, outcome, failed, "setContactGroups", failed.length ? null : texts.t("groups.saved"));
      })) : null);

    const tagList = h("ul", { class: "tag-list", "aria-label": texts.t("tags.title") },
      data.contact.tags.map((tag) => h("li", {},
        h("span", { class: "badge" }, tag.name),
        tag.isCentral ? h("span", { class: "muted" }, ` ★ ${texts.t("tags.central")}`) : "",
        canWrite && !tag.isCentral ? [" ", actionButton(texts.t("tags.remove", { name: tag.name }), async () => {
          const { errors: failed } = await api.mutate(REMOVE_TAGS, { contactId: contact.id, tags: [tag.name] }, "removeTags");
          showOutcome(texts, outcome, failed, "removeTags", failed.length ? null : texts.t("tags.removed", { name: tag.name }));
          if (!failed.length) await load();
        }, { className: "link-button" })] : "")));
    const listId = uniqueId("known-tags");
    const addForm = canWrite ? new Form({
      texts,
      operation: "addTags",
      submitLabel: texts.t("tags.add"),
      className: "inline-form",
      fields: [{ name: "tags", label: texts.t("tags.new"), required: true, hint: texts.t("tags.new.hint") }],
      async onSubmit(values) {
        const tags = values.tags.split(",").map((tag) => tag.trim()).filter(Boolean);
        const { errors: failed } = await api.mutate(ADD_TAGS, { contactId: contact.id, tags }, "addTags");
        if (failed.length) return failed.map((error) => ({ ...error, field: "tags" }));
        await load();
        return [];
      },
    }) : null;
    if (addForm) {
      addForm.inputOf("tags").setAttribute("list", listId);
      addForm.element.append(h("datalist", { id: listId }, data.tags.map((tag) => h("option", { value: tag.name }))));
    }
    redraw(area, groups, h("h3", {}, texts.t("tags.title")),
      data.contact.tags.length ? tagList : h("p", { class: "muted" }, texts.t("tags.none")), addForm && addForm.element);
  }

  load();
  return [area, outcome];
}
