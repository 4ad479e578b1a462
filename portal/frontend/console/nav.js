// The console's main navigation: one entry per screen. `text` is a catalogue key; an entry
// with a `permission` is shown only to staff who hold it (the API refuses the rest anyway).

export const NAV = [
  { id: "contacts", href: "/console", text: "nav.contacts", permission: "contacts:read" },
  // console-b's screens
  { id: "portal-users", href: "/console/portal-users", text: "nav.portalUsers", permission: "portal_users:read" },
  { id: "support-sessions", href: "/console/support-sessions", text: "nav.supportSessions", permission: "support:impersonate" },
  { id: "transfers", href: "/console/transfers", text: "nav.transfers", permission: "contacts:read" },
  { id: "duplicates", href: "/console/duplicates", text: "nav.duplicates", permission: "contacts:read" },
  { id: "staff", href: "/console/staff", text: "nav.staff", permission: "staff:manage" },
  { id: "settings", href: "/console/settings", text: "nav.settings", permission: "settings:write" },
  { id: "account", href: "/console/account", text: "nav.account", permission: null },
];
