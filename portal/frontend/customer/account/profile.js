// "My data": the contact fields the customer may change (updateMyProfile), and the weekly
// times they may be called.
import { h, uniqueId } from "../../shared/dom.js";
import { Form } from "../../shared/forms.js";
import { UPDATE_PROFILE } from "../api.js";
import { accountCall, section } from "./common.js";

const TEXT_FIELDS = [
  ["salutation", "honorific-prefix"],
  ["title", "off"],
  ["firstName", "given-name"],
  ["lastName", "family-name"],
  ["companyName", "organization"],
  ["street", "street-address"],
  ["postalCode", "postal-code"],
  ["city", "address-level2"],
  ["country", "country"],
  ["phone1", "tel"],
  ["phone2", "tel"],
  ["mobile", "tel"],
];

/** After a change of language or form of address the page is drawn again in the new one. */
async function saved(page, form, contact, changed) {
  if (changed && (changed.language !== contact.language
      || String(changed.formality).toLowerCase() !== contact.formality)) {
    await page.rerender(changed.language, changed.formality);
    const status = document.querySelector("#profile .form-status");
    if (status) status.append(page.texts.t("profile.saved"));
    return;
  }
  form.showStatus(page.texts.t("profile.saved"));
}

function profileForm(page, contact) {
  const { texts } = page;
  const fields = TEXT_FIELDS.map(([name, autocomplete]) => ({
    name, autocomplete, value: contact[name] || "", label: texts.t(`field.${name}`),
    type: name.startsWith("phone") || name === "mobile" ? "tel" : "text",
    hint: name === "country" ? texts.t("field.country.hint") : null,
  }));
  fields.push(
    { name: "language", type: "select", label: texts.t("field.language"), value: contact.language,
      options: [{ value: "de", label: texts.t("language.de") }, { value: "en", label: texts.t("language.en") }] },
    { name: "formality", type: "select", label: texts.t("field.formality"), value: contact.formality,
      hint: texts.t("field.formality.hint"),
      options: [{ value: "FORMAL", label: texts.t("formality.formal") }, { value: "INFORMAL", label: texts.t("formality.informal") }] },
  );
  const form = new Form({
    texts,
    operation: "updateMyProfile",
    submitLabel: texts.t("profile.submit"),
    fields,
    async onSubmit(values) {
      const input = {};
      for (const [name, value] of Object.entries(values)) {
        if (value !== (contact[name] || "")) input[name] = value;
      }
      if (!Object.keys(input).length) {
        form.showStatus(texts.t("profile.unchanged"));
        return [];
      }
      const { payload, errors } = await accountCall(UPDATE_PROFILE, { input }, "updateMyProfile");
      if (errors.length) return errors;
      Object.assign(contact, input);
      await saved(page, form, { language: page.texts.language, formality: page.texts.formality }, payload.contact);
      return [];
    },
  });
  return form.element;
}

function reachabilityForm(page, contact) {
  const { texts } = page;
  const byDay = new Map((contact.reachability || []).map((window) => [window.weekday, window]));
  const rows = [0, 1, 2, 3, 4, 5, 6].map((weekday) => {
    const window = byDay.get(weekday);
    const day = texts.t(`weekday.${weekday}`);
    const id = uniqueId("reach");
    const on = h("input", { type: "checkbox", id: `${id}-on`, checked: Boolean(window) });
    const from = h("input", { type: "time", id: `${id}-from`, value: window ? window.from : "09:00" });
    const to = h("input", { type: "time", id: `${id}-to`, value: window ? window.to : "17:00" });
    return {
      weekday, on, from, to,
      nodes: [
        h("label", { for: `${id}-on` }, day), on,
        h("div", { class: "field" }, h("label", { for: `${id}-from` }, texts.t("reachability.from", { day })), from),
        h("div", { class: "field" }, h("label", { for: `${id}-to` }, texts.t("reachability.to", { day })), to),
      ],
    };
  });
  const form = new Form({
    texts,
    operation: "updateMyProfile",
    submitLabel: texts.t("reachability.submit"),
    intro: [h("p", { class: "muted" }, texts.t("reachability.intro")), h("div", { class: "reachability" }, rows.map((row) => row.nodes))],
    fields: [],
    async onSubmit() {
      const reachability = rows.filter((row) => row.on.checked).map((row) => ({ weekday: row.weekday, from: row.from.value, to: row.to.value }));
      const { errors } = await accountCall(UPDATE_PROFILE, { input: { reachability } }, "updateMyProfile");
      if (errors.length) return errors;
      form.showStatus(texts.t("profile.saved"));
      return [];
    },
  });
  return form.element;
}

export function profileSection(page, contact) {
  const { texts } = page;
  return section("profile", texts.t("profile.title"),
    profileForm(page, contact),
    h("h3", {}, texts.t("reachability.title")),
    reachabilityForm(page, contact));
}
