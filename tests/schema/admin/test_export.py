"""CSV export: streamed download behind a short-lived link, Excel-safe."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from portal.clock import FrozenClock
from portal.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer
from tests.schema.admin.contact_documents import create

EXPORT = """
mutation E($filter: ContactFilterInput, $options: CsvOptionsInput) {
  exportContacts(filter: $filter, options: $options) { downloadUrl expiresAt errors { code field } }
}
"""


async def download(api: GraphQLClient, **variables: Any) -> tuple[int, bytes, dict[str, str]]:
    data = await api.data(EXPORT, variables)
    url = data["exportContacts"]["downloadUrl"]
    assert url.startswith("/admin/exports/download?token=")
    response = await api.http.get(url)
    return response.status_code, response.content, dict(response.headers)


def rows(content: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


async def test_export_is_excel_safe_and_filtered(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await create(
        admin_api,
        firstName='=HYPERLINK("x")',
        lastName='Müller; "Sohn"',
        email="m@example.de",
        notes="+49 Notiz\nzweite Zeile",
    )
    await create(admin_api, lastName="@Angriff", companyName="-1+1")
    gone = await create(admin_api, lastName="Inaktiv")
    await admin_api.data(
        "mutation D($c: ID!) { deactivateContact(contactId: $c) { errors { code } } }",
        {"c": gone["id"]},
    )
    status, content, headers = await download(admin_api)
    assert status == 200
    assert content.startswith(b"\xef\xbb\xbf")
    assert headers["content-type"].startswith("text/csv")
    assert headers["cache-control"] == "no-store"
    exported = rows(content)
    assert [r["Last name"] for r in exported] == ['Müller; "Sohn"', "'@Angriff"]
    assert exported[0]["First name"] == '\'=HYPERLINK("x")'
    assert exported[0]["Notes"] == "'+49 Notiz\nzweite Zeile"
    assert exported[1]["Company"] == "'-1+1"
    assert exported[0]["Active"] == "1"
    assert exported[0]["Status"] == "PROSPECT"
    _, everything, _ = await download(admin_api, filter={"includeInactive": True})
    assert len(rows(everything)) == 3


async def test_semicolon_german_headers_and_status(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await make_customer(runtime, "kunde@example.de")
    _, content, _ = await download(
        admin_api, options={"delimiter": ";", "language": "de", "bom": False}
    )
    assert not content.startswith(b"\xef\xbb\xbf")
    (row,) = rows(content, ";")
    assert row["Nachname"] == "Kunde"
    assert row["E-Mail"] == "kunde@example.de"
    assert row["Status"] == "INVITED"
    bad = await admin_api.data(EXPORT, {"options": {"delimiter": "|"}})
    assert bad["exportContacts"]["errors"] == [{"code": "INVALID_DIALECT", "field": "options"}]


async def test_links_expire_and_cannot_be_forged(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    url = (await admin_api.data(EXPORT, {}))["exportContacts"]["downloadUrl"]
    assert (await admin_api.http.get(url + "x")).status_code == 404
    clock.advance(timedelta(minutes=11))
    assert (await admin_api.http.get(url)).status_code == 404


async def test_portal_user_export(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    await make_customer(runtime, "a@example.de")
    await make_customer(runtime, "b@example.de", linked=False)
    data = await admin_api.data("mutation { exportPortalUsers { downloadUrl } }")
    response = await admin_api.http.get(data["exportPortalUsers"]["downloadUrl"])
    exported = rows(response.content)
    assert {(r["Email"], r["Mapping status"]) for r in exported} == {
        ("a@example.de", "ASSIGNED"),
        ("b@example.de", "PENDING"),
    }


EXPORT_BY = """
mutation E($delivery: ExportDelivery, $options: CsvOptionsInput) {
  exportContacts(delivery: $delivery, options: $options) {
    downloadUrl emailedTo errors { code field }
  }
}
"""


async def test_large_export_is_zipped_and_emailed_to_the_staff_user(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    import zipfile

    from portal.email.backends import MemoryBackend
    from portal.email.delivery import deliver_due

    await log_in_staff(admin_api, runtime, email="export@example.com")
    for name in ("Groß", "Weiß"):
        await create(admin_api, lastName=name)
    answer = await admin_api.data(EXPORT_BY, {"delivery": "EMAIL", "options": {"language": "de"}})
    assert answer["exportContacts"] == {
        "downloadUrl": None,
        "emailedTo": "export@example.com",
        "errors": [],
    }
    await deliver_due(runtime)
    backend = runtime.mail_backend
    assert isinstance(backend, MemoryBackend)
    (message,) = backend.sent
    assert message["To"] == "export@example.com"
    assert message["Subject"] == "Ihr Export ist fertig: Kontakte"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(attachment.get_payload(decode=True)))
    (member,) = archive.namelist()
    assert member.startswith("contacts-") and member.endswith(".csv")
    exported = rows(archive.read(member))
    assert sorted(r["Nachname"] for r in exported) == ["Groß", "Weiß"]


async def test_auto_delivery_emails_above_the_threshold_only(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await create(admin_api, lastName="Eins")
    small = await admin_api.data(EXPORT_BY, {})
    assert small["exportContacts"]["downloadUrl"].startswith("/admin/exports/download")
    runtime.settings = runtime.settings.with_changes(export_email_threshold=0)
    large = await admin_api.data(EXPORT_BY, {})
    assert large["exportContacts"]["downloadUrl"] is None
    assert large["exportContacts"]["emailedTo"] == "admin@example.com"
