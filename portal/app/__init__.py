"""The application: the top layer, which assembles the ones below.

``portal.app.asgi`` builds the ASGI application (``create_app``) from the settings, the
long-lived objects of ``portal.app.runtime`` and the two GraphQL APIs of ``schema``;
``portal.app.web`` is its HTTP glue, ``portal.app.cli`` the ``portal`` command and
``portal.app.demo`` the demo data set. Nothing below this package imports it (see
``tests/test_architecture.py``).
"""
