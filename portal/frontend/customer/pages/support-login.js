// /support-login?token=...: a support agent opens the one-time link from the staff console.
// It is redeemed at once (it lives two minutes and only the agent has it); the account page
// then shows the support banner for the whole session.
import { h, queryParam } from "../../shared/dom.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, START_SUPPORT_SESSION } from "../api.js";
import { startPage } from "../app.js";

startPage({
  async render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("supportLogin.title"));
    const token = queryParam("token");
    const status = h("p", { role: "status" }, texts.t("supportLogin.starting"));
    main.append(status);
    const { errors } = token
      ? await api.mutate(START_SUPPORT_SESSION, { token }, "startImpersonatedSession")
      : { errors: [{ code: "INVALID_TOKEN", field: "token", message: "" }] };
    if (!errors.length) {
      window.location.replace("/account");
      return;
    }
    status.remove();
    const shown = notice("error", h("p", {}, texts.error(errors[0], "startImpersonatedSession")), h("p", {}, texts.t("supportLogin.again")));
    main.append(shown);
    focusOn(shown);
  },
});
