// What the business shares with the customer and knows about them: overview, resources,
// portal functions, newsletter consent, history (with support's visits), and the export.
import { h, replace } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, EXPORT_MY_DATA, SUBSCRIBE_NEWSLETTER, UNSUBSCRIBE_NEWSLETTER } from "../api.js";
import { accountCall, known, section } from "./common.js";

function facts(rows) {
  return h("dl", { class: "facts" }, rows.filter(([, value]) => value).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

export function overviewSection(page, viewer) {
  const { texts } = page;
  const contact = viewer.contact;
  const info = contact.quickInfo || {};
  const name = [contact.title, contact.firstName, contact.lastName].filter(Boolean).join(" ");
  const revenue = (info.totalRevenue || []).map((money) => texts.money(money)).join(", ");
  return section("overview", texts.t("overview.title"), facts([
    [texts.t("overview.name"), name],
    [texts.t("field.companyName"), contact.companyName],
    [texts.t("overview.customerNumber"), contact.customerNumber],
    [texts.t("overview.login"), viewer.email],
    [texts.t("overview.registeredAt"), texts.date(info.registeredAt)],
    [texts.t("overview.lastLogin"), texts.dateTime(viewer.lastLoginAt)],
    [texts.t("overview.groups"), contact.groups.join(", ")],
    [texts.t("overview.revenue"), revenue],
  ]));
}

function resourceLink(resource) {
  const url = resource.url && /^https?:\/\//i.test(resource.url) ? resource.url : resource.url ? `https://${resource.url}` : null;
  return url ? h("a", { href: url, rel: "noopener noreferrer" }, resource.alias || resource.name) : resource.alias || resource.name;
}

export function resourcesSection(page, viewer) {
  const { texts } = page;
  const body = viewer.resources.length
    ? h("div", { class: "table-wrap" }, h("table", {},
        h("caption", { class: "muted" }, texts.t("resources.caption")),
        h("thead", {}, h("tr", {}, ["resources.name", "resources.kind", "resources.permissions"].map((key) => h("th", { scope: "col" }, texts.t(key))))),
        h("tbody", {}, viewer.resources.map(({ resource, permissions }) => h("tr", {},
          h("td", {}, resourceLink(resource)),
          h("td", {}, known(texts, "resourceKind", resource.kind)),
          h("td", {}, permissions.map((permission) => known(texts, "permission", permission)).join(", ")))))))
    : h("p", { class: "muted" }, texts.t("resources.none"));
  const functions = viewer.permissions.length
    ? h("ul", {}, viewer.permissions.map((feature) => h("li", {}, known(texts, "feature", feature))))
    : h("p", { class: "muted" }, texts.t("functions.none"));
  return section("resources", texts.t("resources.title"), body, h("h3", {}, texts.t("functions.title")), functions);
}

export function newsletterSection(page, contact) {
  const { texts } = page;
  const area = h("div", {});
  const draw = (confirmed, message = null) => {
    const toggle = confirmed
      ? actionButton(texts.t("newsletter.unsubscribe"), () => change(UNSUBSCRIBE_NEWSLETTER, "unsubscribeFromNewsletter"))
      : actionButton(texts.t("newsletter.subscribe"), () => change(SUBSCRIBE_NEWSLETTER, "subscribeToNewsletter"));
    replace(area,
      h("p", {}, h("strong", {}, texts.t(confirmed ? "newsletter.on" : "newsletter.off"))),
      h("div", { class: "actions" }, toggle),
      message);
    if (message) focusOn(message);
  };
  async function change(document, name) {
    const { payload, errors } = await accountCall(document, {}, name);
    if (errors.length) {
      draw(contact.newsletterConfirmed, notice(errors[0].code === "ALREADY_CONFIRMED" ? "info" : "error", h("p", {}, texts.error(errors[0], name))));
      return;
    }
    contact.newsletterConfirmed = payload.contact.newsletterConfirmed;
    draw(contact.newsletterConfirmed, notice("success", h("p", {}, texts.t(name === "subscribeToNewsletter" ? "newsletter.sent" : "newsletter.stopped"))));
  }
  draw(contact.newsletterConfirmed);
  return section("newsletter", texts.t("newsletter.title"), h("p", {}, texts.t("newsletter.intro")), area);
}

/** A system entry's description in the reader's language ("Viewed by support" and others). */
function describe(texts, entry) {
  const key = `history.text.${entry.description}`;
  return texts.has(key) ? texts.t(key) : entry.description;
}

export function historySection(page, contact) {
  const { texts } = page;
  const body = contact.history.length
    ? h("div", { class: "table-wrap" }, h("table", {},
        h("caption", { class: "muted" }, texts.t("history.caption")),
        h("thead", {}, h("tr", {}, ["history.when", "history.source", "history.what", "history.amount"].map((key) => h("th", { scope: "col" }, texts.t(key))))),
        h("tbody", {}, contact.history.map((entry) => h("tr", { class: entry.source === "support" ? "by-support" : null },
          h("td", {}, texts.dateTime(entry.occurredAt)),
          h("td", {}, entry.source === "support" ? h("span", { class: "badge" }, texts.t("history.support")) : known(texts, "source", entry.source)),
          h("td", {}, describe(texts, entry)),
          h("td", {}, entry.revenue ? texts.money(entry.revenue) : ""))))))
    : h("p", { class: "muted" }, texts.t("history.none"));
  return section("history", texts.t("history.title"), body);
}

export function exportSection(page) {
  const { texts } = page;
  const result = h("div", {});
  return section("export", texts.t("export.title"),
    h("p", {}, texts.t("export.intro")),
    h("div", { class: "actions" }, actionButton(texts.t("export.submit"), async () => {
      const { data, errors } = await api.request(EXPORT_MY_DATA);
      if (errors.length) {
        const shown = notice("error", h("p", {}, texts.error(errors[0], "exportMyData")));
        replace(result, shown);
        focusOn(shown);
        return;
      }
      const file = new Blob([JSON.stringify(data.exportMyData, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(file), download: "my-data.json" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      replace(result, notice("success", h("p", {}, texts.t("export.done"))));
    })),
    result);
}
