// Starting a customer page: portal facts, the reader's language and form of address, the page
// chrome, then the page's own render function.
//
// Language: once logged in, the contact's language and form of address (Sie/Du); before, the
// language chosen with the switcher on this device, else the browser's, else the portal's
// default. German before login is formal (Sie).

import { h } from "../shared/dom.js";
import { browserLanguage, loadTexts, storeLanguage, storedLanguage } from "../shared/i18n.js";
import { notice, shell } from "../shared/shell.js";
import { api, LOG_OUT, PORTAL_INFO, SIGNED_IN } from "./api.js";

const CATALOGUES = ["/assets/shared/i18n", "/assets/customer/i18n"];

/** Go to `path` (a page of this portal) with an optional message code for the next page. */
export function go(path, done = null) {
  const url = new URL(path, window.location.origin);
  if (done) url.searchParams.set("done", done);
  window.location.assign(url.pathname + url.search);
}

/** Only same-origin paths are followed after login (no open redirect). */
export function safeNext(value, fallback = "/account") {
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : fallback;
}

async function logOut() {
  await api.mutate(LOG_OUT, {}, "logOut");
  go("/login", "logged-out");
}

/**
 * options: signedIn: "required" (the account: anonymous readers go to the login page),
 * "redirect" (login and register: signed-in readers go to the account), or "ignore";
 * viewerQuery: the document whose `viewer` the page needs (default: a small one);
 * render(page): draws the page; page = {texts, info, viewer, main, setTitle, setBanner, rerender}.
 */
export async function startPage({ signedIn = "ignore", viewerQuery = SIGNED_IN, render }) {
  const root = document.getElementById("app");
  const portalName = root.dataset.portalName || "";
  const wantsViewer = signedIn !== "ignore";
  const [infoResult, viewerResult] = await Promise.all([
    api.request(PORTAL_INFO),
    wantsViewer ? api.request(viewerQuery) : Promise.resolve(null),
  ]);
  const info = (infoResult.data && infoResult.data.portalInfo) || {
    name: portalName, defaultLanguage: document.documentElement.lang || "de", secondIdentifiers: [],
  };
  const viewer = viewerResult && viewerResult.data ? viewerResult.data.viewer : null;
  if (signedIn === "redirect" && viewer) {
    window.location.replace("/account");
    return;
  }
  if (signedIn === "required" && !viewer) {
    const next = encodeURIComponent(window.location.pathname);
    const expired = viewerResult.errors.some((error) => error.code === "UNAUTHENTICATED");
    window.location.replace(`/login?next=${next}${expired ? "" : "&done=unavailable"}`);
    return;
  }

  async function draw(language, formality) {
    const texts = await loadTexts(CATALOGUES, language, formality);
    const nav = viewer
      ? h("nav", { class: "site-nav", "aria-label": texts.t("shell.navigation") },
          h("a", { href: "/account" }, texts.t("nav.account")),
          h("button", { type: "button", class: "link-button", onclick: logOut }, texts.t("nav.logOut")))
      : h("nav", { class: "site-nav", "aria-label": texts.t("shell.navigation") },
          h("a", { href: "/login" }, texts.t("nav.logIn")),
          h("a", { href: "/register" }, texts.t("nav.register")));
    const chrome = shell(root, {
      texts,
      portalName: info.name || portalName,
      nav,
      onLanguage: viewer ? null : (chosen) => {
        storeLanguage(chosen);
        draw(chosen, "formal");
      },
    });
    if (infoResult.errors.length) {
      chrome.main.append(notice("error", h("p", {}, texts.error(infoResult.errors[0], "portalInfo"))));
    }
    await render({
      texts, info, viewer, main: chrome.main, setTitle: chrome.setTitle, setBanner: chrome.setBanner,
      rerender: (nextLanguage, nextFormality) => draw(nextLanguage, nextFormality),
    });
  }

  const contact = viewer && viewer.contact;
  const language = contact ? contact.language || viewer.language : storedLanguage() || browserLanguage(info.defaultLanguage);
  await draw(language === "en" ? "en" : "de", contact ? contact.formality : "formal");
}

/** The message a page shows for ?done=<code> (after a redirect), if it knows one. */
export function doneNotice(texts) {
  const done = new URLSearchParams(window.location.search).get("done");
  if (!done || !/^[a-z-]+$/.test(done) || !texts.has(`done.${done}`)) return null;
  return notice(done === "unavailable" ? "error" : "success", h("p", {}, texts.t(`done.${done}`)));
}
