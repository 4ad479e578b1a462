// /console/transfers: imports and exports. Contacts from CSV (dry run with the per-row report,
// then apply), bulk invitations from CSV (the same way), the contacts export with filters
// (download, or zipped by email above the threshold), and deactivating every contact without a
// confirmed newsletter opt-in (counted first).
import { h, replace, uniqueId } from "../../shared/dom.js";
import { confirmDialog } from "../../shared/dialog.js";
import { actionButton } from "../../shared/forms.js";
import { focusOn, notice } from "../../shared/shell.js";
import { api } from "../api.js";
import { startConsolePage } from "../app.js";
import { csvUpload, reportTable } from "../operations/csv-upload.js";
import { DEACTIVATE_WITHOUT_OPT_IN, EXPORT_CONTACTS, IMPORT_CONTACTS, INVITE_FROM_CSV } from "../operations/documents.js";
import { exportForm } from "../operations/export.js";

const REPORT_ROWS = 200;

function section(id, title, ...content) {
  const headingId = uniqueId(id);
  return h("section", { class: "card", id, "aria-labelledby": headingId }, h("h2", { id: headingId }, title), content);
}

function counts(texts, pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => [h("dt", {}, texts.t(key)), h("dd", {}, String(value))]));
}

/** A contact field's name in the reader's language where the catalogue has it. */
function fieldName(texts, field) {
  return texts.has(`duplicates.field.${field}`) ? texts.t(`duplicates.field.${field}`) : field;
}

function importReport(texts, payload) {
  const problems = payload.problems.length
    ? reportTable(texts.t("import.problems"), [
        { label: texts.t("import.row"), render: (p) => String(p.row) },
        { label: texts.t("import.column"), render: (p) => p.column || "" },
        { label: texts.t("import.problem"), render: (p) => (texts.has(`importProblem.${p.code}`) ? texts.t(`importProblem.${p.code}`) : p.message) },
      ], payload.problems.slice(0, REPORT_ROWS))
    : null;
  const results = payload.results.length
    ? reportTable(texts.t("import.results"), [
        { label: texts.t("import.row"), render: (r) => String(r.row) },
        { label: texts.t("import.outcome"), render: (r) => texts.t(`importOutcome.${r.outcome}`) },
        { label: texts.t("import.changed"), render: (r) => r.changedFields.map((field) => fieldName(texts, field)).join(", ") },
        { label: texts.t("import.contact"), render: (r) => (r.contactId ? h("a", { href: `/console/contact?id=${encodeURIComponent(r.contactId)}` }, texts.t("import.open")) : "") },
      ], payload.results.slice(0, REPORT_ROWS))
    : null;
  return [
    counts(texts, [
      ["import.rows", payload.rows], ["import.accepted", payload.accepted], ["import.created", payload.created],
      ["import.updated", payload.updated], ["import.unchanged", payload.unchanged], ["import.failed", payload.failed],
    ]),
    payload.ignoredColumns.length ? h("p", {}, texts.t("import.ignored", { columns: payload.ignoredColumns.join(", ") })) : null,
    problems, results,
    payload.resultsOmitted ? h("p", { class: "muted" }, texts.t("import.omitted", { count: payload.resultsOmitted })) : null,
  ];
}

function invitationReport(texts, payload) {
  return [
    counts(texts, [["invite.invited", payload.invited], ["invite.preRegistered", payload.preRegistered], ["invite.alreadyActive", payload.alreadyActive]]),
    payload.rows.length ? reportTable(texts.t("import.results"), [
      { label: texts.t("import.row"), render: (r) => String(r.row) },
      { label: texts.t("invite.key"), render: (r) => r.key },
      { label: texts.t("import.outcome"), render: (r) => texts.t(`inviteResult.${r.result}`) },
    ], payload.rows.slice(0, REPORT_ROWS)) : null,
  ];
}

