// /newsletter/confirm?token=...: the double opt-in link (a click confirms).
import { h, queryParam, replace } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api, CONFIRM_NEWSLETTER } from "../api.js";
import { startPage } from "../app.js";

startPage({
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("newsletterConfirm.title"));
    const token = queryParam("token");
    const area = h("section", { class: "card" });
    main.append(area);
    if (!token) {
      area.append(notice("error", h("p", {}, texts.t("error.INVALID_TOKEN"))));
      return;
    }
    area.append(
      h("p", {}, texts.t("newsletterConfirm.intro")),
      h("div", { class: "actions" }, actionButton(texts.t("newsletterConfirm.submit"), async () => {
        const { errors } = await api.mutate(CONFIRM_NEWSLETTER, { token }, "confirmNewsletterSubscription");
        const shown = errors.length
          ? notice(errors[0].code === "ALREADY_CONFIRMED" ? "info" : "error", h("p", {}, texts.error(errors[0], "confirmNewsletterSubscription")))
          : notice("success", h("p", {}, texts.t("newsletterConfirm.done")));
        replace(area, shown);
        focusOn(shown);
      }, { className: "button primary" })),
    );
  },
});
