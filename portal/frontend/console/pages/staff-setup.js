// /staff/setup?token=...: the link in a staff invitation. Choose a password, then log in (and
// enrol a second factor where the portal requires one).
import { h, queryParam, replace } from "../../shared/dom.js";
import { Form, newPasswordFields, passwordMismatch } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, ERRORS } from "../api.js";
import { go, startConsolePage } from "../app.js";

const ACCEPT = `mutation AcceptStaffInvitation($token: String!, $password: String!) {
  acceptStaffInvitation(token: $token, password: $password) { staffUser { email } ${ERRORS} } }`;
const LINK_PROBLEMS = ["INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED", "NOT_INVITED", "NOT_FOUND"];

startConsolePage({
  anonymous: true,
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("staffSetup.title"));
    const token = queryParam("token");
    const area = h("section", { class: "card" });
    main.append(area);
    if (!token) {
      area.append(notice("error", h("p", {}, texts.t("staffSetup.noToken"))));
      return;
    }
    const form = new Form({
      texts,
      operation: "acceptStaffInvitation",
      submitLabel: texts.t("staffSetup.submit"),
      intro: h("p", {}, texts.t("staffSetup.intro")),
      fields: newPasswordFields(texts, { name: "password" }),
      async onSubmit(values) {
        const mismatch = passwordMismatch(values, "password");
        if (mismatch.length) return mismatch;
        const { errors } = await api.mutate(ACCEPT, { token, password: values.password }, "acceptStaffInvitation");
        const problem = errors.find((error) => LINK_PROBLEMS.includes(error.code));
        if (problem) {
          const shown = notice("error", h("p", {}, texts.error(problem, "acceptStaffInvitation")), h("p", {}, texts.t("staffSetup.askAdmin")));
          replace(area, shown, problem.code === "TOKEN_USED" ? h("p", {}, h("a", { href: "/console/login" }, texts.t("nav.logIn"))) : null);
          focusOn(shown);
          return [];
        }
        if (errors.length) return errors;
        go("/console/login", "staff-setup");
        return [];
      },
    });
    area.append(form.element);
    form.inputOf("password").focus();
  },
});