function importSection(texts) {
  const policyId = uniqueId("policy");
  const policy = h("select", { id: policyId },
    ["REJECT_EVERYTHING", "REJECT_FAILED_ROWS"].map((value) => h("option", { value }, texts.t(`import.policy.${value}`))));
  return section("import", texts.t("import.title"),
    h("p", {}, texts.t("import.intro")),
    csvUpload({
      texts, name: "importContacts", fileLabel: texts.t("import.file"), hint: texts.t("import.file.hint"),
      options: h("div", { class: "field" }, h("label", { for: policyId }, texts.t("import.policy")), policy),
      run: (file, dryRun) => api.mutate(IMPORT_CONTACTS, { options: { dryRun, errorPolicy: policy.value } }, "importContacts", { file }),
      report: (payload) => importReport(texts, payload),
      canApply: (payload) => payload.accepted > 0 && (payload.failed === 0 || policy.value === "REJECT_FAILED_ROWS"),
    }));
}

function invitationSection(texts) {
  return section("invitations", texts.t("invite.title"),
    h("p", {}, texts.t("invite.intro")),
    csvUpload({
      texts, name: "inviteContactsFromCsv", fileLabel: texts.t("import.file"),
      run: (file, dryRun) => api.mutate(INVITE_FROM_CSV, { dryRun }, "inviteContactsFromCsv", { file }),
      report: (payload) => invitationReport(texts, payload),
      canApply: (payload) => payload.invited + payload.preRegistered > 0,
    }));
}

function exportSection(texts) {
  const form = exportForm(texts, {
    document: EXPORT_CONTACTS, name: "exportContacts",
    extraFields: [
      { name: "search", type: "search", label: texts.t("export.search"), autocomplete: "off" },
      { name: "includeInactive", type: "checkbox", label: texts.t("export.includeInactive"), value: true },
    ],
    variables: (values) => {
      const filter = { includeInactive: values.includeInactive };
      if (values.search.trim()) filter.search = values.search.trim();
      return { filter };
    },
  });
  return section("export", texts.t("export.contacts.title"), h("p", {}, texts.t("export.contacts.intro")), form.element);
}

function optInSection(texts) {
  const result = h("div", {});
  const show = (node) => {
    replace(result, node);
    focusOn(node);
  };
  return section("opt-in", texts.t("optIn.title"),
    h("p", {}, texts.t("optIn.intro")),
    h("div", { class: "actions" }, actionButton(texts.t("optIn.check"), async () => {
      const counted = await api.mutate(DEACTIVATE_WITHOUT_OPT_IN, { dryRun: true }, "deactivateContactsWithoutOptIn");
      if (counted.errors.length) {
        show(notice("error", h("p", {}, texts.error(counted.errors[0], "deactivateContactsWithoutOptIn"))));
        return;
      }
      const count = counted.payload.count;
      if (count === 0) {
        show(notice("info", h("p", {}, texts.t("optIn.none"))));
        return;
      }
      const confirmed = await confirmDialog({
        texts, title: texts.t("optIn.title"), danger: true,
        message: texts.t("optIn.confirm", { count }), confirmLabel: texts.t("optIn.apply", { count }),
      });
      if (!confirmed) return;
      const done = await api.mutate(DEACTIVATE_WITHOUT_OPT_IN, { dryRun: false }, "deactivateContactsWithoutOptIn");
      show(done.errors.length
        ? notice("error", h("p", {}, texts.error(done.errors[0], "deactivateContactsWithoutOptIn")))
        : notice("success", h("p", {}, texts.t("optIn.done", { count: done.payload.count }))));
    })),
    result);
}

startConsolePage({
  nav: "transfers",
  permission: "CONTACTS_READ",
  catalogues: ["operations"],
  render(page) {
    const { texts, main, setTitle } = page;
    setTitle(texts.t("transfers.title"));
    main.append(
      page.can("CONTACTS_IMPORT") ? importSection(texts) : null,
      page.can("CONTACTS_IMPORT") && page.can("PORTAL_USERS_WRITE") ? invitationSection(texts) : null,
      exportSection(texts),
      page.can("CONTACTS_WRITE") ? optInSection(texts) : null,
    );
  },
});
