// /console/staff (administrators): staff accounts. Invite (the colleague chooses their own
// password from the emailed link), change the role, deactivate and reactivate, delete, and
// reset a colleague's second factor (a lost phone). The API refuses the rest of the staff.
import { h, replace } from "../../shared/dom.js";
import { confirmDialog, openDialog } from "../../shared/dialog.js";
import { actionButton, Form } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { pagedTable } from "../../shared/table.js";
import { api } from "../api.js";
import { startConsolePage } from "../app.js";
import {
  CHANGE_STAFF_ROLE, DEACTIVATE_STAFF, DELETE_STAFF, INVITE_STAFF, REACTIVATE_STAFF, RESEND_STAFF_INVITATION,
  RESET_SECOND_FACTOR, STAFF_USERS,
} from "../operations/documents.js";

const ROLES = ["ADMIN", "SUPPORT", "AUDITOR"];

startConsolePage({
  nav: "staff",
  permission: "STAFF_MANAGE",
  catalogues: ["operations"],
  async render(page) {
    const { texts, me, main, setTitle } = page;
    setTitle(texts.t("staff.title"));
    const messages = h("div", {});
    function say(kind, text) {
      const shown = notice(kind, h("p", {}, text));
      replace(messages, shown);
      focusOn(shown);
    }

    /** Run a mutation on one staff member, after a confirmation when `confirm` is given. */
    async function act(member, { document, name, done, confirm = null, variables = {} }) {
      if (confirm && !(await confirmDialog({ texts, title: confirm.title, message: confirm.message, confirmLabel: confirm.label, danger: true }))) return;
      const { errors } = await api.mutate(document, { id: member.id, ...variables }, name);
      if (errors.length) say("error", texts.error(errors[0], name));
      else say("success", texts.t(done, { name: member.displayName || member.email }));
      await table.reload();
    }

    function roleDialog(member) {
      const form = new Form({
        texts, operation: "changeStaffUserRole", submitLabel: texts.t("staff.role.submit"),
        fields: [{ name: "role", type: "select", label: texts.t("staff.column.role"), value: member.role,
          options: ROLES.map((role) => ({ value: role, label: texts.t(`role.${role}`) })) }],
        async onSubmit(values) {
          const { errors } = await api.mutate(CHANGE_STAFF_ROLE, { id: member.id, role: values.role }, "changeStaffUserRole");
          if (errors.length) return errors;
          dialog.close();
          say("success", texts.t("staff.role.done", { name: member.displayName || member.email, role: texts.t(`role.${values.role}`) }));
          await table.reload();
          return [];
        },
      });
      const dialog = openDialog({ texts, title: texts.t("staff.role.title", { name: member.displayName || member.email }), body: form.element });
    }

    function actions(member) {
      if (member.id === me.id) return h("span", { class: "muted" }, texts.t("staff.you"));
      const label = member.displayName || member.email;
      return h("div", { class: "actions" },
        h("button", { type: "button", class: "button", "aria-label": texts.t("staff.role.title", { name: label }), onclick: () => roleDialog(member) }, texts.t("staff.role")),
        member.state === "INVITED"
          ? actionButton(texts.t("staff.resend"), () => act(member, { document: RESEND_STAFF_INVITATION, name: "resendStaffInvitation", done: "staff.resend.done" }))
          : null,
        member.state === "DEACTIVATED"
          ? actionButton(texts.t("staff.reactivate"), () => act(member, { document: REACTIVATE_STAFF, name: "reactivateStaffUser", done: "staff.reactivate.done" }))
          : actionButton(texts.t("staff.deactivate"), () => act(member, {
              document: DEACTIVATE_STAFF, name: "deactivateStaffUser", done: "staff.deactivate.done",
              confirm: { title: texts.t("staff.deactivate"), message: texts.t("staff.deactivate.confirm", { name: label }), label: texts.t("staff.deactivate") },
            })),
        member.secondFactor.enabled
          ? actionButton(texts.t("staff.resetSecondFactor"), () => act(member, {
              document: RESET_SECOND_FACTOR, name: "resetStaffSecondFactor", done: "staff.resetSecondFactor.done",
              confirm: { title: texts.t("staff.resetSecondFactor"), message: texts.t("staff.resetSecondFactor.confirm", { name: label }), label: texts.t("staff.resetSecondFactor") },
            }))
          : null,
        actionButton(texts.t("staff.delete"), () => act(member, {
          document: DELETE_STAFF, name: "deleteStaffUser", done: "staff.delete.done",
          confirm: { title: texts.t("staff.delete"), message: texts.t("staff.delete.confirm", { name: label }), label: texts.t("staff.delete") },
        }), { className: "button danger" }));
    }

    const table = pagedTable({
      texts, caption: texts.t("staff.title"), emptyText: texts.t("staff.none"),
      columns: [
        { key: "name", label: texts.t("staff.column.name"), render: (m) => [m.displayName, h("br"), h("span", { class: "muted" }, m.email)] },
        { key: "role", label: texts.t("staff.column.role"), render: (m) => texts.t(`role.${m.role}`) },
        { key: "state", label: texts.t("staff.column.state"), render: (m) => h("span", { class: "badge" }, texts.t(`staff.state.${m.state}`)) },
        { key: "secondFactor", label: texts.t("staff.column.secondFactor"), render: (m) => texts.t(m.secondFactor.enabled ? "staff.secondFactor.on" : "staff.secondFactor.off") },
        { key: "lastLoginAt", label: texts.t("staff.column.lastLoginAt"), render: (m) => texts.dateTime(m.lastLoginAt) },
        { key: "actions", label: texts.t("table.actions"), render: actions },
      ],
      async load(after) {
        const { data, errors } = await api.request(STAFF_USERS, { after });
        return { connection: data && data.staffUsers, errors };
      },
    });

    const invite = new Form({
      texts, operation: "inviteStaffUser", submitLabel: texts.t("staff.invite.submit"),
      fields: [
        { name: "email", type: "email", label: texts.t("field.email"), required: true, autocomplete: "off" },
        { name: "displayName", label: texts.t("field.displayName"), autocomplete: "off" },
        { name: "role", type: "select", label: texts.t("staff.column.role"), value: "SUPPORT",
          options: ROLES.map((role) => ({ value: role, label: texts.t(`role.${role}`) })) },
        { name: "language", type: "select", label: texts.t("staff.language"), value: texts.language,
          options: [{ value: "de", label: texts.t("language.de") }, { value: "en", label: texts.t("language.en") }] },
        { name: "formality", type: "select", label: texts.t("staff.formOfAddress"), value: "FORMAL",
          options: [{ value: "FORMAL", label: texts.t("staff.formOfAddress.FORMAL") }, { value: "INFORMAL", label: texts.t("staff.formOfAddress.INFORMAL") }] },
      ],
      async onSubmit(values, form) {
        const input = { ...values, email: values.email.trim(), displayName: values.displayName.trim() };
        const { errors } = await api.mutate(INVITE_STAFF, { input }, "inviteStaffUser");
        if (errors.length) return errors;
        form.inputOf("email").value = "";
        form.inputOf("displayName").value = "";
        form.showStatus(texts.t("staff.invite.done", { email: input.email }));
        await table.reload();
        return [];
      },
    });
    main.append(messages, table.element,
      h("section", { class: "card", id: "invite" }, h("h2", {}, texts.t("staff.invite.title")), h("p", {}, texts.t("staff.invite.intro")), invite.element));
    await table.reload();
  },
});
