// /console/support-sessions: running and past support sessions ("log in as customer"): who,
// why, which ticket, read-only or full, when; administrators can end a running one at once.
import { h, uniqueId } from "../../shared/dom.js";
import { confirmDialog } from "../../shared/dialog.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { pagedTable } from "../../shared/table.js";
import { api } from "../api.js";
import { startConsolePage } from "../app.js";
import { IMPERSONATION_SESSIONS, REVOKE_IMPERSONATION } from "../operations/documents.js";

const STATES = ["PENDING", "ACTIVE", "ENDED", "EXPIRED", "REVOKED"];
const RUNNING = ["PENDING", "ACTIVE"];

startConsolePage({
  nav: "support-sessions",
  permission: "SUPPORT_IMPERSONATE",
  catalogues: ["operations"],
  async render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("supportSessions.title"));
    const messages = h("div", {});
    const stateId = uniqueId("state");

    async function end(session) {
      const confirmed = await confirmDialog({
        texts, title: texts.t("supportSessions.end.title"), danger: true,
        message: texts.t("supportSessions.end.confirm", { staff: session.staffName, reason: session.reason }),
        confirmLabel: texts.t("supportSessions.end"),
      });
      if (!confirmed) return;
      const { errors } = await api.mutate(REVOKE_IMPERSONATION, { id: session.id }, "revokeImpersonation");
      const shown = errors.length
        ? notice("error", h("p", {}, texts.error(errors[0], "revokeImpersonation")))
        : notice("success", h("p", {}, texts.t("supportSessions.ended")));
      messages.replaceChildren(shown);
      focusOn(shown);
      await table.reload();
    }

    const columns = [
      { key: "createdAt", label: texts.t("supportSessions.column.createdAt"), render: (s) => texts.dateTime(s.startedAt || s.createdAt) },
      { key: "staff", label: texts.t("supportSessions.column.staff"), render: (s) => s.staffName },
      { key: "customer", label: texts.t("supportSessions.column.customer"), render: (s) => s.contactId
        ? h("a", { href: `/console/contact?id=${encodeURIComponent(s.contactId)}` }, texts.t("supportSessions.openContact"))
        : "" },
      { key: "reason", label: texts.t("supportSessions.column.reason"), render: (s) => [s.reason, s.ticketReference ? h("span", { class: "muted" }, ` (${s.ticketReference})`) : null] },
      { key: "mode", label: texts.t("supportSessions.column.mode"), render: (s) => texts.t(`supportLogin.mode.${s.mode}`) },
      { key: "state", label: texts.t("supportSessions.column.state"), render: (s) => h("span", { class: "badge" }, texts.t(`supportSessions.state.${s.state}`)) },
      { key: "until", label: texts.t("supportSessions.column.until"), render: (s) => texts.dateTime(s.endedAt || s.expiresAt) },
      { key: "actions", label: texts.t("table.actions"), render: (s) => RUNNING.includes(s.state) && page.can("STAFF_MANAGE")
        ? actionButton(texts.t("supportSessions.end"), () => end(s), { className: "button danger" })
        : "" },
    ];
    const stateSelect = h("select", { id: stateId },
      h("option", { value: "" }, texts.t("portalUsers.filter.any")),
      STATES.map((state) => h("option", { value: state }, texts.t(`supportSessions.state.${state}`))));
    const table = pagedTable({
      texts, caption: texts.t("supportSessions.title"), columns, emptyText: texts.t("supportSessions.empty"),
      async load(after) {
        const { data, errors } = await api.request(IMPERSONATION_SESSIONS, { state: stateSelect.value || null, after });
        return { connection: data && data.impersonationSessions, errors };
      },
    });
    stateSelect.addEventListener("change", () => table.reload());
    main.append(
      h("p", {}, texts.t("supportSessions.intro")),
      messages,
      h("div", { class: "toolbar" }, h("div", { class: "field" }, h("label", { for: stateId }, texts.t("supportSessions.column.state")), stateSelect)),
      table.element);
    await table.reload();
  },
});
