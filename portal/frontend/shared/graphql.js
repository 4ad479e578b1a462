// The one way the pages talk to the server: a GraphQL POST with the session cookie, as JSON
// (the API refuses cookie-carrying POSTs of any other content type, so no foreign page can
// send one). Every failure comes back as {code, field, message}: typed payload errors,
// top-level errors (extensions.code), HTTP and network failures alike.

export const NETWORK_ERROR = "NETWORK_ERROR";

function topLevel(error) {
  const extensions = error.extensions || {};
  return {
    code: extensions.code || "GRAPHQL_ERROR",
    field: extensions.field || null,
    message: error.message || "",
  };
}

/**
 * A client for one endpoint. `onError(error)` sees every top-level error first (e.g. to send
 * the user to the login page on UNAUTHENTICATED).
 */
export function createClient(endpoint, { onError } = {}) {
  async function send(headers, content) {
    let response;
    try {
      response = await fetch(endpoint, { method: "POST", credentials: "include", headers, body: content });
    } catch (failure) {
      return { data: null, errors: [{ code: NETWORK_ERROR, field: null, message: String(failure) }] };
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    const errors = (body && Array.isArray(body.errors) ? body.errors : []).map(topLevel);
    if (!response.ok && errors.length === 0) {
      errors.push({ code: `HTTP_${response.status}`, field: null, message: response.statusText });
    }
    if (onError) errors.forEach(onError);
    return { data: (body && body.data) || null, errors };
  }

  function request(query, variables = {}) {
    return send({ "content-type": "application/json", accept: "application/json" }, JSON.stringify({ query, variables }));
  }

  /**
   * A mutation with files (the GraphQL multipart request spec): `files` maps a variable name
   * to a File. The header makes a foreign page's copy of this request need a CORS preflight,
   * which is why the server accepts it with the session cookie (portal/app/web.py).
   */
  function upload(query, variables, files) {
    const form = new FormData();
    const names = Object.keys(files);
    const withNulls = { ...variables };
    for (const name of names) withNulls[name] = null;
    form.append("operations", JSON.stringify({ query, variables: withNulls }));
    form.append("map", JSON.stringify(Object.fromEntries(names.map((name, index) => [String(index), [`variables.${name}`]]))));
    names.forEach((name, index) => form.append(String(index), files[name]));
    return send({ accept: "application/json", "graphql-require-preflight": "1" }, form);
  }

  /**
   * Run a mutation (or query) whose result field `name` is a payload with `errors`: the
   * payload and every error, top-level and typed, in one list.
   */
  async function mutate(query, variables, name, files = null) {
    const { data, errors } = files ? await upload(query, variables, files) : await request(query, variables);
    const payload = data ? data[name] : null;
    const typed = payload && Array.isArray(payload.errors) ? payload.errors : [];
    return { payload, errors: [...errors, ...typed] };
  }

  return { request, mutate, upload };
}
