// When the contact can be reached: a grid of weekdays x hours, one checkbox per hour (labelled
// "Monday 08:00-09:00" for screen readers), saved as merged windows. Windows that do not start
// or end on a full hour are listed as stored; saving the grid rounds them to whole hours.
import { h, uniqueId } from "../../shared/dom.js";
import { actionButton } from "../../shared/forms.js";
import { api, ERRORS } from "../api.js";
import { showOutcome } from "./common.js";

const VERSION = `query ContactVersion($id: ID!) { contact(id: $id) { version } }`;
const SAVE = `mutation SetReachability($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { version reachability { weekday from to } reachableNow } ${ERRORS} } }`;
const HOURS = [...Array(24).keys()];
const DAYS = [0, 1, 2, 3, 4, 5, 6];

const pad = (hour) => `${String(hour).padStart(2, "0")}:00`;
const minutes = (text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

function covered(windows, day, hour) {
  return windows.some((w) => w.weekday === day && minutes(w.from) < (hour + 1) * 60 && minutes(w.to) > hour * 60);
}

/** Checked hours -> windows, neighbouring hours merged. */
function windowsOf(grid) {
  const windows = [];
  for (const day of DAYS) {
    let start = null;
    for (const hour of [...HOURS, 24]) {
      const on = hour < 24 && grid[day][hour].checked;
      if (on && start === null) start = hour;
      if (!on && start !== null) {
        windows.push({ weekday: day, from: pad(start), to: hour === 24 ? "24:00" : pad(hour) });
        start = null;
      }
    }
  }
  return windows;
}

export function reachabilitySection(page, contact) {
  const { texts } = page;
  const outcome = h("div", {});
  const weekday = (day) => texts.t(`weekday.${day}`);
  const grid = DAYS.map((day) => HOURS.map((hour) => h("input", {
    type: "checkbox", id: uniqueId(`reach-${day}-${hour}`), checked: covered(contact.reachability, day, hour),
    disabled: !page.can("CONTACTS_WRITE"),
    "aria-label": `${weekday(day)} ${pad(hour)}–${pad(hour + 1)}`,
  })));
  const stored = contact.reachability.length
    ? h("ul", { class: "plain-list" }, contact.reachability.map((w) => h("li", {}, `${weekday(w.weekday)} ${w.from}–${w.to}`)))
    : h("p", { class: "muted" }, texts.t("reachability.none"));
  const table = h("div", { class: "table-wrap" }, h("table", { class: "reach-grid" },
    h("caption", { class: "visually-hidden" }, texts.t("reachability.title")),
    h("thead", {}, h("tr", {}, h("td", {}), HOURS.map((hour) => h("th", { scope: "col" }, String(hour))))),
    h("tbody", {}, DAYS.map((day) => h("tr", {}, h("th", { scope: "row" }, weekday(day)), HOURS.map((hour) => h("td", {}, grid[day][hour])))))));
  // One tab stop for the whole grid; the arrow keys (and Home / End) move within it, Space ticks.
  let focusDay = 0;
  let focusHour = 8;
  const moveTo = (day, hour) => {
    grid[focusDay][focusHour].tabIndex = -1;
    focusDay = Math.max(0, Math.min(6, day));
    focusHour = Math.max(0, Math.min(23, hour));
    grid[focusDay][focusHour].tabIndex = 0;
    grid[focusDay][focusHour].focus();
  };
  grid.flat().forEach((box) => { box.tabIndex = -1; });
  grid[focusDay][focusHour].tabIndex = 0;
  const keys = {
    ArrowLeft: () => moveTo(focusDay, focusHour - 1), ArrowRight: () => moveTo(focusDay, focusHour + 1),
    ArrowUp: () => moveTo(focusDay - 1, focusHour), ArrowDown: () => moveTo(focusDay + 1, focusHour),
    Home: () => moveTo(focusDay, 0), End: () => moveTo(focusDay, 23),
  };
  table.addEventListener("keydown", (event) => {
    if (!keys[event.key]) return;
    event.preventDefault();
    keys[event.key]();
  });
  table.addEventListener("focusin", (event) => {
    DAYS.forEach((day) => HOURS.forEach((hour) => {
      if (grid[day][hour] === event.target && (day !== focusDay || hour !== focusHour)) moveTo(day, hour);
    }));
  });
  const save = page.can("CONTACTS_WRITE") ? actionButton(texts.t("reachability.save"), async () => {
    const current = await api.request(VERSION, { id: contact.id });
    if (!current.data || !current.data.contact) return showOutcome(texts, outcome, current.errors, "updateContact");
    const { errors } = await api.mutate(SAVE, { input: { id: contact.id, version: current.data.contact.version, reachability: windowsOf(grid) } }, "updateContact");
    showOutcome(texts, outcome, errors, "updateContact", errors.length ? null : texts.t("reachability.saved"));
  }) : null;
  return [h("p", {}, texts.t("reachability.intro")), h("p", { class: "field-hint" }, texts.t("reachability.keys")), stored, table, h("div", { class: "actions" }, save), outcome];
}
