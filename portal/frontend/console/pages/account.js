// /console/account: the signed-in staff member's own account: role and permissions, the second
// factor (enrol, new recovery codes, turn off), password change and own sessions. With ?enrol=1
// (staff who must enrol before anything else) the enrolment comes first.
import { h, queryParam, replace } from "../../shared/dom.js";
import { confirmDialog } from "../../shared/dialog.js";
import { actionButton, Form, newPasswordFields, passwordMismatch } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { pagedTable } from "../../shared/table.js";
import { api, ERRORS } from "../api.js";
import { go, startConsolePage } from "../app.js";
import { qrCodeSvg } from "../qr.js";

const CHANGE_PASSWORD = `mutation ChangeMyStaffPassword($currentPassword: String!, $newPassword: String!) {
  changeMyStaffPassword(currentPassword: $currentPassword, newPassword: $newPassword) { ok otherSessionsEnded ${ERRORS} } }`;
const BEGIN_ENROLMENT = `mutation BeginStaffTotpEnrolment { beginStaffTotpEnrolment { secret otpauthUri ${ERRORS} } }`;
const CONFIRM_ENROLMENT = `mutation ConfirmStaffTotpEnrolment($code: String!) {
  confirmStaffTotpEnrolment(code: $code) { recoveryCodes ${ERRORS} } }`;
const REGENERATE_CODES = `mutation RegenerateStaffRecoveryCodes($code: String!) {
  regenerateStaffRecoveryCodes(code: $code) { recoveryCodes ${ERRORS} } }`;
const DISABLE_TOTP = `mutation DisableStaffTotp($code: String!) { disableStaffTotp(code: $code) { ${ERRORS} } }`;
const SESSIONS = `query MyStaffSessions($after: String) {
  myStaffSessions(first: 20, after: $after) {
    nodes { id createdAt lastSeenAt expiresAt ipAddress userAgent current }
    pageInfo { hasNextPage endCursor } totalCount totalCountIsExact } }`;
const END_SESSION = `mutation EndMyStaffSession($id: ID!) { endMyStaffSession(id: $id) { ended ${ERRORS} } }`;
const END_OTHERS = `mutation EndMyOtherStaffSessions { endMyOtherStaffSessions { ended ${ERRORS} } }`;

function section(id, title, ...content) {
  const headingId = `${id}-title`;
  return h("section", { class: "card", id, "aria-labelledby": headingId }, h("h2", { id: headingId }, title), content);
}

function overview(texts, me) {
  return section("overview", texts.t("account.overview"),
    h("dl", { class: "facts" },
      h("dt", {}, texts.t("field.email")), h("dd", {}, me.email),
      h("dt", {}, texts.t("field.displayName")), h("dd", {}, me.displayName),
      h("dt", {}, texts.t("account.role")), h("dd", {}, texts.t(`role.${me.role}`)),
      h("dt", {}, texts.t("account.secondFactor")),
      h("dd", {}, me.secondFactor.enabled
        ? texts.t("account.secondFactor.on", { date: texts.date(me.secondFactor.enabledAt), left: me.secondFactor.recoveryCodesLeft })
        : texts.t("account.secondFactor.off")),
      h("dt", {}, texts.t("account.lastLogin")), h("dd", {}, texts.dateTime(me.lastLoginAt) || "–"),
      h("dt", {}, texts.t("account.permissions")), h("dd", {}, h("ul", { class: "plain-list" }, me.permissions.map((p) => h("li", {}, h("code", {}, p)))))));
}

/** The ten recovery codes, shown once, with the instruction to keep them. */
function recoveryCodesBlock(texts, codes) {
  return h("div", { class: "recovery-codes" },
    notice("warning", h("p", {}, texts.t("twoFactor.codes.once"))),
    h("ol", { class: "code-list", "aria-label": texts.t("twoFactor.codes.title") }, codes.map((code) => h("li", {}, h("code", {}, code)))));
}

