// The console's main navigation: one entry per screen. `text` is a catalogue key; an entry
// with a `permission` is shown only to staff who hold it (the API refuses the rest anyway).

export const NAV = [
  { id: "contacts", href: "/console", text: "nav.contacts", permission: "CONTACTS_READ" },
  // console-b's screens
  { id: "portal-users", href: "/console/portal-users", text: "nav.portalUsers", permission: "PORTAL_USERS_READ" },
  { id: "support-sessions", href: "/console/support-sessions", text: "nav.supportSessions", permission: "SUPPORT_IMPERSONATE" },
  { id: "transfers", href: "/console/transfers", text: "nav.transfers", permission: "CONTACTS_READ" },
  { id: "duplicates", href: "/console/duplicates", text: "nav.duplicates", permission: "CONTACTS_READ" },
  { id: "staff", href: "/console/staff", text: "nav.staff", permission: "STAFF_MANAGE" },
  { id: "settings", href: "/console/settings", text: "nav.settings", permission: "SETTINGS_WRITE" },
  { id: "account", href: "/console/account", text: "nav.account", permission: null },
];
