// The support session banner: who is viewing, in which mode, why, until when, and a button to
// end it. It stays at the top of every screen of the session (position: sticky).
import { h, replace } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { END_SUPPORT_SESSION } from "../api.js";
import { accountCall } from "./common.js";

export function supportBanner(page, impersonation) {
  const { texts, main } = page;
  const mode = impersonation.mode === "FULL" ? "full" : "readOnly";
  const banner = h("section", { class: "support-banner", role: "region", "aria-label": texts.t("support.region") },
    h("div", {},
      h("p", {}, h("strong", {}, texts.t(`support.title.${mode}`))),
      h("p", {}, texts.t("support.details", {
        staff: impersonation.staffName, reason: impersonation.reason, time: texts.time(impersonation.expiresAt),
      })),
      mode === "readOnly" ? h("p", {}, texts.t("support.readOnlyHint")) : null),
    actionButton(texts.t("support.end"), async () => {
      const { errors } = await accountCall(END_SUPPORT_SESSION, {}, "endImpersonation");
      const shown = errors.length
        ? notice("error", h("p", {}, texts.error(errors[0], "endImpersonation")))
        : notice("success", h("p", {}, texts.t("support.ended")));
      if (!errors.length) {
        banner.remove();
        page.setTitle(texts.t("support.endedTitle"));
        replace(main, shown);
      } else {
        main.prepend(shown);
      }
      focusOn(shown);
    }));
  return banner;
}