function codeForm(texts, { operation, submitLabel, intro, onCode, danger = false }) {
  const form = new Form({
    texts, operation, submitLabel, intro,
    fields: [{ name: "code", label: texts.t("field.code"), autocomplete: "one-time-code", required: true, maxlength: 64, hint: texts.t("twoFactor.code.hint") }],
    onSubmit: (values, self) => onCode(values.code.replace(/\s+/g, ""), self),
  });
  if (danger) form.submitButton.className = "button danger";
  return form;
}

function secondFactorSection(page) {
  const { texts, me } = page;
  const area = h("div", {});
  const required = me.secondFactor.required;

  function showEnrolled(codes) {
    const shown = notice("success", h("p", {}, texts.t("twoFactor.enabled")));
    replace(area, shown, recoveryCodesBlock(texts, codes),
      h("p", {}, h("a", { href: "/console", class: "button primary" }, texts.t("twoFactor.continue"))));
    focusOn(shown);
  }

  function enrolStart() {
    replace(area,
      required ? notice("warning", h("p", {}, texts.t("twoFactor.required"))) : null,
      h("p", {}, texts.t("twoFactor.intro")),
      h("div", { class: "actions" }, actionButton(texts.t("twoFactor.begin"), async () => {
        const { payload, errors } = await api.mutate(BEGIN_ENROLMENT, {}, "beginStaffTotpEnrolment");
        if (errors.length) {
          area.append(notice("error", h("p", {}, texts.error(errors[0], "beginStaffTotpEnrolment"))));
          return;
        }
        enrolConfirm(payload);
      }, { className: "button primary" })));
  }

  function enrolConfirm({ secret, otpauthUri }) {
    const form = codeForm(texts, {
      operation: "confirmStaffTotpEnrolment",
      submitLabel: texts.t("twoFactor.confirm"),
      intro: [
        h("p", {}, texts.t("twoFactor.scan")),
        h("figure", { class: "qr" }, qrCodeSvg(otpauthUri, texts.t("twoFactor.qr"))),
        h("p", {}, texts.t("twoFactor.noScan")),
        h("dl", { class: "facts secret" },
          h("dt", {}, texts.t("twoFactor.secret")), h("dd", {}, h("code", { id: "totp-secret" }, secret)),
          h("dt", {}, texts.t("twoFactor.uri")), h("dd", {}, h("code", { id: "totp-uri", class: "wrap" }, otpauthUri))),
        h("p", {}, texts.t("twoFactor.enterCode")),
      ],
      async onCode(code) {
        const { payload, errors } = await api.mutate(CONFIRM_ENROLMENT, { code }, "confirmStaffTotpEnrolment");
        if (errors.length) return errors;
        showEnrolled(payload.recoveryCodes);
        return [];
      },
    });
    replace(area, form.element);
    form.inputOf("code").focus();
  }

  function enrolled() {
    const codes = h("div", {});
    const regenerate = codeForm(texts, {
      operation: "regenerateStaffRecoveryCodes",
      submitLabel: texts.t("twoFactor.regenerate"),
      intro: h("p", {}, texts.t("twoFactor.regenerate.intro", { left: me.secondFactor.recoveryCodesLeft })),
      async onCode(code, self) {
        const { payload, errors } = await api.mutate(REGENERATE_CODES, { code }, "regenerateStaffRecoveryCodes");
        if (errors.length) return errors;
        self.element.reset();
        replace(codes, recoveryCodesBlock(texts, payload.recoveryCodes));
        focusOn(codes);
        return [];
      },
    });
    const disable = required ? null : codeForm(texts, {
      operation: "disableStaffTotp",
      submitLabel: texts.t("twoFactor.disable"),
      intro: h("p", {}, texts.t("twoFactor.disable.intro")),
      danger: true,
      async onCode(code) {
        const { errors } = await api.mutate(DISABLE_TOTP, { code }, "disableStaffTotp");
        if (errors.length) return errors;
        go("/console/account", "second-factor-off");
        return [];
      },
    });
    replace(area, h("p", {}, texts.t("twoFactor.isOn")), regenerate.element, codes, disable && h("hr"), disable && disable.element);
  }

  if (me.secondFactor.enabled) enrolled();
  else enrolStart();
  return section("second-factor", texts.t("account.secondFactor"), area);
}

