// /activate?token=...: the link of the activation email. A click (not the page load) redeems
// it, so a mail scanner that opens links does not use it up. Then: linked (log in), which
// customer are you (second identifier), pending review, or a used/expired link (new link).
import { h, queryParam, replace } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { ACTIVATE, api, RESEND_ACTIVATION } from "../api.js";
import { go, startPage } from "../app.js";
import { outcomeNotice, showSecondIdentifierForm } from "../second-identifier.js";
import { requestLinkCard } from "../request-link.js";

const LINK_PROBLEMS = ["INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED"];

startPage({
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("activate.title"));
    const token = queryParam("token");
    const resend = () => requestLinkCard(texts, { kind: "activation", document: RESEND_ACTIVATION, operation: "resendActivation" });
    if (!token) {
      main.append(resend());
      return;
    }
    const area = h("div", {});
    const start = h("section", { class: "card" },
      h("p", {}, texts.t("activate.intro")),
      h("div", { class: "actions" }, actionButton(texts.t("activate.submit"), async () => {
        const { payload, errors } = await api.mutate(ACTIVATE, { token }, "activateAccount");
        if (errors.length) {
          const problem = notice("error", h("p", {}, texts.error(errors[0], "activateAccount")));
          replace(area, problem, LINK_PROBLEMS.includes(errors[0].code) ? resend() : null);
          focusOn(problem);
          return;
        }
        if (payload.outcome === "LINKED") {
          go("/login", "activated");
        } else if (payload.outcome === "NEEDS_SECOND_IDENTIFIER") {
          showSecondIdentifierForm(page, area, { flowToken: payload.flowToken, attemptsLeft: payload.attemptsLeft });
        } else {
          const pending = outcomeNotice(texts, payload.outcome);
          replace(area, pending);
          focusOn(pending);
        }
      }, { className: "button primary" })));
    area.append(start);
    main.append(area);
  },
});
