// The chrome every page shares: a skip link, a header with the portal's name, navigation and
// a language switcher, one <main> landmark whose <h1> names the page, and a footer. Notices
// (success, information, error) are text with an icon and a role, never colour alone.

import { h, replace } from "./dom.js";
import { LANGUAGES } from "./i18n.js";

/**
 * Build the page chrome into `root`.
 * options: texts, portalName, homeHref, nav (nodes), onLanguage(language) (shows the switcher),
 * banner (node above the header, e.g. the support session banner).
 * Returns {main, setTitle(title), setBanner(node)}.
 */
export function shell(root, { texts, portalName, homeHref = "/", nav = null, onLanguage = null, banner = null }) {
  document.documentElement.lang = texts.language;
  const main = h("main", { id: "main", tabindex: "-1" });
  const heading = h("h1", { id: "page-title" });
  const bannerSlot = h("div", { class: "banner-slot" }, banner);
  const switcher = onLanguage
    ? h("nav", { class: "language-switch", "aria-label": texts.t("shell.language") },
        LANGUAGES.map((language) =>
          h("button", {
            type: "button", lang: language, class: "link-button",
            "aria-pressed": language === texts.language ? "true" : "false",
            onclick: () => language !== texts.language && onLanguage(language),
          }, texts.t(`language.${language}`)),
        ))
    : null;
  replace(
    root,
    h("a", { class: "skip-link", href: "#main" }, texts.t("shell.skip")),
    bannerSlot,
    h("header", { class: "site-header" },
      h("a", { class: "site-name", href: homeHref }, portalName),
      h("div", { class: "site-tools" }, nav, switcher)),
    h("div", { class: "page" }, heading, main),
    h("footer", { class: "site-footer" }, h("p", {}, portalName)),
  );
  return {
    main,
    setTitle(title) {
      heading.textContent = title;
      document.title = `${title} - ${portalName}`;
    },
    setBanner(node) {
      replace(bannerSlot, node);
    },
  };
}

const ICONS = { success: "✓", info: "ℹ", error: "⚠", warning: "⚠" };

/** A notice: kind is success, info, warning or error; errors are announced at once. */
export function notice(kind, ...content) {
  return h(
    "div",
    { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "icon", "aria-hidden": "true" }, ICONS[kind] || ""),
    h("div", { class: "notice-body" }, content),
  );
}

/** Move focus to `element` (e.g. a notice after a page change) so it is read out. */
export function focusOn(element) {
  if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
  element.focus();
}