function passwordSection(texts) {
  const form = new Form({
    texts,
    operation: "changeMyStaffPassword",
    submitLabel: texts.t("password.submit"),
    fields: newPasswordFields(texts, { current: true }),
    async onSubmit(values, self) {
      const mismatch = passwordMismatch(values);
      if (mismatch.length) return mismatch;
      const { payload, errors } = await api.mutate(CHANGE_PASSWORD, { currentPassword: values.currentPassword, newPassword: values.newPassword }, "changeMyStaffPassword");
      if (errors.length) return errors;
      self.element.reset();
      self.showStatus(texts.t("password.changed", { count: payload.otherSessionsEnded }));
      return [];
    },
  });
  return section("password", texts.t("password.title"), form.element);
}

function sessionsSection(texts) {
  const result = h("div", { role: "status" });
  const table = pagedTable({
    texts,
    caption: texts.t("sessions.title"),
    columns: [
      { key: "createdAt", label: texts.t("sessions.started"), render: (s) => texts.dateTime(s.createdAt) },
      { key: "lastSeenAt", label: texts.t("sessions.lastSeen"), render: (s) => texts.dateTime(s.lastSeenAt) },
      { key: "client", label: texts.t("sessions.client"), render: (s) => [s.ipAddress || "", h("br"), h("span", { class: "muted small" }, s.userAgent || "")] },
      {
        key: "actions", label: texts.t("table.actions"),
        render: (s) => s.current
          ? h("span", { class: "badge" }, texts.t("sessions.current"))
          : actionButton(texts.t("sessions.end"), async () => {
            const { errors } = await api.mutate(END_SESSION, { id: s.id }, "endMyStaffSession");
            replace(result, errors.length ? notice("error", h("p", {}, texts.error(errors[0], "endMyStaffSession"))) : texts.t("sessions.ended", { count: 1 }));
            await table.reload();
          }),
      },
    ],
    async load(after) {
      const { data, errors } = await api.request(SESSIONS, { after });
      return { connection: data && data.myStaffSessions, errors };
    },
  });
  const endOthers = actionButton(texts.t("sessions.endOthers"), async () => {
    const confirmed = await confirmDialog({ texts, title: texts.t("sessions.endOthers"), message: texts.t("sessions.endOthers.confirm"), confirmLabel: texts.t("sessions.endOthers") });
    if (!confirmed) return;
    const { payload, errors } = await api.mutate(END_OTHERS, {}, "endMyOtherStaffSessions");
    replace(result, errors.length ? notice("error", h("p", {}, texts.error(errors[0], "endMyOtherStaffSessions"))) : texts.t("sessions.ended", { count: payload.ended }));
    await table.reload();
  });
  table.reload();
  return section("sessions", texts.t("sessions.title"), table.element, h("div", { class: "actions" }, endOthers), result);
}

startConsolePage({
  nav: "account",
  render(page) {
    const { texts, me, main, setTitle } = page;
    setTitle(texts.t("account.title"));
    const mustEnrol = me.secondFactor.required && !me.secondFactor.enabled;
    const done = new URLSearchParams(window.location.search).get("done");
    if (done === "second-factor-off") main.append(notice("success", h("p", {}, texts.t("done.second-factor-off"))));
    if (mustEnrol || queryParam("enrol")) {
      main.append(secondFactorSection(page));
      if (mustEnrol) return;
      main.append(overview(texts, me), passwordSection(texts), sessionsSection(texts));
      return;
    }
    main.append(overview(texts, me), secondFactorSection(page), passwordSection(texts), sessionsSection(texts));
  },
});
