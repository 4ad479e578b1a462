"""Settings from the environment (``PORTAL_*`` and ``DATABASE_URL``) and an optional ``.env``.

Every setting has a default that works for the embedded development setup. Production
(``PORTAL_ENV=production``) refuses to start with settings that are unsafe there; see
:func:`Settings.check_production`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.clock import Clock, system_clock

Environment = Literal["development", "production", "test"]

# OWASP password storage cheat sheet: argon2id with at least 19 MiB and 2 iterations.
ARGON2_MIN_MEMORY_KIB = 19 * 1024
ARGON2_MIN_TIME_COST = 2


class Secret:
    """A string that never shows itself in ``repr`` or ``str`` (logs, tracebacks, CLI output)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)


class ConfigurationError(Exception):
    """Settings that must not be used; the message says which and why."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``#`` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigurationError(f"{name} must be a boolean (true/false), got {value!r}")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in value.split(",") if part.strip())


def _origins(value: str, name: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
            raise ConfigurationError(f"{name}: {origin!r} is not an origin like https://host")
    return origins


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {value!r}") from None


def default_hash_threads(cpu_count: int | None = None) -> int:
    """Password hashing threads by default: one less than the CPU cores, 1 to 4. argon2 keeps
    a core busy for the whole hash; with as many hashing threads as cores, a burst of logins
    leaves the event loop waiting for a core between its steps (benchmarks/login_load)."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, min(4, cores - 1))


