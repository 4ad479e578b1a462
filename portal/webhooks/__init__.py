"""Webhooks: staff-managed endpoints that receive portal's lifecycle events over HTTPS.

:mod:`~portal.webhooks.addresses` decides which URLs and addresses an endpoint may reach (SSRF),
:mod:`~portal.webhooks.signing` keeps the signing secrets sealed and signs per the Standard
Webhooks specification, :mod:`~portal.webhooks.transport` sends one request to the address that
was checked.
"""
