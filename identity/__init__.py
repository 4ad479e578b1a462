"""Identity: passwords, tokens, sessions, registration, matching, impersonation.

Pure domain code on top of ``portal`` models; it never imports Strawberry or Starlette.
"""
