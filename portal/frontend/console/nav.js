// The console's main navigation: one entry per screen. `text` is a catalogue key; an entry
// with a `permission` is shown only to staff who hold it (the API refuses the rest anyway).

export const NAV = [
  { id: "contacts", href: "/console", text: "nav.contacts", permission: "contacts:read" },
  // console-b's screens
  { id: "account", href: "/console/account", text: "nav.account", permission: null },
];
