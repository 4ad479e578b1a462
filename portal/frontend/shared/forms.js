// Forms that work with the keyboard and a screen reader: a visible label on every input, hints
// and errors wired with aria-describedby, errors announced (role="alert") and shown with an
// icon and text, never by colour alone. API errors ({code, field, message}) appear at their
// field; errors without a field (or with one the form does not have) above the buttons.

import { h, replace, uniqueId } from "./dom.js";

function describedBy(...ids) {
  return ids.filter(Boolean).join(" ") || null;
}

/** "postal_code" -> "postalCode" (some APIs name fields as their columns). */
function camelCase(name) {
  return name.replace(/_([a-z0-9])/g, (_whole, letter) => letter.toUpperCase());
}

/** The field names an API error path may mean: "input.postalCode" -> postalCode,
 * "new_password" -> newPassword. */
function candidateNames(path) {
  if (!path) return [];
  const parts = String(path).split(".");
  const withoutInput = parts[0] === "input" ? parts.slice(1) : parts;
  const names = [path, withoutInput.join("."), withoutInput[0], parts[parts.length - 1]];
  return [...names, ...names.map(camelCase)];
}

export class Form {
  /**
   * texts: Texts; operation: the API operation (for error texts); fields: field specs (below);
   * submitLabel; onSubmit(values, form) -> list of errors (empty: success);
   * extra: nodes after the buttons; intro: nodes before the fields.
   *
   * Field spec: {name, label, type ("text", "email", "password", "tel", "date", "time",
   * "select", "checkbox", "radio", "textarea"), value, required, autocomplete, hint, options: [{value,
   * label}], inputmode, maxlength}.
   */
  constructor({ texts, operation, fields, submitLabel, onSubmit, intro = null, extra = null, className = "" }) {
    this.texts = texts;
    this.operation = operation;
    this.onSubmit = onSubmit;
    this.fields = new Map();
    this.alert = h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true });
    this.status = h("div", { class: "form-status", role: "status" });
    this.submitButton = h("button", { type: "submit", class: "button primary" }, submitLabel);
    this.element = h(
      "form",
      { class: `form ${className}`.trim(), novalidate: true, onsubmit: (event) => this.submit(event) },
      intro,
      fields.map((spec) => this.field(spec)),
      this.alert,
      h("div", { class: "form-actions" }, this.submitButton),
      this.status,
      extra,
    );
  }

  field(spec) {
    const id = uniqueId(`field-${spec.name}`);
    const hintId = spec.hint ? `${id}-hint` : null;
    const errorId = `${id}-error`;
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const hint = spec.hint ? h("p", { class: "field-hint", id: hintId }, spec.hint) : null;
    const required = spec.required ? h("span", { class: "required" }, ` (${this.texts.t("form.required")})`) : null;
    let input;
    let wrapper;
    if (spec.type === "checkbox") {
      input = h("input", {
        type: "checkbox", id, name: spec.name, checked: Boolean(spec.value),
        "aria-describedby": describedBy(hintId, errorId),
      });
      wrapper = h("div", { class: "field field-checkbox" }, input, h("label", { for: id }, spec.label, required), hint, error);
    } else if (spec.type === "radio") {
      const legendId = `${id}-legend`;
      input = spec.options.map((option, index) =>
        h("label", { class: "radio" },
          h("input", {
            type: "radio", name: spec.name, value: option.value, checked: option.value === spec.value,
            id: index === 0 ? id : null, "aria-describedby": describedBy(hintId, errorId),
          }),
          " ", option.label),
      );
      wrapper = h("fieldset", { class: "field field-radio", "aria-labelledby": legendId },
        h("legend", { id: legendId }, spec.label, required), hint, input, error);
    } else {
      const common = {
        id, name: spec.name, autocomplete: spec.autocomplete || null, required: Boolean(spec.required),
        inputmode: spec.inputmode || null, maxlength: spec.maxlength || null,
        "aria-describedby": describedBy(hintId, errorId),
      };
      if (spec.type === "select") {
        input = h("select", common, spec.options.map((o) => h("option", { value: o.value, selected: o.value === spec.value }, o.label)));
      } else if (spec.type === "textarea") {
        input = h("textarea", { ...common, rows: spec.rows || 4 });
        input.value = spec.value ?? "";
      } else {
        input = h("input", { ...common, type: spec.type || "text", value: spec.value ?? "" });
      }
      wrapper = h("div", { class: "field" }, h("label", { for: id }, spec.label, required), hint, input, error);
    }
    this.fields.set(spec.name, { spec, input, error, wrapper });
    return wrapper;
  }

  /** The form's values by field name (checkboxes as booleans, radios as the checked value). */
  values() {
    const values = {};
    for (const [name, { spec, input }] of this.fields) {
      if (spec.type === "checkbox") values[name] = input.checked;
      else if (spec.type === "radio") {
        const checked = this.element.querySelector(`input[name="${name}"]:checked`);
        values[name] = checked ? checked.value : null;
      } else values[name] = input.value;
    }
    return values;
  }

  inputOf(name) {
    const entry = this.fields.get(name);
    if (!entry) return null;
    return Array.isArray(entry.input) ? entry.input[0].querySelector("input") : entry.input;
  }

  clearErrors() {
    this.alert.hidden = true;
    replace(this.alert);
    for (const { input, error } of this.fields.values()) {
      error.hidden = true;
      replace(error);
      for (const node of [input].flat()) {
        const control = node.tagName === "LABEL" ? node.querySelector("input") : node;
        control.removeAttribute("aria-invalid");
      }
    }
  }

  /** Show API (or client-side) errors at their fields; focus the first. */
  showErrors(errors) {
    this.clearErrors();
    const general = [];
    let first = null;
    for (const error of errors) {
      const message = this.texts.error(error, this.operation);
      const name = candidateNames(error.field).find((candidate) => this.fields.has(candidate));
      if (!name) {
        general.push(message);
        continue;
      }
      const entry = this.fields.get(name);
      entry.error.hidden = false;
      entry.error.append(h("span", { class: "icon", "aria-hidden": "true" }, "⚠ "), message, " ");
      const control = this.inputOf(name);
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
    if (general.length) {
      this.alert.hidden = false;
      replace(this.alert, general.map((message) => h("p", {}, h("span", { class: "icon", "aria-hidden": "true" }, "⚠ "), message)));
    }
    if (first && !general.length) first.focus();
    else if (general.length) this.alert.focus();
  }

  /** A success message in the form's live status region. */
  showStatus(message) {
    replace(this.status, message ? h("p", {}, h("span", { class: "icon", "aria-hidden": "true" }, "✓ "), message) : null);
  }

  /** Client-side checks before anything is sent: required fields. */
  missing(values) {
    const errors = [];
    for (const [name, { spec }] of this.fields) {
      const value = values[name];
      if (spec.required && (value === null || value === false || String(value).trim() === "")) {
        errors.push({ code: spec.type === "checkbox" ? "MUST_CHECK" : "REQUIRED", field: name, message: "" });
      }
    }
    return errors;
  }

  setBusy(busy) {
    this.submitButton.disabled = busy;
    this.element.setAttribute("aria-busy", busy ? "true" : "false");
  }

  async submit(event) {
    event.preventDefault();
    if (this.element.getAttribute("aria-busy") === "true") return;
    this.showStatus(null);
    const values = this.values();
    const missing = this.missing(values);
    if (missing.length) {
      this.showErrors(missing);
      return;
    }
    this.setBusy(true);
    try {
      const errors = (await this.onSubmit(values, this)) || [];
      if (errors.length) this.showErrors(errors);
      else this.clearErrors();
    } finally {
      this.setBusy(false);
    }
  }
}

/** A button that runs `action` once at a time (disabled and aria-busy meanwhile). */
export function actionButton(label, action, { className = "button" } = {}) {
  const button = h("button", { type: "button", class: className });
  button.append(label);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await action(button);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return button;
}

/**
 * The fields to choose a new password: `name` (with the policy hint) and "repeat"; with
 * `current`, the current password first. Texts: field.currentPassword, field.newPassword,
 * field.password.hint, field.repeatPassword.
 */
export function newPasswordFields(texts, { name = "newPassword", current = false } = {}) {
  return [
    current ? { name: "currentPassword", type: "password", label: texts.t("field.currentPassword"), autocomplete: "current-password", required: true } : null,
    { name, type: "password", label: texts.t("field.newPassword"), autocomplete: "new-password", required: true, hint: texts.t("field.password.hint") },
    { name: "repeat", type: "password", label: texts.t("field.repeatPassword"), autocomplete: "new-password", required: true },
  ].filter(Boolean);
}

/** The error at "repeat" when the two new passwords differ (none when they match). */
export function passwordMismatch(values, name = "newPassword") {
  return values[name] === values.repeat ? [] : [{ code: "PASSWORD_MISMATCH", field: "repeat", message: "" }];
}
