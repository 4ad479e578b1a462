// /password/reset: without a token, ask for a reset link; with the emailed token, set a new
// password (every session ends; the reader logs in again).
import { h, queryParam, replace } from "../../shared/dom.js";
import { Form, newPasswordFields, passwordMismatch } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from "../api.js";
import { go, startPage } from "../app.js";
import { requestLinkCard } from "../request-link.js";

const LINK_PROBLEMS = ["INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED"];

startPage({
  render(page) {
    const { texts, main, setTitle } = page;
    const token = queryParam("token");
    const request = () => requestLinkCard(texts, { kind: "reset", document: REQUEST_PASSWORD_RESET, operation: "requestPasswordReset" });
    if (!token) {
      setTitle(texts.t("reset.request.title"));
      main.append(request());
      return;
    }
    setTitle(texts.t("reset.title"));
    const area = h("section", { class: "card" });
    const form = new Form({
      texts,
      operation: "resetPassword",
      submitLabel: texts.t("reset.submit"),
      fields: newPasswordFields(texts),
      async onSubmit(values) {
        const mismatch = passwordMismatch(values);
        if (mismatch.length) return mismatch;
        const { errors } = await api.mutate(RESET_PASSWORD, { token, newPassword: values.newPassword }, "resetPassword");
        const problem = errors.find((error) => LINK_PROBLEMS.includes(error.code));
        if (problem) {
          const shown = notice("error", h("p", {}, texts.error(problem, "resetPassword")));
          replace(area, shown, request());
          focusOn(shown);
          return [];
        }
        if (errors.length) return errors;
        go("/login", "password-reset");
        return [];
      },
    });
    area.append(form.element);
    main.append(area);
    form.inputOf("newPassword").focus();
  },
});
