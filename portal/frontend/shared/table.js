// A list on a cursor connection: a real <table> with a caption, loading / empty / error states
// announced in a live region, and Previous / Next paging by cursor (the API pages forward; the
// table keeps the cursors it came through to go back).

import { h, replace } from "./dom.js";
import { actionButton } from "./forms.js";
import { notice } from "./shell.js";

/** "1.234" or "10.000+" from a connection's totalCount / totalCountIsExact. */
export function totalText(texts, connection) {
  if (!connection || typeof connection.totalCount !== "number") return null;
  const count = new Intl.NumberFormat(texts.locale).format(connection.totalCount);
  return texts.t(connection.totalCountIsExact === false ? "table.totalAtLeast" : "table.total", { count });
}

/**
 * options: texts; caption (text naming the table); columns: [{key, label, render(row) ->
 * node|string, header?: node}]; load(after) -> Promise<{connection, errors}> where connection
 * has nodes (or edges), pageInfo {hasNextPage, endCursor} and optionally totalCount;
 * emptyText; onRows(rows) after each page is shown.
 * Returns {element, reload(), setColumns(columns)}.
 */
export function pagedTable({ texts, caption, columns, load, emptyText = null, onRows = null }) {
  let shownColumns = columns;
  let cursors = [null]; // cursors[i] = the `after` of page i
  let page = 0;
  let request = 0;
  const status = h("p", { class: "table-status", role: "status", "aria-live": "polite" });
  const body = h("div", { class: "table-wrap" });
  const previous = h("button", { type: "button", class: "button", disabled: true }, texts.t("table.previous"));
  const next = h("button", { type: "button", class: "button", disabled: true }, texts.t("table.next"));
  const pageLabel = h("span", { class: "table-page" });
  const element = h("div", { class: "paged-table", "aria-busy": "false" },
    status, body,
    h("nav", { class: "table-paging", "aria-label": texts.t("table.paging", { caption }) }, previous, pageLabel, next));

  previous.addEventListener("click", () => {
    if (page > 0) show(page - 1);
  });
  next.addEventListener("click", () => show(page + 1));

  function rowsOf(connection) {
    if (Array.isArray(connection.nodes)) return connection.nodes;
    return (connection.edges || []).map((edge) => edge.node);
  }

  function draw(rows) {
    const table = h("table", {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, shownColumns.map((column) => h("th", { scope: "col" }, column.header || column.label)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, shownColumns.map((column) => h("td", {}, column.render(row)))))));
    replace(body, table);
  }

  async function show(index) {
    request += 1;
    const mine = request;
    element.setAttribute("aria-busy", "true");
    previous.disabled = true;
    next.disabled = true;
    status.textContent = texts.t("table.loading");
    const { connection, errors } = await load(cursors[index]);
    if (mine !== request) return; // a newer load (typing in a search) replaced this one
    element.setAttribute("aria-busy", "false");
    if (errors && errors.length || !connection) {
      status.textContent = "";
      const error = errors && errors.length ? errors[0] : { code: "UNEXPECTED", message: "" };
      replace(body, notice("error", h("p", {}, texts.error(error, "list")),
        actionButton(texts.t("table.retry"), () => show(index))));
      previous.disabled = index === 0;
      return;
    }
    page = index;
    const rows = rowsOf(connection);
    const info = connection.pageInfo || {};
    cursors = cursors.slice(0, index + 1);
    if (info.hasNextPage) cursors.push(info.endCursor);
    if (rows.length === 0) {
      replace(body, h("p", { class: "table-empty" }, emptyText || texts.t("table.empty")));
    } else {
      draw(rows);
    }
    const total = totalText(texts, connection);
    status.textContent = [total, rows.length ? texts.t("table.page", { page: index + 1 }) : null].filter(Boolean).join(" · ");
    pageLabel.textContent = rows.length ? texts.t("table.page", { page: index + 1 }) : "";
    previous.disabled = index === 0;
    next.disabled = !info.hasNextPage;
    if (onRows) onRows(rows);
  }

  return {
    element,
    /** Start again at the first page (after a filter changed). */
    reload() {
      cursors = [null];
      return show(0);
    },
    /** Show other columns (re-drawn with the next load). */
    setColumns(newColumns) {
      shownColumns = newColumns;
      return show(page);
    },
  };
}
