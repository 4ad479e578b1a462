"""Identity: passwords, tokens, sessions, registration, matching, impersonation.

Pure domain code on top of ``portal`` models; it never imports Strawberry, Starlette or the
application (``portal.app``), which passes in what identity needs (see
:mod:`identity.environment`).
"""
