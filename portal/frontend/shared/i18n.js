// Texts in the reader's language and form of address.
//
// Catalogues are JSON files, one per language, flat keys ("login.title"). A German text that
// differs between Sie and Du is an object {"formal": "...", "informal": "..."}; every other
// value is a string. Placeholders are {name}. Error codes have texts under "error.<CODE>",
// optionally refined per operation as "error.<operation>.<CODE>"; a page shows the server's
// English message only for a code no catalogue knows.

export const LANGUAGES = ["de", "en"];
const STORED_LANGUAGE = "portal.language";

/** The first of the browser's languages that we have, else `fallback`. */
export function browserLanguage(fallback) {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of wanted) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return fallback;
}

/** The language chosen with the switcher on this device, if any. */
export function storedLanguage() {
  try {
    const value = window.localStorage.getItem(STORED_LANGUAGE);
    return LANGUAGES.includes(value) ? value : null;
  } catch {
    return null;
  }
}

export function storeLanguage(language) {
  try {
    window.localStorage.setItem(STORED_LANGUAGE, language);
  } catch {
    // Storage may be off (private mode); the choice then lasts for this page only.
  }
}

export class Texts {
  constructor(language, formality, messages) {
    this.language = language;
    // The API answers the enum FormOfAddress (FORMAL, INFORMAL); the catalogues key by lower case.
    this.formality = String(formality || "").toLowerCase() === "informal" ? "informal" : "formal";
    this.messages = messages;
  }

  has(key) {
    return Object.prototype.hasOwnProperty.call(this.messages, key);
  }

  /** The text of `key` with {placeholders} filled from `values`. */
  t(key, values = {}) {
    if (!this.has(key)) {
      console.warn(`missing text: ${this.language} ${key}`);
      return key;
    }
    let text = this.messages[key];
    if (text && typeof text === "object") text = text[this.formality] ?? text.formal;
    return String(text).replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole,
    );
  }

  /** A human message for an API error ({code, message}) of `operation`. */
  error(error, operation) {
    for (const key of [`error.${operation}.${error.code}`, `error.${error.code}`]) {
      if (this.has(key)) return this.t(key);
    }
    return error.message || this.t("error.UNEXPECTED");
  }

  dateTime(iso) {
    return iso ? new Intl.DateTimeFormat(this.locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "";
  }

  date(iso) {
    return iso ? new Intl.DateTimeFormat(this.locale, { dateStyle: "medium" }).format(new Date(iso)) : "";
  }

  /** HH:MM in the reader's time zone. */
  time(iso) {
    return new Intl.DateTimeFormat(this.locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
  }

  money(money) {
    if (!money) return "";
    try {
      return new Intl.NumberFormat(this.locale, { style: "currency", currency: money.currency }).format(Number(money.amount));
    } catch {
      return `${money.amount} ${money.currency}`;
    }
  }

  get locale() {
    return this.language === "de" ? "de-DE" : "en-GB";
  }
}

/** Load and merge the catalogues under each base URL (later ones win) for `language`. */
export async function loadTexts(bases, language, formality) {
  const catalogues = await Promise.all(
    bases.map(async (base) => {
      const response = await fetch(`${base}/${language}.json`, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`cannot load ${base}/${language}.json: ${response.status}`);
      return response.json();
    }),
  );
  return new Texts(language, formality, Object.assign({}, ...catalogues));
}
