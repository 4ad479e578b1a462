// /console/login: email and password, then the code from the authenticator app (or a recovery
// code) when the staff member has a second factor. Staff who must enrol one go to their account.
import { h, replace } from "../../shared/dom.js";
import { Form } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, ERRORS, ME } from "../api.js";
import { doneNotice, ENROL_PATH, go, safeNext, startConsolePage } from "../app.js";

const STAFF_FIELDS = "secondFactor { enabled required }";
const LOG_IN = `mutation StaffLogIn($email: String!, $password: String!) {
  staffLogIn(email: $email, password: $password) { step loginToken staffUser { ${STAFF_FIELDS} } ${ERRORS} } }`;
const SECOND_FACTOR = `mutation StaffLogInSecondFactor($loginToken: String!, $code: String!) {
  staffLogInSecondFactor(loginToken: $loginToken, code: $code) { step staffUser { ${STAFF_FIELDS} } ${ERRORS} } }`;

function finish(staffUser, next) {
  const factor = staffUser && staffUser.secondFactor;
  if (factor && factor.required && !factor.enabled) go(ENROL_PATH);
  else window.location.assign(next);
}

startConsolePage({
  anonymous: true,
  async render(page) {
    const { texts, main, setTitle } = page;
    const next = safeNext(new URLSearchParams(window.location.search).get("next"));
    // Already signed in (another tab, a bookmark): straight on.
    const signedIn = await api.request(ME);
    if (signedIn.data && signedIn.data.me) {
      finish(signedIn.data.me, next);
      return;
    }
    setTitle(texts.t("login.title"));
    const area = h("section", { class: "card" });

    function passwordStep(message = null) {
      const form = new Form({
        texts,
        operation: "staffLogIn",
        submitLabel: texts.t("login.submit"),
        intro: message,
        fields: [
          { name: "email", type: "email", label: texts.t("field.email"), autocomplete: "username", required: true },
          { name: "password", type: "password", label: texts.t("field.password"), autocomplete: "current-password", required: true },
        ],
        async onSubmit(values) {
          const { payload, errors } = await api.mutate(LOG_IN, { email: values.email.trim(), password: values.password }, "staffLogIn");
          if (errors.length) return errors;
          if (payload.step === "SECOND_FACTOR_REQUIRED") codeStep(payload.loginToken);
          else finish(payload.staffUser, next);
          return [];
        },
      });
      replace(area, form.element);
      form.inputOf("email").focus();
    }

    function codeStep(loginToken) {
      const form = new Form({
        texts,
        operation: "staffLogInSecondFactor",
        submitLabel: texts.t("login.code.submit"),
        intro: h("p", {}, texts.t("login.code.intro")),
        fields: [
          { name: "code", label: texts.t("field.code"), autocomplete: "one-time-code", inputmode: "text", required: true, hint: texts.t("login.code.hint"), maxlength: 64 },
        ],
        async onSubmit(values) {
          const { payload, errors } = await api.mutate(SECOND_FACTOR, { loginToken, code: values.code.trim() }, "staffLogInSecondFactor");
          if (errors.some((error) => error.code === "LOGIN_EXPIRED")) {
            passwordStep(notice("error", h("p", {}, texts.error({ code: "LOGIN_EXPIRED" }, "staffLogInSecondFactor"))));
            focusOn(area.querySelector(".notice"));
            return [];
          }
          if (errors.length) return errors;
          finish(payload.staffUser, next);
          return [];
        },
      });
      replace(area, form.element);
      form.inputOf("code").focus();
    }

    main.append(doneNotice(texts) || "", area);
    passwordStep();
  },
});
