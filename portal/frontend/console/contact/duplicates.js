// Other contacts that may be the same person: the same email address, or the same first and
// last name (the contacts list's search, which reads an index). Merging is on the duplicates
// screen.
import { h, replace } from "../../shared/dom.js";
import { api } from "../api.js";
import { contactName } from "../contacts/fields.js";

const SEARCH = `query PossibleDuplicates($byEmail: ContactFilterInput!, $byName: ContactFilterInput!, $withEmail: Boolean!, $withName: Boolean!) {
  byEmail: contacts(filter: $byEmail, first: 10) @include(if: $withEmail) { nodes { id customerNumber firstName lastName title companyName email city isActive } }
  byName: contacts(filter: $byName, first: 10) @include(if: $withName) { nodes { id customerNumber firstName lastName title companyName email city isActive } } }`;

export function duplicatesSection(page, contact) {
  const { texts } = page;
  const area = h("div", { "aria-live": "polite" }, h("p", {}, texts.t("table.loading")));
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(" ");
  (async () => {
    const variables = {
      byEmail: { search: contact.email || "", includeInactive: true },
      byName: { search: name, includeInactive: true },
      withEmail: Boolean(contact.email), withName: Boolean(contact.firstName && contact.lastName),
    };
    const { data, errors } = await api.request(SEARCH, variables);
    if (!data) {
      replace(area, h("p", {}, texts.error(errors[0] || { code: "UNEXPECTED" }, "contacts")));
      return;
    }
    const seen = new Map();
    for (const found of [...((data.byEmail || {}).nodes || []), ...((data.byName || {}).nodes || [])]) {
      const sameEmail = contact.email && found.email && found.email.toLowerCase() === contact.email.toLowerCase();
      const sameName = found.firstName.toLowerCase() === contact.firstName.toLowerCase() && found.lastName.toLowerCase() === contact.lastName.toLowerCase();
      if (found.id !== contact.id && (sameEmail || sameName)) seen.set(found.id, { found, sameEmail, sameName });
    }
    const rows = [...seen.values()];
    replace(area, rows.length
      ? h("ul", {}, rows.map(({ found, sameEmail, sameName }) => h("li", {},
          h("a", { href: `/console/contact?id=${encodeURIComponent(found.id)}` }, `${contactName(found)} (${found.customerNumber})`),
          ` – ${[found.email, found.city].filter(Boolean).join(", ")} – `,
          [sameEmail ? texts.t("duplicates.sameEmail") : null, sameName ? texts.t("duplicates.sameName") : null].filter(Boolean).join(", "),
          found.isActive ? "" : ` (${texts.t("contacts.inactive")})`)))
      : h("p", { class: "muted" }, texts.t("duplicates.none")),
    h("p", {}, h("a", { href: "/console/duplicates" }, texts.t("duplicates.all"))));
  })();
  return area;
}
