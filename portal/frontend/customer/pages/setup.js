// /setup?token=...: the invitation link. Set a password and you are logged in; an expired or
// used link offers to ask for a new one.
import { h, queryParam, replace } from "../../shared/dom.js";
import { Form, newPasswordFields, passwordMismatch } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { ACCEPT_INVITATION, api, REQUEST_NEW_INVITATION } from "../api.js";
import { go, startPage } from "../app.js";
import { requestLinkCard } from "../request-link.js";

const LINK_PROBLEMS = ["INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED", "NOT_PENDING", "NOT_FOUND"];

startPage({
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("setup.title"));
    const token = queryParam("token");
    const request = () => requestLinkCard(texts, { kind: "invitation", document: REQUEST_NEW_INVITATION, operation: "requestNewInvitation" });
    if (!token) {
      main.append(request());
      return;
    }
    const area = h("section", { class: "card" });
    const form = new Form({
      texts,
      operation: "acceptInvitation",
      submitLabel: texts.t("setup.submit"),
      intro: h("p", {}, texts.t("setup.intro")),
      fields: newPasswordFields(texts, { name: "password" }),
      async onSubmit(values) {
        const mismatch = passwordMismatch(values, "password");
        if (mismatch.length) return mismatch;
        const { errors } = await api.mutate(ACCEPT_INVITATION, { token, password: values.password }, "acceptInvitation");
        const problem = errors.find((error) => LINK_PROBLEMS.includes(error.code));
        if (problem) {
          const shown = notice("error", h("p", {}, texts.error(problem, "acceptInvitation")));
          replace(area, shown, problem.code === "TOKEN_USED" ? h("p", {}, h("a", { href: "/login" }, texts.t("nav.logIn"))) : request());
          focusOn(shown);
          return [];
        }
        if (errors.length) return errors;
        go("/account", "welcome");
        return [];
      },
    });
    area.append(form.element);
    main.append(area);
    form.inputOf("password").focus();
  },
});
