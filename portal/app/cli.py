"""The ``portal`` command line."""

from __future__ import annotations

import asyncio
import functools
import secrets
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from identity.permissions import StaffRole
from portal.config import ConfigurationError, Settings
from portal.errors import InvalidInput
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.fields import ContactSource
from portal.services.contacts.search import OptInState
from portal.services.contacts.status import PortalStatus
from portal.services.csv_columns import CONTACT_COLUMNS

T = TypeVar("T")


def _settings() -> Settings:
    try:
        settings = Settings.from_env()
        settings.check_production()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    return settings.with_development_secret()


async def _with_runtime(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    from portal.app.runtime import Runtime

    runtime = Runtime.build(settings)
    try:
        return await work(runtime)
    finally:
        await runtime.close()


@click.group()
@click.version_option(package_name="portal")
def main() -> None:
    """portal: GraphQL backend for customer portals."""


# -- serve -------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option("--demo", is_flag=True, help="Load demo data into an empty database first.")
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help="Migrate the database first (default: on for the embedded SQLite database).",
)
def serve(
    host: str, port: int, workers: int, reload: bool, demo: bool, migrate: bool | None
) -> None:
    """Serve both GraphQL APIs with uvicorn."""
    import uvicorn

    settings = _settings()
    if migrate if migrate is not None else settings.is_sqlite:
        from portal.migrate import upgrade_database

        upgrade_database(settings.database_url)
    if demo:
        _load_demo(settings)
    base = f"http://{host}:{port}"
    click.echo(
        f"portal {settings.env}: customer API {base}/graphql, staff API {base}/admin/graphql"
    )
    if settings.customer_pages:
        click.echo(f"customer portal: {settings.public_url}/ (links in emails point there)")
    if settings.staff_console:
        click.echo(f"support console: {settings.public_url}/console")
    if demo:
        from portal.app.demo import DEMO_CUSTOMER_EMAIL

        click.echo(
            f"demo: register at {settings.public_url}/register with a demo contact's email, "
            f"e.g. {DEMO_CUSTOMER_EMAIL}; the activation link is printed below when it is sent"
        )
    uvicorn.run(
        "portal.app.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        # The application decides whom to believe (PORTAL_TRUSTED_PROXIES, portal.app.asgi);
        # uvicorn's own default trusts X-Forwarded-For from loopback.
        proxy_headers=False,
        log_level="info",
    )


# -- db ------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION."""
    from portal.migrate import upgrade_database

    settings = _settings()
    upgrade_database(settings.database_url, revision)
    click.echo(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from portal.migrate import current_revision, head_revision

    settings = _settings()
    current = asyncio.run(current_revision(settings.database_url))
    click.echo(f"current: {current or '(empty)'}  head: {head_revision()}")


# -- staff ---------------------------------------------------------------------------------


@main.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([role.value for role in StaffRole]), required=True)
@click.option("--name", "display_name", default="", help="Display name (default: from email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_create(email: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create a staff account (the password is prompted for)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _settings()

    async def work(runtime: object) -> str:
        from identity.staff import create_staff_user
        from portal.app.runtime import Runtime

        assert isinstance(runtime, Runtime)
        async with runtime.database.transaction() as session:
            user = await create_staff_user(
                session,
                runtime.identity.password_hasher,
                email=email,
                password=password,
                role=role,
                display_name=display_name,
            )
            return user.email

    try:
        created = asyncio.run(_with_runtime(settings, work))
    except InvalidInput as exc:
        raise click.ClickException("; ".join(e.message for e in exc.errors)) from None
    click.echo(f"created {role} {created}")


# -- demo ----------------------------------------------------------------------------------


def _load_demo(settings: Settings) -> None:
    from portal.app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, load_demo

    try:
        result = asyncio.run(_with_runtime(settings, load_demo))
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"demo data: {result.contacts_created} contacts created"
        + (", admin created" if result.admin_created else "")
    )
    click.echo(f"staff login: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")


