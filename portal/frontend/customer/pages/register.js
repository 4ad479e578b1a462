// /register: a new login. "Already a customer?" decides whether the second identifiers staff
// configured are offered (they find the customer's contact when several share the email).
import { h, replace } from "../../shared/dom.js";
import { Form } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, REGISTER } from "../api.js";
import { startPage } from "../app.js";
import { identifierFields } from "../second-identifier.js";

startPage({
  signedIn: "redirect",
  render(page) {
    const { texts, info, main, setTitle } = page;
    setTitle(texts.t("register.title"));
    const identifiers = identifierFields(texts, info.secondIdentifiers);
    const card = h("section", { class: "card" });
    const form = new Form({
      texts,
      operation: "registerCustomer",
      submitLabel: texts.t("register.submit"),
      intro: h("p", {}, texts.t("register.intro")),
      fields: [
        { name: "firstName", label: texts.t("field.firstName"), autocomplete: "given-name", required: true, maxlength: 100 },
        { name: "lastName", label: texts.t("field.lastName"), autocomplete: "family-name", required: true, maxlength: 100 },
        { name: "email", type: "email", label: texts.t("field.email"), autocomplete: "email", required: true },
        { name: "password", type: "password", label: texts.t("field.password"), autocomplete: "new-password", required: true, hint: texts.t("field.password.hint") },
        {
          name: "existingCustomer", type: "radio", label: texts.t("register.existing"), required: true,
          options: [{ value: "yes", label: texts.t("register.existing.yes") }, { value: "no", label: texts.t("register.existing.no") }],
        },
        ...identifiers,
        { name: "acceptTerms", type: "checkbox", label: texts.t("register.terms"), required: true },
      ],
      async onSubmit(values) {
        const input = {
          email: values.email.trim(),
          password: values.password,
          firstName: values.firstName.trim(),
          lastName: values.lastName.trim(),
          existingCustomer: values.existingCustomer === "yes",
          acceptTerms: values.acceptTerms,
          language: texts.language,
        };
        if (input.existingCustomer) {
          for (const spec of identifiers) if (values[spec.name].trim()) input[spec.name] = values[spec.name].trim();
        }
        const { errors } = await api.mutate(REGISTER, { input }, "registerCustomer");
        if (errors.length) return errors;
        const done = notice("success",
          h("p", {}, h("strong", {}, texts.t("register.done.title"))),
          h("p", {}, texts.t("register.done.text", { email: input.email })),
          h("p", {}, h("a", { href: "/activate" }, texts.t("register.done.resend"))));
        replace(card, done);
        focusOn(done);
        return [];
      },
    });
    // The identifiers only matter for someone who says they are already a customer.
    const showIdentifiers = () => {
      const existing = form.values().existingCustomer === "yes";
      for (const spec of identifiers) form.fields.get(spec.name).wrapper.hidden = !existing;
    };
    form.element.addEventListener("change", showIdentifiers);
    showIdentifiers();
    if (identifiers.length) {
      const first = form.fields.get(identifiers[0].name).wrapper;
      first.before(h("p", { class: "field-hint identifier-intro", id: "identifier-intro" }, texts.t("register.identifiers")));
      form.element.addEventListener("change", () => {
        form.element.querySelector("#identifier-intro").hidden = form.values().existingCustomer !== "yes";
      });
      form.element.querySelector("#identifier-intro").hidden = true;
    }
    card.append(form.element, h("p", {}, h("a", { href: "/login" }, texts.t("register.haveAccount"))));
    main.append(card);
  },
});
