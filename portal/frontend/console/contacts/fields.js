// The contact's master data fields, shared by "new contact" and "edit master data": the input
// names are the API's (CreateContactInput / UpdateContactInput), so typed errors land at them.

/** Languages offered in the select (the API takes any ISO 639-1 code; these are the common ones). */
const LANGUAGES = ["de", "en", "fr", "it", "es", "nl", "pl", "tr"];

export const TEXT_FIELDS = [
  ["salutation", "text", "honorific-prefix"],
  ["title", "text", "off"],
  ["firstName", "text", "off"],
  ["lastName", "text", "off"],
  ["companyName", "text", "off"],
  ["street", "text", "off"],
  ["postalCode", "text", "off"],
  ["city", "text", "off"],
  ["country", "text", "off"],
  ["email", "email", "off"],
  ["phone1", "tel", "off"],
  ["phone2", "tel", "off"],
  ["mobile", "tel", "off"],
  ["fax", "tel", "off"],
  ["website", "url", "off"],
  ["dateOfBirth", "date", "off"],
];

/** Form field specs for the master data, filled from `contact` (or empty for a new one). */
export function masterDataFields(texts, contact = null, { only = null } = {}) {
  const value = (name) => (contact && contact[name] !== null && contact[name] !== undefined ? contact[name] : "");
  const fields = TEXT_FIELDS
    .filter(([name]) => !only || only.includes(name))
    .map(([name, type, autocomplete]) => ({
      name, type, autocomplete, label: texts.t(`contact.field.${name}`), value: value(name),
      maxlength: name === "country" ? 2 : null,
      hint: name === "country" ? texts.t("contact.field.country.hint") : null,
    }));
  const language = value("language") || "de";
  const languages = LANGUAGES.includes(language) ? LANGUAGES : [...LANGUAGES, language];
  fields.push(
    { name: "language", type: "select", label: texts.t("contact.field.language"), value: language,
      options: languages.map((code) => ({ value: code, label: texts.has(`language.${code}`) ? texts.t(`language.${code}`) : code })) },
    { name: "formality", type: "radio", label: texts.t("contact.field.formality"), value: value("formality") || "FORMAL",
      options: [{ value: "FORMAL", label: texts.t("contact.formality.formal") }, { value: "INFORMAL", label: texts.t("contact.formality.informal") }] },
  );
  return fields;
}

/** The input object for the API from the form's values: text fields as entered (trimmed). */
export function masterDataInput(values) {
  const input = {};
  for (const [name] of TEXT_FIELDS) {
    if (name in values) input[name] = String(values[name] || "").trim();
  }
  if (input.dateOfBirth === "") input.dateOfBirth = null;
  if ("language" in values) input.language = values.language;
  if ("formality" in values) input.formality = values.formality;
  return input;
}

/** "Dr. Anna Beispiel" / "Beispiel GmbH" / the customer number: how a contact is named in lists. */
export function contactName(contact) {
  const person = [contact.title, contact.firstName, contact.lastName].filter(Boolean).join(" ");
  return person || contact.companyName || contact.customerNumber;
}

const LIST_URL = "portal.console.contactsUrl";

/** The contacts list with the filters last used in this tab (for "back to the contacts"). */
export function rememberListUrl(url) {
  try {
    window.sessionStorage.setItem(LIST_URL, url);
  } catch {
    // No storage: the back link opens the unfiltered list.
  }
}

export function listUrl() {
  try {
    const url = window.sessionStorage.getItem(LIST_URL);
    return url && /^\/console(\?|$)/.test(url) ? url : "/console";
  } catch {
    return "/console";
  }
}