@main.command()
def demo() -> None:
    """Load the demo data set (refused in production)."""
    settings = _settings()
    if settings.is_sqlite:
        from portal.migrate import upgrade_database

        upgrade_database(settings.database_url)
    _load_demo(settings)


# -- schema --------------------------------------------------------------------------------


@main.group("schema")
def schema_group() -> None:
    """The committed GraphQL SDL files."""


@schema_group.command("export")
@click.option(
    "--dir", "directory", default="schema", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--check", is_flag=True, help="Fail instead of writing when the files are stale.")
def schema_export(directory: Path, check: bool) -> None:
    """Write schema/portal.graphql and schema/admin.graphql from the code."""
    from schema.sdl import render_sdl_files

    stale = []
    for name, text in render_sdl_files().items():
        path = directory / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}")
    if check and stale:
        raise click.ClickException(f"stale SDL: {', '.join(stale)} (run: portal schema export)")
    if not stale:
        click.echo("SDL files are up to date")


# -- contacts ------------------------------------------------------------------------------


@main.group()
def contacts() -> None:
    """Contacts in bulk."""


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--match",
    type=click.Choice(["AUTO", "UUID", "CUSTOMER_NUMBER", "EMAIL"]),
    default="AUTO",
    show_default=True,
    help="How rows find the contact they update. AUTO: each row by its UUID, else its "
    "customer number, else its primary email (a row with none creates a contact; a row "
    "whose email belongs to several contacts fails). UUID, CUSTOMER_NUMBER, EMAIL: only by "
    "that column.",
)
@click.option(
    "--policy",
    type=click.Choice(["REJECT_EVERYTHING", "REJECT_FAILED_ROWS"]),
    default="REJECT_EVERYTHING",
    show_default=True,
    help="REJECT_EVERYTHING: apply all rows or none. REJECT_FAILED_ROWS: apply the good rows "
    "(committed every 500 rows) and report the others.",
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="HEADER=COLUMN",
    help="Feed the file's column HEADER into contact column COLUMN (e.g. "
    "'Telefon privat=phone2'); 'HEADER=' ignores it. Repeatable. Columns: "
    + ", ".join(sorted(c.key for c in CONTACT_COLUMNS))
    + ".",
)
@click.option("--dry-run", is_flag=True, help="Check and report (with every column's mapping).")
def contacts_import(
    file: Path, match: str, policy: str, mappings: tuple[str, ...], dry_run: bool
) -> None:
    """Import or update contacts from a CSV FILE (as exported, or any German or English
    spreadsheet: headers such as Telefon, Handy, PLZ, Straße, E-Mail are recognised; columns
    the import does not know are listed, never dropped without a word)."""
    from portal.app.runtime import Runtime
    from portal.services.actors import Actor, ActorType
    from portal.services.csv_import import (
        ColumnUse,
        ImportErrorPolicy,
        ImportMatch,
        ImportOptions,
        ImportReport,
        import_contacts,
    )

    columns: dict[str, str | None] = {}
    for mapping in mappings:
        header, equals, key = mapping.partition("=")
        if not equals or not header.strip():
            raise click.BadParameter(f"{mapping!r}: use HEADER=COLUMN", param_hint="--map")
        columns[header.strip()] = key.strip() or None
    settings = _settings()
    data = file.read_bytes()
    total = max(0, data.count(b"\n") - 1)

    async def work(runtime: Runtime) -> ImportReport:
        from portal.app.asgi import freeze_startup_heap

        freeze_startup_heap()  # as a server does: full collections skip the start-up heap
        session = runtime.database.new_session()
        try:
            with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
                done = 0

                def progress(rows: int) -> None:
                    nonlocal done
                    bar.update(rows - done)
                    done = rows

                report = await import_contacts(
                    session,
                    data,
                    ImportOptions(
                        dry_run=dry_run,
                        error_policy=ImportErrorPolicy(policy),
                        match=ImportMatch(match),
                        columns=columns or None,
                        phone_region=settings.default_phone_region,
                    ),
                    Actor(ActorType.IMPORT, name=f"CLI import {file.name}"),
                    progress=progress,
                    on_batch=functools.partial(runtime.database.commit_and_give_way, session),
                )
            await session.commit()
            return report
        finally:
            await session.close()

    report = asyncio.run(_with_runtime(settings, work))
    if dry_run:
        for column in report.columns:
            target = column.column.key if column.column else "ignored"
            click.echo(f"column {column.position + 1} {column.header!r}: {target} ({column.use})")
    ignored = [c.header for c in report.columns if c.use is ColumnUse.IGNORED]
    if ignored:
        click.echo(
            "ignored columns (not read; map them with --map HEADER=COLUMN): "
            + ", ".join(repr(h) for h in ignored)
        )
    click.echo(f"match: {report.match}")
    for problem in report.problems[:200]:
        click.echo(
            f"line {problem.row}: {problem.column or '-'}: {problem.code}: {problem.message}"
        )
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.failed} failed; "
        + ("applied" if report.applied else "nothing written")
    )
    if ((report.failed or report.problems) and not report.applied) or report.interrupted_at:
        # Rejected rows, a file that could not be read at all, or an import that stopped.
        raise SystemExit(1)


