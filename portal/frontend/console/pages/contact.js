// /console/contact?id=<global id>: one contact. Quick info tiles, then a section per concern;
// the section navigation at the top jumps to each.
import { append, h, queryParam } from "../../shared/dom.js";
import { notice } from "../../shared/shell.js";
import { api } from "../api.js";
import { doneNotice, startConsolePage } from "../app.js";
import { section } from "../contact/common.js";
import { duplicatesSection } from "../contact/duplicates.js";
import { historySection } from "../contact/history.js";
import { masterDataForm } from "../contact/master-data.js";
import { newsletterSection } from "../contact/newsletter.js";
import { portalAccessSection } from "../contact/portal-access.js";
import { privacySection } from "../contact/privacy.js";
import { reachabilitySection } from "../contact/reachability.js";
import { resourcesSection } from "../contact/resources.js";
import { tagsGroupsSection } from "../contact/tags-groups.js";
import { CONTACT } from "../contacts/documents.js";
import { contactName, listUrl } from "../contacts/fields.js";

function tiles(texts, contact) {
  const info = contact.quickInfo;
  const tile = (label, value) => h("li", { class: "tile" }, h("span", { class: "muted" }, label), h("strong", {}, value || "–"));
  return h("ul", { class: "tiles", "aria-label": texts.t("contact.quickInfo") },
    tile(texts.t("contacts.column.portalStatus"), texts.t(`portalStatus.${contact.portalStatus}`)),
    tile(texts.t("contact.registeredAt"), texts.date(info.registeredAt)),
    tile(texts.t("contacts.column.lastVisit"), texts.dateTime(info.lastVisitAt)),
    tile(texts.t("contact.historyCount"), String(info.historyCount)),
    tile(texts.t("contact.lastRevenue"), info.lastRevenue ? `${texts.money(info.lastRevenue)} (${texts.date(info.lastRevenueAt)})` : null),
    tile(texts.t("contact.totalRevenue"), info.totalRevenue.map((money) => texts.money(money)).join(", ")),
    tile(texts.t("contacts.column.optIn"), texts.t(`optIn.${contact.optInState}`)),
    tile(texts.t("contact.reachableNow"), texts.t(contact.reachableNow ? "contact.yes" : "contact.no")));
}

startConsolePage({
  nav: "contacts",
  permission: "CONTACTS_READ",
  catalogues: ["contacts"],
  async render(page) {
    const { texts, main, setTitle } = page;
    const id = queryParam("id");
    const { data, errors } = id ? await api.request(CONTACT, { id }) : { data: null, errors: [] };
    const contact = data && data.contact;
    if (!contact) {
      setTitle(texts.t("contact.title"));
      append(main, [notice("error", h("p", {}, errors.length ? texts.error(errors[0], "contact") : texts.t("contact.notFound"))),
        h("p", {}, h("a", { href: "/console" }, texts.t("contact.back")))]);
      return;
    }
    setTitle(`${contactName(contact)} (${contact.customerNumber})`);
    const sections = [
      ["master-data", texts.t("contact.masterData"), () => page.can("CONTACTS_WRITE")
        ? masterDataForm(page, contact).element
        : h("p", {}, texts.t("error.FORBIDDEN"))],
      ["portal-access", texts.t("access.title"), () => portalAccessSection(page, contact)],
      ["resources", texts.t("resources.title"), () => resourcesSection(page, contact)],
      ["tags-groups", texts.t("tagsGroups.title"), () => tagsGroupsSection(page, contact)],
      ["newsletter", texts.t("newsletter.title"), () => newsletterSection(page, contact)],
      ["reachability", texts.t("reachability.title"), () => reachabilitySection(page, contact)],
      ["history", texts.t("history.title"), () => historySection(page, contact)],
      ["duplicates", texts.t("duplicates.title"), () => duplicatesSection(page, contact)],
      ["privacy", texts.t("privacy.title"), () => privacySection(page, contact)],
    ];
    append(main, [
      doneNotice(texts),
      contact.isActive ? null : notice("warning", h("p", {}, texts.t("contact.inactiveNotice"))),
      h("p", {}, h("a", { href: listUrl() }, texts.t("contact.back"))),
      tiles(texts, contact),
      h("nav", { class: "section-nav", "aria-label": texts.t("contact.sections") },
        h("ul", {}, sections.map(([sectionId, title]) => h("li", {}, h("a", { href: `#${sectionId}` }, title))))),
      sections.map(([sectionId, title, build]) => section(sectionId, title, build())),
    ]);
  },
});
