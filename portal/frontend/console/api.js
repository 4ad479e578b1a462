// The staff API (/admin/graphql) for every console page: the one client, and the pieces of
// documents the pages share. Each screen keeps its own documents next to it; they use only the
// public schema (schema/admin.graphql), like any other frontend.

import { createClient } from "../shared/graphql.js";

export const ERRORS = "errors { code field message }";

let signedInPage = false;

/** Called by startConsolePage: a signed-in page goes to the login page when the session ends. */
export function expectSession(expected) {
  signedInPage = expected;
}

function toLogin() {
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  window.location.assign(`/console/login?next=${next}&done=expired`);
}

export const api = createClient("/admin/graphql", {
  onError(error) {
    if (signedInPage && error.code === "UNAUTHENTICATED") toLogin();
  },
});

export const ME_FIELDS = `id email displayName role state permissions language formality lastLoginAt
  secondFactor { enabled enabledAt recoveryCodesLeft required }`;

export const ME = `query Me { me { ${ME_FIELDS} } }`;

export const STAFF_LOG_OUT = `mutation StaffLogOut { staffLogOut { ok ${ERRORS} } }`;
