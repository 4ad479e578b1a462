// /login: email and password. A registration still waiting for its contact may be asked for a
// second identifier here too.
import { h } from "../../shared/dom.js";
import { Form } from "../../shared/forms.js";
import { api, LOG_IN } from "../api.js";
import { doneNotice, safeNext, startPage } from "../app.js";
import { showSecondIdentifierForm } from "../second-identifier.js";

startPage({
  signedIn: "redirect",
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("login.title"));
    const next = safeNext(new URLSearchParams(window.location.search).get("next"));
    const extra = h("div", { class: "after-form" });
    const form = new Form({
      texts,
      operation: "logIn",
      submitLabel: texts.t("login.submit"),
      fields: [
        { name: "email", type: "email", label: texts.t("field.email"), autocomplete: "username", required: true },
        { name: "password", type: "password", label: texts.t("field.password"), autocomplete: "current-password", required: true },
      ],
      async onSubmit(values) {
        const { payload, errors } = await api.mutate(LOG_IN, { email: values.email.trim(), password: values.password }, "logIn");
        const pending = errors.find((error) => error.code === "PENDING_CONTACT_ASSIGNMENT");
        if (pending && payload && payload.flowToken) {
          showSecondIdentifierForm(page, extra, { flowToken: payload.flowToken, attemptsLeft: null, linkedDone: "linked" });
          return [];
        }
        if (errors.length) return errors;
        window.location.assign(next);
        return [];
      },
    });
    main.append(
      doneNotice(texts) || "",
      h("section", { class: "card" },
        form.element,
        h("ul", { class: "links" },
          h("li", {}, h("a", { href: "/password/reset" }, texts.t("login.forgot"))),
          h("li", {}, h("a", { href: "/register" }, texts.t("login.register"))),
          h("li", {}, h("a", { href: "/activate" }, texts.t("login.noActivationMail"))))),
      extra,
    );
    if (!main.querySelector(".notice")) form.inputOf("email").focus();
  },
});