@contacts.command("export")
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="The CSV file to write; '-' writes to standard output.",
)
@click.option(
    "--language",
    type=click.Choice(["de", "en"]),
    default="en",
    show_default=True,
    help="Header language.",
)
@click.option(
    "--delimiter",
    type=click.Choice([",", ";"]),
    default=",",
    show_default=True,
    help="';' for German Excel.",
)
@click.option(
    "--bom/--no-bom",
    default=True,
    show_default=True,
    help="UTF-8 byte order mark (Excel needs it to read UTF-8).",
)
@click.option("--search", default=None, help="Words in name, company, email, phone or number.")
@click.option(
    "--status",
    type=click.Choice([s.value for s in PortalStatus]),
    default=None,
    help="Portal status.",
)
@click.option(
    "--active/--inactive",
    "active",
    default=None,
    help="Only active or only inactive contacts (default: both).",
)
@click.option("--tag", "tags", multiple=True, help="Contacts with this tag (repeatable: all).")
@click.option(
    "--group",
    "groups",
    multiple=True,
    type=click.UUID,
    help="Contacts in this group, by its UUID (repeatable: all).",
)
@click.option(
    "--source",
    type=click.Choice([s.value for s in ContactSource]),
    default=None,
    help="Where the contact came from.",
)
@click.option(
    "--opt-in",
    "opt_in",
    type=click.Choice([s.value for s in OptInState]),
    default=None,
    help="Newsletter consent state.",
)
def contacts_export(
    output: Path,
    language: str,
    delimiter: str,
    bom: bool,
    search: str | None,
    status: str | None,
    active: bool | None,
    tags: tuple[str, ...],
    groups: tuple[uuid.UUID, ...],
    source: str | None,
    opt_in: str | None,
) -> None:
    """Export contacts as CSV (the columns the import reads), with the staff API's filters:
    active and inactive contacts unless --active or --inactive narrows it. A progress bar goes
    to standard error."""
    from portal.app.runtime import Runtime
    from portal.services import audit
    from portal.services.actors import Actor, ActorType
    from portal.services.contacts.search import ContactFilter
    from portal.services.csv_export import CsvDialect, export_contacts
    from portal.services.exports import ExportKind, matching_rows

    settings = _settings()
    contact_filter = ContactFilter(
        search=search, status=status, active=active, include_inactive=True,
        group_ids=groups, tags=tags, source=source,
        opt_in=OptInState(opt_in) if opt_in else None,
    )  # fmt: skip
    dialect = CsvDialect(delimiter=delimiter, bom=bom, language=language)
    actor = Actor(ActorType.SYSTEM, name="CLI export")

    async def work(runtime: Runtime) -> int:
        async with runtime.database.transaction() as session:
            total = await matching_rows(session, ExportKind.CONTACTS, contact_filter)
            await audit.record(
                session,
                actor,
                AuditAction.EXPORT_CONTACTS,
                subject_type=AuditSubject.EXPORT_JOB,
                subject_id=None,
                changes={
                    "filter": {
                        "search": search,
                        "status": status,
                        "active": active,
                        "tags": list(tags),
                        "group_ids": [str(g) for g in groups],
                        "source": source,
                        "opt_in": opt_in,
                    },
                    "delivery": "cli",
                },
            )
        written = 0
        session = runtime.database.new_session()
        try:
            with (
                click.open_file(str(output), "wb") as target,
                click.progressbar(length=total, label="exporting", file=sys.stderr) as bar,
            ):

                def progress(rows: int) -> None:
                    nonlocal written
                    written += rows
                    bar.update(rows)

                async for chunk in export_contacts(
                    session, contact_filter, dialect, progress=progress
                ):
                    target.write(chunk)
        finally:
            await session.close()
        return written

    written = asyncio.run(_with_runtime(settings, work))
    click.echo(f"{written} contacts exported", err=True)