def _positive_int(value: str, name: str) -> int:
    number = _int(value, name)
    if number < 1:
        raise ConfigurationError(f"{name} must be at least 1, got {number}")
    return number


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a portal instance. Build with :meth:`from_env`."""

    env: Environment = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    allow_sqlite_in_production: bool = False
    secret_keys: tuple[Secret, ...] = ()
    portal_name: str = "Customer Portal"
    public_url: str = "http://localhost:8000"
    default_language: str = "de"
    time_zone: str = "Europe/Berlin"
    # Phone numbers typed without a country code are read in this region (ISO 3166).
    default_phone_region: str = "DE"
    # argon2id parameters; tests use the cheapest, production refuses less than OWASP's minimum.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 1
    # Threads that hash passwords: one core is left to the event loop (see default_hash_threads).
    password_hash_threads: int = field(default_factory=default_hash_threads)
    staff_session_hours: int = 12
    staff_session_idle_minutes: int = 60
    customer_session_hours: int = 24 * 7
    customer_session_idle_minutes: int = 24 * 60
    # Defaults of the portal settings staff can change at run time (portalSettings).
    registration_policy: str = "ALLOW_PENDING"
    second_identifiers: tuple[str, ...] = ("CUSTOMER_NUMBER", "POSTAL_CODE")
    # Permissions a contact can hold on a resource, and which need which ("PUBLISH>EDIT").
    resource_permissions: tuple[str, ...] = (
        "VIEW",
        "EDIT>VIEW",
        "PUBLISH>EDIT",
        "STATS>VIEW",
        "BILLING",
        "DOWNLOAD_DOCUMENTS>VIEW",
    )
    # Portal functions groups can grant their members.
    feature_permissions: tuple[str, ...] = (
        "NEWSLETTER",
        "DOCUMENTS",
        "DIRECTORY",
        "SUPPORT_TICKETS",
    )
    # Support impersonation: one-time login token lifetime, hard session maximum, notice email.
    impersonation_token_seconds: int = 120
    impersonation_max_minutes: int = 30
    impersonation_notify_customer: bool = True
    impersonation_reason_min_length: int = 10
    # Email: "file" (development), "smtp" (production), "memory" (tests).
    mail_backend: str = "file"
    mail_dir: Path = Path("var/mail")
    mail_from: str = "portal@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls, tls or none
    smtp_user: str = ""
    smtp_password: Secret | None = None
    smtp_timeout_seconds: int = 30
    mail_max_attempts: int = 5
    mail_retry_base_seconds: int = 60
    mail_worker: bool = True
    mail_poll_seconds: int = 5
    # Browser origins allowed to call each API with credentials (CORS), and trusted for
    # cookie-authenticated POSTs (CSRF); the public URL's origin is always trusted.
    cors_origins: tuple[str, ...] = ()
    admin_cors_origins: tuple[str, ...] = ()
    # Throttling (identity.throttling): shared through the database, or Redis when set.
    redis_url: str = ""
    lockout_threshold: int = 5
    lockout_first_seconds: int = 60
    lockout_max_seconds: int = 15 * 60
    account_failures_per_hour: int = 100
    # "action=count/seconds" entries overriding the defaults of identity.throttling.
    throttle_limits: tuple[str, ...] = ()
    # Exports with delivery AUTO are zipped and emailed above this many rows.
    export_email_threshold: int = 50_000
    sql_echo: bool = False
    # What one GraphQL request may ask for (schema.common.limits); refused before execution.
    graphql_max_tokens: int = 2000
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 15
    graphql_max_root_fields: int = 15
    graphql_max_cost: int = 10000
    clock: Clock = field(default=system_clock, compare=False, repr=False)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = Path(".env"),
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over an optional ``.env``."""
        values: dict[str, str] = {}
        if env_file is not None:
            values.update(read_env_file(env_file))
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return values.get(name, default)

        env = get("PORTAL_ENV", "development")
        if env not in ("development", "production", "test"):
            raise ConfigurationError(
                f"PORTAL_ENV must be development, production or test, got {env!r}"
            )
        data_dir = Path(get("PORTAL_DATA_DIR", "var"))
        database_url = get("DATABASE_URL") or get("PORTAL_DATABASE_URL")
        if not database_url:
            database_url = f"sqlite+aiosqlite:///{data_dir / 'portal.db'}"
        raw_keys = get("PORTAL_SECRET_KEY")
        keys = tuple(Secret(k.strip()) for k in raw_keys.split(",") if k.strip())
        defaults = cls()
        settings = cls(
            env=env,  # type: ignore[arg-type]  # checked above
            data_dir=data_dir,
            database_url=database_url,
            allow_sqlite_in_production=_bool(
                get("PORTAL_ALLOW_SQLITE_IN_PRODUCTION", "false"),
                "PORTAL_ALLOW_SQLITE_IN_PRODUCTION",
            ),
            secret_keys=keys,
            portal_name=get("PORTAL_NAME", defaults.portal_name),
            public_url=get("PORTAL_PUBLIC_URL", defaults.public_url).rstrip("/"),
            default_language=get("PORTAL_DEFAULT_LANGUAGE", defaults.default_language),
            time_zone=get("PORTAL_TIME_ZONE", defaults.time_zone),
            default_phone_region=get(
                "PORTAL_DEFAULT_PHONE_REGION", defaults.default_phone_region
            ).upper(),
            argon2_time_cost=_int(
                get("PORTAL_ARGON2_TIME_COST", str(defaults.argon2_time_cost)),
                "PORTAL_ARGON2_TIME_COST",
            ),
            argon2_memory_kib=_int(
                get("PORTAL_ARGON2_MEMORY_KIB", str(defaults.argon2_memory_kib)),
                "PORTAL_ARGON2_MEMORY_KIB",
            ),
            argon2_parallelism=_int(
                get("PORTAL_ARGON2_PARALLELISM", str(defaults.argon2_parallelism)),
                "PORTAL_ARGON2_PARALLELISM",
            ),
            password_hash_threads=_positive_int(
                get("PORTAL_PASSWORD_HASH_THREADS", str(defaults.password_hash_threads)),
                "PORTAL_PASSWORD_HASH_THREADS",
            ),
            staff_session_hours=_int(
                get("PORTAL_STAFF_SESSION_HOURS", str(defaults.staff_session_hours)),
                "PORTAL_STAFF_SESSION_HOURS",
            ),
            staff_session_idle_minutes=_int(
                get("PORTAL_STAFF_SESSION_IDLE_MINUTES", str(defaults.staff_session_idle_minutes)),
                "PORTAL_STAFF_SESSION_IDLE_MINUTES",
            ),
            customer_session_hours=_int(
                get("PORTAL_CUSTOMER_SESSION_HOURS", str(defaults.customer_session_hours)),
                "PORTAL_CUSTOMER_SESSION_HOURS",
            ),
            customer_session_idle_minutes=_int(
                get(
                    "PORTAL_CUSTOMER_SESSION_IDLE_MINUTES",
                    str(defaults.customer_session_idle_minutes),
                ),
                "PORTAL_CUSTOMER_SESSION_IDLE_MINUTES",
            ),
            registration_policy=get("PORTAL_REGISTRATION_POLICY", defaults.registration_policy),
            second_identifiers=tuple(
                part.strip().upper()
                for part in get(
                    "PORTAL_SECOND_IDENTIFIERS", ",".join(defaults.second_identifiers)
                ).split(",")
                if part.strip()
            ),
            resource_permissions=_csv(
                get("PORTAL_RESOURCE_PERMISSIONS", ",".join(defaults.resource_permissions))
            ),
            feature_permissions=_csv(
                get("PORTAL_FEATURE_PERMISSIONS", ",".join(defaults.feature_permissions))
            ),
            impersonation_token_seconds=_int(
                get(
                    "PORTAL_IMPERSONATION_TOKEN_SECONDS", str(defaults.impersonation_token_seconds)
                ),
                "PORTAL_IMPERSONATION_TOKEN_SECONDS",
            ),
            impersonation_max_minutes=_int(
                get("PORTAL_IMPERSONATION_MAX_MINUTES", str(defaults.impersonation_max_minutes)),
                "PORTAL_IMPERSONATION_MAX_MINUTES",
            ),
            impersonation_notify_customer=_bool(
                get("PORTAL_IMPERSONATION_NOTIFY_CUSTOMER", "true"),
                "PORTAL_IMPERSONATION_NOTIFY_CUSTOMER",
            ),
            mail_backend=get("PORTAL_MAIL_BACKEND", defaults.mail_backend),
            mail_dir=Path(get("PORTAL_MAIL_DIR", str(data_dir / "mail"))),
            mail_from=get("PORTAL_MAIL_FROM", defaults.mail_from),
            smtp_host=get("PORTAL_SMTP_HOST", defaults.smtp_host),
            smtp_port=_int(get("PORTAL_SMTP_PORT", str(defaults.smtp_port)), "PORTAL_SMTP_PORT"),
            smtp_security=get("PORTAL_SMTP_SECURITY", defaults.smtp_security),
            smtp_user=get("PORTAL_SMTP_USER"),
            smtp_password=Secret(get("PORTAL_SMTP_PASSWORD"))
            if get("PORTAL_SMTP_PASSWORD")
            else None,
            smtp_timeout_seconds=_int(
                get("PORTAL_SMTP_TIMEOUT_SECONDS", str(defaults.smtp_timeout_seconds)),
                "PORTAL_SMTP_TIMEOUT_SECONDS",
            ),
            mail_max_attempts=_int(
                get("PORTAL_MAIL_MAX_ATTEMPTS", str(defaults.mail_max_attempts)),
                "PORTAL_MAIL_MAX_ATTEMPTS",
            ),
            mail_retry_base_seconds=_int(
                get("PORTAL_MAIL_RETRY_BASE_SECONDS", str(defaults.mail_retry_base_seconds)),
                "PORTAL_MAIL_RETRY_BASE_SECONDS",
            ),
            mail_worker=_bool(get("PORTAL_MAIL_WORKER", "true"), "PORTAL_MAIL_WORKER"),
            mail_poll_seconds=_int(
                get("PORTAL_MAIL_POLL_SECONDS", str(defaults.mail_poll_seconds)),
                "PORTAL_MAIL_POLL_SECONDS",
            ),
            cors_origins=_origins(get("PORTAL_CORS_ORIGINS"), "PORTAL_CORS_ORIGINS"),
            admin_cors_origins=_origins(
                get("PORTAL_ADMIN_CORS_ORIGINS"), "PORTAL_ADMIN_CORS_ORIGINS"
            ),
            redis_url=get("PORTAL_REDIS_URL"),
            lockout_threshold=_int(
                get("PORTAL_LOCKOUT_THRESHOLD", str(defaults.lockout_threshold)),
                "PORTAL_LOCKOUT_THRESHOLD",
            ),
            lockout_first_seconds=_int(
                get("PORTAL_LOCKOUT_FIRST_SECONDS", str(defaults.lockout_first_seconds)),
                "PORTAL_LOCKOUT_FIRST_SECONDS",
            ),
            lockout_max_seconds=_int(
                get("PORTAL_LOCKOUT_MAX_SECONDS", str(defaults.lockout_max_seconds)),
                "PORTAL_LOCKOUT_MAX_SECONDS",
            ),
            account_failures_per_hour=_int(
                get("PORTAL_ACCOUNT_FAILURES_PER_HOUR", str(defaults.account_failures_per_hour)),
                "PORTAL_ACCOUNT_FAILURES_PER_HOUR",
            ),
            throttle_limits=tuple(
                e.strip() for e in get("PORTAL_THROTTLE_LIMITS").split(",") if e.strip()
            ),
            export_email_threshold=_int(
                get("PORTAL_EXPORT_EMAIL_THRESHOLD", str(defaults.export_email_threshold)),
                "PORTAL_EXPORT_EMAIL_THRESHOLD",
            ),
            sql_echo=_bool(get("PORTAL_SQL_ECHO", "false"), "PORTAL_SQL_ECHO"),
            graphql_max_tokens=_positive_int(
                get("PORTAL_GRAPHQL_MAX_TOKENS", str(defaults.graphql_max_tokens)),
                "PORTAL_GRAPHQL_MAX_TOKENS",
            ),
            graphql_max_depth=_positive_int(
                get("PORTAL_GRAPHQL_MAX_DEPTH", str(defaults.graphql_max_depth)),
                "PORTAL_GRAPHQL_MAX_DEPTH",
            ),
            graphql_max_aliases=_positive_int(
                get("PORTAL_GRAPHQL_MAX_ALIASES", str(defaults.graphql_max_aliases)),
                "PORTAL_GRAPHQL_MAX_ALIASES",
            ),
            graphql_max_root_fields=_positive_int(
                get("PORTAL_GRAPHQL_MAX_ROOT_FIELDS", str(defaults.graphql_max_root_fields)),
                "PORTAL_GRAPHQL_MAX_ROOT_FIELDS",
            ),
            graphql_max_cost=_positive_int(
                get("PORTAL_GRAPHQL_MAX_COST", str(defaults.graphql_max_cost)),
                "PORTAL_GRAPHQL_MAX_COST",
            ),
        )
        try:
            ZoneInfo(settings.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"PORTAL_TIME_ZONE is not a known time zone: {settings.time_zone!r}"
            ) from None
        if settings.default_language not in ("de", "en"):
            raise ConfigurationError("PORTAL_DEFAULT_LANGUAGE must be 'de' or 'en'")
        if settings.mail_backend not in ("file", "smtp", "memory"):
            raise ConfigurationError("PORTAL_MAIL_BACKEND must be file, smtp or memory")
        if settings.smtp_security not in ("starttls", "tls", "none"):
            raise ConfigurationError("PORTAL_SMTP_SECURITY must be starttls, tls or none")
        return settings

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some settings replaced (tests and the CLI use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    # -- derived --------------------------------------------------------------------------

    @property
    def resource_permission_rules(self) -> dict[str, frozenset[str]]:
        """Each resource permission and the permissions it requires."""
        rules: dict[str, frozenset[str]] = {}
        for entry in self.resource_permissions:
            name, _, needs = entry.partition(">")
            rules[name.strip()] = frozenset(n.strip() for n in needs.split("+") if n.strip())
        return rules

    @property
    def public_origin(self) -> str:
        scheme, _, rest = self.public_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.is_production

    @property
    def graphiql_enabled(self) -> bool:
        return self.env == "development"

    # -- checks ---------------------------------------------------------------------------

    def problems_for_production(self) -> list[str]:
        """What makes these settings unsafe for production; empty when they are fine."""
        problems: list[str] = []
        if not self.secret_keys:
            problems.append("PORTAL_SECRET_KEY is not set (generate one: portal secret generate)")
        elif any(len(key.reveal()) < 32 for key in self.secret_keys):
            problems.append("PORTAL_SECRET_KEY must be at least 32 characters")
        if self.is_sqlite and not self.allow_sqlite_in_production:
            problems.append(
                "DATABASE_URL points to SQLite; use PostgreSQL or set "
                "PORTAL_ALLOW_SQLITE_IN_PRODUCTION=true"
            )
        if self.argon2_memory_kib < ARGON2_MIN_MEMORY_KIB:
            problems.append(
                f"PORTAL_ARGON2_MEMORY_KIB={self.argon2_memory_kib} is below the OWASP minimum "
                f"of {ARGON2_MIN_MEMORY_KIB} KiB"
            )
        if self.argon2_time_cost < ARGON2_MIN_TIME_COST:
            problems.append(
                f"PORTAL_ARGON2_TIME_COST={self.argon2_time_cost} is below the OWASP minimum "
                f"of {ARGON2_MIN_TIME_COST}"
            )
        if self.sql_echo:
            problems.append("PORTAL_SQL_ECHO must be off in production (it logs personal data)")
        if self.mail_backend == "memory":
            problems.append("PORTAL_MAIL_BACKEND=memory loses every email; use smtp (or file)")
        if not self.public_url.startswith("https://"):
            problems.append("PORTAL_PUBLIC_URL must be an https:// URL in production")
        return problems

    def check_production(self) -> None:
        """Raise :class:`ConfigurationError` when production settings are unsafe."""
        if not self.is_production:
            return
        problems = self.problems_for_production()
        if problems:
            raise ConfigurationError(
                "refusing to start in production:\n" + "\n".join(f"  - {p}" for p in problems)
            )

    def with_development_secret(self) -> Settings:
        """Outside production, fill a missing secret key from ``<data_dir>/secret_key``.

        The key is generated once and kept, so tokens and sessions survive restarts.
        """
        if self.secret_keys or self.is_production:
            return self
        path = self.data_dir / "secret_key"
        if path.is_file():
            key = path.read_text(encoding="utf-8").strip()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
        return replace(self, secret_keys=(Secret(key),))
