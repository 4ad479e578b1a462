"""GraphiQL for both APIs, from vendored files: works offline and under a CSP of ``'self'``.

Strawberry's own GraphiQL page loads React, GraphiQL and the explorer plugin from a CDN and
starts them with an inline script; this page loads the same versions from ``vendor/`` and
starts them with ``graphiql/graphiql.js``. The page names its API and an example query in data
attributes, which the script reads.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from portal.frontend import ASSETS_PATH
from portal.frontend.headers import GRAPHIQL_POLICY

VENDOR = f"{ASSETS_PATH}/vendor"
STYLESHEETS = (
    f"{VENDOR}/graphiql@3.8.3/graphiql.min.css",
    f"{VENDOR}/@graphiql/plugin-explorer@1.0.2/dist/style.css",
    f"{ASSETS_PATH}/graphiql/graphiql.css",
)
SCRIPTS = (
    f"{VENDOR}/react@18.2.0/umd/react.production.min.js",
    f"{VENDOR}/react-dom@18.2.0/umd/react-dom.production.min.js",
    f"{VENDOR}/graphiql@3.8.3/graphiql.min.js",
    f"{VENDOR}/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
    f"{ASSETS_PATH}/graphiql/graphiql.js",
)
EXAMPLE_QUERIES = {
    "/graphql": "# The customer API. Log in with the logIn mutation; the cookie is kept.\n"
    "{\n  portalInfo {\n    name\n    defaultLanguage\n  }\n}\n",
    "/admin/graphql": "# The staff API. Log in first:\n"
    '# mutation { staffLogIn(email: "admin@example.com", password: "portal-demo-admin")'
    " { errors { code } } }\n"
    "{\n  me {\n    email\n    role\n  }\n}\n",
}


def graphiql_page(path: str, title: str) -> HTMLResponse:
    """The GraphiQL page of the API served at ``path``."""
    links = "\n".join(f'<link rel="stylesheet" href="{escape(href)}">' for href in STYLESHEETS)
    scripts = "\n".join(f'<script src="{escape(src)}" defer></script>' for src in SCRIPTS)
    example = escape(EXAMPLE_QUERIES.get(path, ""))
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{links}
{scripts}
</head>
<body>
<div id="graphiql" data-endpoint="{escape(path)}" data-example="{example}">
Loading GraphiQL...</div>
</body>
</html>
"""
    return HTMLResponse(
        body, headers={"Content-Security-Policy": GRAPHIQL_POLICY, "Cache-Control": "no-store"}
    )