# -- mail ----------------------------------------------------------------------------------


@main.group()
def mail() -> None:
    """The email outbox."""


@mail.command("deliver")
@click.option("--loop", is_flag=True, help="Keep polling until interrupted.")
def mail_deliver(loop: bool) -> None:
    """Send due outbox messages once (or keep doing it with --loop)."""
    from portal.app.runtime import Runtime
    from portal.email.delivery import deliver_due, run_worker

    settings = _settings()

    async def work(runtime: Runtime) -> str:
        if loop:
            await run_worker(runtime.mailer, asyncio.Event())
            return "stopped"
        report = await deliver_due(runtime.mailer, limit=1000)
        return f"sent {report.sent}, retrying {report.retried}, failed {report.failed}"

    try:
        click.echo(asyncio.run(_with_runtime(settings, work)))
    except KeyboardInterrupt:
        click.echo("stopped")


# -- webhooks ------------------------------------------------------------------------------


@main.group()
def webhooks() -> None:
    """Webhook delivery."""


@webhooks.command("deliver")
@click.option("--loop", is_flag=True, help="Keep polling until interrupted.")
def webhooks_deliver(loop: bool) -> None:
    """Fan out new events and send due webhook deliveries once (or keep doing it with --loop)."""
    from portal.app.runtime import Runtime
    from portal.webhooks.delivery import deliver_due, run_worker

    settings = _settings()

    async def work(runtime: Runtime) -> str:
        if loop:
            await run_worker(runtime.webhooks, asyncio.Event())
            return "stopped"
        report = await deliver_due(runtime.webhooks)
        return (
            f"events fanned out {report.dispatched}, delivered {report.delivered}, "
            f"retrying {report.retried}, failed {report.failed}"
        )

    try:
        click.echo(asyncio.run(_with_runtime(settings, work)))
    except KeyboardInterrupt:
        click.echo("stopped")


# -- secret --------------------------------------------------------------------------------


@main.group()
def secret() -> None:
    """Secret keys."""


@secret.command("generate")
def secret_generate() -> None:
    """Print a new random secret key for PORTAL_SECRET_KEY."""
    click.echo(secrets.token_urlsafe(48))


# -- events --------------------------------------------------------------------------------


@main.group()
def events() -> None:
    """Lifecycle events (the webhooks' outbox, see docs/events.md)."""


@events.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    required=True,
    help="Delete events that occurred more than DAYS days ago (keep at least the webhook "
    "retry window).",
)
def events_prune(days: int) -> None:
    """Delete old events (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from portal.app.runtime import Runtime
    from portal.services.events import prune_events

    settings = _settings()

    async def work(runtime: Runtime) -> int:
        async with runtime.database.transaction() as session:
            return await prune_events(session, settings.clock() - timedelta(days=days))

    click.echo(f"deleted {asyncio.run(_with_runtime(settings, work))} events")
