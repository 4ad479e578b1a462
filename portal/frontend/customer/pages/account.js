// /account: everything the logged-in customer can see and do. During a support session the
// banner stays on top and the API's refusals show at the form that was refused.
import { h } from "../../shared/dom.js";
import { notice } from "../../shared/shell.js";
import { ACCOUNT, api } from "../api.js";
import { doneNotice, go, startPage } from "../app.js";
import { supportBanner } from "../account/banner.js";
import { exportSection, historySection, newsletterSection, overviewSection, resourcesSection } from "../account/data.js";
import { profileSection } from "../account/profile.js";
import { securitySections } from "../account/security.js";

const SECTIONS = ["overview", "profile", "resources", "newsletter", "history", "email", "password", "sessions", "export", "delete"];

startPage({
  signedIn: "required",
  async render(page) {
    const { texts, main, setTitle, setBanner } = page;
    setTitle(texts.t("account.title"));
    const { data, errors } = await api.request(ACCOUNT);
    if (errors.some((error) => error.code === "UNAUTHENTICATED")) {
      go("/login?next=/account", "session-ended");
      return;
    }
    if (!data || !data.viewer || !data.viewer.contact) {
      main.append(notice("error", h("p", {}, texts.error(errors[0] || { code: "UNEXPECTED" }, "viewer"))));
      return;
    }
    const viewer = data.viewer;
    const contact = viewer.contact;
    setBanner(viewer.impersonation ? supportBanner(page, viewer.impersonation) : null);
    main.append(
      doneNotice(texts) || "",
      h("p", { class: "greeting" }, texts.t("account.greeting", { name: contact.firstName || viewer.email })),
      h("nav", { class: "section-nav", "aria-label": texts.t("account.sections") },
        h("ul", {}, SECTIONS.map((id) => h("li", {}, h("a", { href: `#${id}` }, texts.t(`${id}.title`)))))),
      overviewSection(page, viewer),
      profileSection(page, contact),
      resourcesSection(page, viewer),
      newsletterSection(page, contact),
      historySection(page, contact),
    );
    const [email, password, sessions, remove] = securitySections(page, viewer);
    main.append(email, password, sessions, exportSection(page), remove);
  },
});
