// /console/duplicates: pairs of contacts that may be one person, best first. Merge (choose the
// record that survives and, field by field, the values it keeps; the API fills empty fields from
// the other and moves history, tags, groups, resources, consent and the login over) or dismiss
// the pair as "not duplicates".
import { h, replace, uniqueId } from "../../shared/dom.js";
import { openDialog } from "../../shared/dialog.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { pagedTable } from "../../shared/table.js";
import { api } from "../api.js";
import { startConsolePage } from "../app.js";
import { DISMISS_DUPLICATE, DUPLICATES, MERGE_CONTACTS, UPDATE_CONTACT_VALUES } from "../operations/documents.js";
import { contactName } from "../portal-users/manage.js";

const FIELDS = ["salutation", "title", "firstName", "lastName", "companyName", "email", "street", "postalCode", "city", "country", "phone1", "mobile", "dateOfBirth"];

function shown(value) {
  return value === null || value === undefined ? "" : String(value);
}

/** The values the surviving record must be given so it ends with the chosen ones. */
export function changesFor(target, chosen) {
  const input = {};
  for (const [field, value] of Object.entries(chosen)) {
    if (shown(value) !== shown(target[field]) && shown(value) !== "") input[field] = value;
  }
  return input;
}

function mergeDialog(page, pair, done) {
  const { texts } = page;
  const records = { first: pair.first, second: pair.second };
  const name = uniqueId("survivor");
  const loginsId = uniqueId("logins");
  const alert = h("div", { role: "alert" });
  const differing = FIELDS.filter((field) => shown(pair.first[field]) !== shown(pair.second[field]));
  const survivor = h("fieldset", { class: "field field-radio" }, h("legend", {}, texts.t("duplicates.survivor")),
    h("p", { class: "field-hint" }, texts.t("duplicates.survivor.hint")),
    ["first", "second"].map((key) => h("label", { class: "radio" },
      h("input", { type: "radio", name, value: key, checked: key === "first" }),
      ` ${contactName(records[key])} (${records[key].customerNumber})`)));
  const rows = differing.map((field) => {
    const group = uniqueId(`value-${field}`);
    return h("tr", {},
      h("th", { scope: "row" }, texts.t(`duplicates.field.${field}`)),
      ["first", "second"].map((key) => h("td", {}, h("label", { class: "radio" },
        h("input", {
          type: "radio", name: group, value: key, dataset: { field },
          checked: key === (shown(pair.first[field]) ? "first" : "second"),
          "aria-label": `${texts.t(`duplicates.field.${field}`)}: ${shown(records[key][field]) || texts.t("duplicates.empty")}`,
        }),
        " ", shown(records[key][field]) || h("span", { class: "muted" }, texts.t("duplicates.empty"))))));
  });
  const values = differing.length
    ? h("div", { class: "table-wrap" }, h("table", {},
        h("caption", {}, texts.t("duplicates.values")),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, texts.t("duplicates.field")),
          ["first", "second"].map((key) => h("th", { scope: "col" }, `${contactName(records[key])} (${records[key].customerNumber})`)))),
        h("tbody", {}, rows)))
    : h("p", {}, texts.t("duplicates.sameValues"));
  const logins = h("div", { class: "field field-checkbox" }, h("input", { type: "checkbox", id: loginsId }),
    h("label", { for: loginsId }, texts.t("duplicates.mergeLogins")));
  const body = h("div", {}, survivor, values, logins, alert);

  async function merge() {
    replace(alert);
    const targetKey = body.querySelector(`input[name="${name}"]:checked`).value;
    const target = records[targetKey];
    const source = records[targetKey === "first" ? "second" : "first"];
    const chosen = {};
    for (const input of body.querySelectorAll("input[data-field]:checked")) {
      chosen[input.dataset.field] = records[input.value][input.dataset.field];
    }
    const changes = changesFor(target, chosen);
    if (Object.keys(changes).length) {
      const updated = await api.mutate(UPDATE_CONTACT_VALUES, { input: { id: target.id, version: target.version, ...changes } }, "updateContact");
      if (updated.errors.length) {
        replace(alert, notice("error", updated.errors.map((error) => h("p", {}, texts.error(error, "updateContact")))));
        return;
      }
    }
    const merged = await api.mutate(MERGE_CONTACTS, {
      targetId: target.id, sourceIds: [source.id], mergeLogins: body.querySelector(`#${loginsId}`).checked,
    }, "mergeContacts");
    if (merged.errors.length) {
      replace(alert, notice("error", merged.errors.map((error) => h("p", {}, texts.error(error, "mergeContacts")))));
      return;
    }
    dialog.close();
    done(texts.t("duplicates.merged", { name: contactName(target), number: target.customerNumber }));
  }

  const dialog = openDialog({
    texts, title: texts.t("duplicates.merge.title"), body, wide: true,
    actions: [actionButton(texts.t("duplicates.merge"), merge, { className: "button danger" })],
  });
}

startConsolePage({
  nav: "duplicates",
  permission: "CONTACTS_READ",
  catalogues: ["operations"],
  async render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("duplicates.title"));
    const messages = h("div", {});
    const say = (kind, text) => {
      const shownNotice = notice(kind, h("p", {}, text));
      replace(messages, shownNotice);
      focusOn(shownNotice);
    };
    const done = (text) => {
      say("success", text);
      table.reload();
    };
    const describe = (contact) => [
      h("a", { href: `/console/contact?id=${encodeURIComponent(contact.id)}` }, `${contactName(contact)} (${contact.customerNumber})`),
      h("br"), h("span", { class: "muted" }, [contact.email, [contact.postalCode, contact.city].filter(Boolean).join(" "), contact.phone1 || contact.mobile].filter(Boolean).join(" · ")),
    ];
    const columns = [
      { key: "first", label: texts.t("duplicates.first"), render: (p) => describe(p.first) },
      { key: "second", label: texts.t("duplicates.second"), render: (p) => describe(p.second) },
      { key: "why", label: texts.t("duplicates.reasons"), render: (p) => [`${p.score} %`, h("br"),
        p.reasons.map((reason) => (texts.has(`duplicates.reason.${reason}`) ? texts.t(`duplicates.reason.${reason}`) : reason)).join(", ")] },
      { key: "actions", label: texts.t("table.actions"), render: (pair) => h("div", { class: "actions" },
        page.can("CONTACTS_DELETE")
          ? h("button", { type: "button", class: "button primary", onclick: () => mergeDialog(page, pair, done) }, texts.t("duplicates.merge"))
          : null,
        page.can("CONTACTS_WRITE")
          ? actionButton(texts.t("duplicates.dismiss"), async () => {
              const { errors } = await api.mutate(DISMISS_DUPLICATE, { firstId: pair.first.id, secondId: pair.second.id }, "dismissDuplicate");
              if (errors.length) say("error", texts.error(errors[0], "dismissDuplicate"));
              else done(texts.t("duplicates.dismissed"));
            })
          : null) },
    ];
    const table = pagedTable({
      texts, caption: texts.t("duplicates.title"), columns, emptyText: texts.t("duplicates.none"),
      async load(after) {
        const { data, errors } = await api.request(DUPLICATES, { after });
        return { connection: data && data.duplicateCandidates, errors };
      },
    });
    main.append(h("p", {}, texts.t("duplicates.intro")), messages, table.element);
    await table.reload();
  },
});
