// Exports as the console offers them: the file's dialect (delimiter, header language, BOM) and
// how it arrives (a download link now, or zipped by email; AUTO mails above the server's
// threshold), then the outcome at the form.
import { h, replace } from "../../shared/dom.js";
import { Form } from "../../shared/forms.js";
import { notice } from "../../shared/shell.js";
import { api } from "../api.js";

export function exportFields(texts) {
  return [
    { name: "delimiter", type: "select", label: texts.t("export.delimiter"), value: texts.language === "de" ? ";" : ",",
      options: [{ value: ";", label: texts.t("export.delimiter.semicolon") }, { value: ",", label: texts.t("export.delimiter.comma") }] },
    { name: "language", type: "select", label: texts.t("export.language"), value: texts.language,
      options: [{ value: "de", label: texts.t("language.de") }, { value: "en", label: texts.t("language.en") }] },
    { name: "bom", type: "checkbox", label: texts.t("export.bom"), value: true, hint: texts.t("export.bom.hint") },
    { name: "delivery", type: "select", label: texts.t("export.delivery"), value: "AUTO", hint: texts.t("export.delivery.hint"),
      options: ["AUTO", "DOWNLOAD", "EMAIL"].map((value) => ({ value, label: texts.t(`export.delivery.${value}`) })) },
  ];
}

/**
 * An export form: `extraFields` before the dialect fields; variables(values) -> the mutation's
 * variables besides options and delivery. The result (link or "emailed to") replaces `result`.
 */
export function exportForm(texts, { document, name, extraFields = [], variables = () => ({}), submitLabel }) {
  const result = h("div", { class: "export-result" });
  const form = new Form({
    texts,
    operation: name,
    submitLabel: submitLabel || texts.t("export.submit"),
    fields: [...extraFields, ...exportFields(texts)],
    async onSubmit(values) {
      replace(result);
      const options = { delimiter: values.delimiter, language: values.language, bom: values.bom };
      const { payload, errors } = await api.mutate(document, { ...variables(values), options, delivery: values.delivery }, name);
      if (errors.length) return errors;
      replace(result, payload.emailedTo
        ? notice("success", h("p", {}, texts.t("export.emailed", { email: payload.emailedTo })))
        : notice("success",
            h("p", {}, texts.t("export.ready", { time: texts.time(payload.expiresAt) })),
            h("p", {}, h("a", { class: "button primary", href: payload.downloadUrl, download: "" }, texts.t("export.download")))));
      return [];
    },
  });
  form.element.append(result);
  return form;
}
