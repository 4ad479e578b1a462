// /email/confirm?token=...: confirm a new login email (a click redeems the link).
import { h, queryParam, replace } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, CONFIRM_EMAIL_CHANGE } from "../api.js";
import { startPage } from "../app.js";

startPage({
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("emailConfirm.title"));
    const token = queryParam("token");
    const area = h("section", { class: "card" });
    main.append(area);
    if (!token) {
      area.append(notice("error", h("p", {}, texts.t("error.INVALID_TOKEN"))), h("p", {}, h("a", { href: "/account" }, texts.t("nav.account"))));
      return;
    }
    area.append(
      h("p", {}, texts.t("emailConfirm.intro")),
      h("div", { class: "actions" }, actionButton(texts.t("emailConfirm.submit"), async () => {
        const { payload, errors } = await api.mutate(CONFIRM_EMAIL_CHANGE, { token }, "confirmEmailChange");
        const shown = errors.length
          ? notice("error", h("p", {}, texts.error(errors[0], "confirmEmailChange")))
          : notice("success", h("p", {}, texts.t("emailConfirm.done", { email: payload.email })));
        replace(area, shown, h("p", {}, h("a", { href: "/account" }, texts.t("nav.account"))));
        focusOn(shown);
      }, { className: "button primary" })),
    );
  },
});
