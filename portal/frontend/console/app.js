// Starting a console page: who is signed in (`me`), texts in the staff member's language and
// form of address, the page chrome with the navigation, then the page's own render function.
//
// Signed-in pages send anonymous readers to /console/login?next=<this page>, and staff who must
// still enrol a second factor (PORTAL_STAFF_REQUIRE_2FA) to the enrolment on their account page.

import { h } from "../shared/dom.js";
import { browserLanguage, loadTexts, storeLanguage, storedLanguage } from "../shared/i18n.js";
import { notice, shell } from "../shared/shell.js";
import { api, expectSession, ME, STAFF_LOG_OUT } from "./api.js";
import { NAV } from "./nav.js";

const BASE_CATALOGUES = ["/assets/shared/i18n", "/assets/console/i18n"];
export const ENROL_PATH = "/console/account?enrol=1";

/** Go to `path` with an optional message code (?done=) the next page shows. */
export function go(path, done = null) {
  const url = new URL(path, window.location.origin);
  if (done) url.searchParams.set("done", done);
  window.location.assign(url.pathname + url.search);
}

/** Only console paths are followed after login (no open redirect). */
export function safeNext(value, fallback = "/console") {
  return value && /^\/console(?:[/?]|$)/.test(value) ? value : fallback;
}

/** The notice for ?done=<code> after a redirect, if the catalogue knows the code. */
export function doneNotice(texts) {
  const done = new URLSearchParams(window.location.search).get("done");
  if (!done || !/^[a-z-]+$/.test(done) || !texts.has(`done.${done}`)) return null;
  return notice(done === "expired" ? "info" : "success", h("p", {}, texts.t(`done.${done}`)));
}

async function logOut() {
  expectSession(false); // requests still under way now fail as unauthenticated: not a timeout
  await api.mutate(STAFF_LOG_OUT, {}, "staffLogOut");
  go("/console/login", "logged-out");
}

function navigation(texts, me, current) {
  const items = NAV.filter((entry) => !entry.permission || me.permissions.includes(entry.permission));
  return h("nav", { class: "site-nav", "aria-label": texts.t("shell.navigation") },
    items.map((entry) => h("a", { href: entry.href, "aria-current": entry.id === current ? "page" : null }, texts.t(entry.text))),
    h("span", { class: "nav-me" }, me.displayName || me.email),
    h("button", { type: "button", class: "link-button", onclick: logOut }, texts.t("nav.logOut")));
}

/**
 * options: anonymous (true: the login and setup pages, `me` is null); nav (id of the current
 * NAV entry); permission (needed to see the page); catalogues (extra areas under
 * /assets/console/i18n/<area>/); render(page).
 * page = {texts, me, main, setTitle, setBanner, can(permission), go}.
 */
export async function startConsolePage({ anonymous = false, nav = null, permission = null, catalogues = [], render }) {
  document.body.classList.add("console");
  const root = document.getElementById("app");
  const portalName = root.dataset.portalName || "";
  let me = null;
  if (!anonymous) {
    const { data, errors } = await api.request(ME);
    me = data && data.me;
    if (!me) {
      if (errors.some((error) => error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN")) {
        const next = encodeURIComponent(window.location.pathname + window.location.search);
        window.location.replace(`/console/login?next=${next}`);
        return;
      }
    } else if (me.secondFactor.required && !me.secondFactor.enabled && window.location.pathname !== "/console/account") {
      window.location.replace(ENROL_PATH);
      return;
    }
    expectSession(true);
  }
  const bases = [...BASE_CATALOGUES, ...catalogues.map((area) => `/assets/console/i18n/${area}`)];

  async function draw(language, formality) {
    const texts = await loadTexts(bases, language, formality);
    const chrome = shell(root, {
      texts,
      portalName: `${portalName} · ${texts.t("console.name")}`,
      homeHref: "/console",
      nav: me ? navigation(texts, me, nav) : null,
      onLanguage: me ? null : (chosen) => {
        storeLanguage(chosen);
        draw(chosen, "formal");
      },
    });
    const page = {
      texts, me, main: chrome.main, setTitle: chrome.setTitle, setBanner: chrome.setBanner, go,
      can: (wanted) => Boolean(me && me.permissions.includes(wanted)),
    };
    if (!anonymous && !me) {
      chrome.setTitle(texts.t("console.name"));
      chrome.main.append(notice("error", h("p", {}, texts.t("console.unavailable"))));
      return;
    }
    if (permission && !page.can(permission)) {
      chrome.setTitle(texts.t("console.name"));
      chrome.main.append(notice("error", h("p", {}, texts.t("error.FORBIDDEN"))));
      return;
    }
    await render(page);
  }

  const language = me ? me.language : storedLanguage() || browserLanguage(document.documentElement.lang || "de");
  await draw(language === "en" ? "en" : "de", me && me.formality === "INFORMAL" ? "informal" : "formal");
}
