"""Settings from the environment (``PORTAL_*`` and ``DATABASE_URL``) and an optional ``.env``.

pydantic-settings reads and converts the variables: each field below is one variable,
``PORTAL_`` + its name in capitals unless it names its variable itself (``validation_alias``).
Every setting has a default that works for the embedded development setup; an empty variable
counts as unset. ``Settings(...)`` holds exactly what it is given (tests build it that way);
only :meth:`Settings.from_env` reads the environment. Production (``PORTAL_ENV=production``)
refuses to start with settings that are unsafe there; see :meth:`Settings.check_production`.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
)
from pydantic_core import core_schema
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from portal.clock import Clock, system_clock
from portal.internals import Internal, require

# The hook of pydantic-settings' environment source that _EnvironmentSource overrides.
INTERNALS = (Internal(EnvSettingsSource, "_load_env_vars", ()),)
require(__name__, ("pydantic-settings",), INTERNALS)

Environment = Literal["development", "production", "test"]
PREFIX = "PORTAL_"

# OWASP password storage cheat sheet: argon2id with at least 19 MiB and 2 iterations.
ARGON2_MIN_MEMORY_KIB = 19 * 1024
ARGON2_MIN_TIME_COST = 2
SECOND_IDENTIFIER_NAMES = ("CUSTOMER_NUMBER", "PHONE", "POSTAL_CODE", "DATE_OF_BIRTH")


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

    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            lambda value: cls(value) if isinstance(value, str) else value,
            core_schema.is_instance_schema(cls),
        )


class ConfigurationError(Exception):
    """Settings that must not be used; the message says which and why."""


def default_hash_threads(cpu_count: int | None = None) -> int:
    """Password hashing threads by default: one less than the CPU cores, 1 to 4. argon2 keeps
    a core busy for the whole hash; with as many hashing threads as cores, a burst of logins
    leaves the event loop waiting for a core between its steps (benchmarks/login_load)."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, min(4, cores - 1))


# -- value types: how one variable's text becomes a value ------------------------------------


def _comma_separated(transform: Callable[[str], str]) -> BeforeValidator:
    """A comma-separated variable as a tuple (values given as sequences pass unchanged)."""

    def split(value: object) -> object:
        if isinstance(value, str):
            return tuple(transform(part.strip()) for part in value.split(",") if part.strip())
        return value

    return BeforeValidator(split)


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"is not a known time zone: {name!r}") from None
    return name


def _origins(origins: tuple[str, ...]) -> tuple[str, ...]:
    origins = tuple(origin.rstrip("/") for origin in origins)
    for origin in origins:
        if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
            raise ValueError(f"lists {origin!r}, which is not an origin like https://host")
    return origins


def _networks(entries: tuple[str, ...]) -> tuple[str, ...]:
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"lists {entry!r}, which is not an IP address or network like 10.0.0.0/8"
            ) from None
    return entries


def _second_identifiers(names: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(names)) != len(names) or not set(names) <= set(SECOND_IDENTIFIER_NAMES):
        raise ValueError(f"must list each of {', '.join(SECOND_IDENTIFIER_NAMES)} at most once")
    return names


Positive = Annotated[int, Field(ge=1)]
Words = Annotated[tuple[str, ...], NoDecode, _comma_separated(str)]
UpperWords = Annotated[tuple[str, ...], NoDecode, _comma_separated(str.upper)]
Origins = Annotated[tuple[str, ...], NoDecode, _comma_separated(str), AfterValidator(_origins)]
Networks = Annotated[tuple[str, ...], NoDecode, _comma_separated(str), AfterValidator(_networks)]
SecretKeys = Annotated[tuple[Secret, ...], NoDecode, _comma_separated(str)]
# Fields whose input never appears in an error message.
_SECRET_FIELDS = frozenset({"secret_keys", "smtp_password"})


class Settings(BaseSettings):
    """Everything configurable about a portal instance. Build with :meth:`from_env`."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_ignore_empty=True,
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        arbitrary_types_allowed=True,
    )

    env: Environment = "development"
    data_dir: Path = Path("var")
    database_url: str = Field(
        default_factory=lambda data: f"sqlite+aiosqlite:///{data['data_dir'] / 'portal.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "PORTAL_DATABASE_URL"),
    )
    allow_sqlite_in_production: bool = False
    secret_keys: SecretKeys = Field(default=(), validation_alias="PORTAL_SECRET_KEY")
    portal_name: str = Field(default="Customer Portal", validation_alias="PORTAL_NAME")
    public_url: Annotated[str, AfterValidator(lambda url: url.rstrip("/"))] = (
        "http://localhost:8000"
    )
    default_language: Literal["de", "en"] = "de"
    time_zone: Annotated[str, AfterValidator(_time_zone)] = "Europe/Berlin"
    # Phone numbers typed without a country code are read in this region (ISO 3166).
    default_phone_region: Annotated[str, AfterValidator(str.upper)] = "DE"
    # argon2id parameters; tests use the cheapest, production refuses less than OWASP's minimum.
    argon2_time_cost: Positive = 3
    argon2_memory_kib: Annotated[int, Field(ge=8)] = 64 * 1024
    argon2_parallelism: Positive = 1
    # Threads that hash passwords: one core is left to the event loop (see default_hash_threads).
    password_hash_threads: Positive = Field(default_factory=default_hash_threads)
    # Requests that may wait for (or hold) a hashing turn; one more is refused at once with
    # TOO_MANY_REQUESTS (identity.passwords.PasswordHasher.admitted).
    password_hash_queue: Positive = 32
    # Seconds a request waits for a pooled database connection before it is answered
    # SERVICE_UNAVAILABLE (503).
    database_pool_timeout: Annotated[float, Field(gt=0)] = 10.0
    staff_session_hours: Positive = 12
    staff_session_idle_minutes: Positive = 60
    # Staff without a second factor may only enrol one (identity.second_factor); unset: on in
    # production only, so the demo and development logins stay one step.
    staff_require_2fa: bool | None = None
    customer_session_hours: Positive = 24 * 7
    customer_session_idle_minutes: Positive = 24 * 60
    # Defaults of the portal settings staff can change at run time (portalSettings).
    registration_policy: Literal["ALLOW_WITH_CONTACT_CREATION", "ALLOW_PENDING", "DENY_NEW"] = (
        "ALLOW_PENDING"
    )
    second_identifiers: Annotated[UpperWords, AfterValidator(_second_identifiers)] = (
        "CUSTOMER_NUMBER",
        "POSTAL_CODE",
    )
    # Permissions a contact can hold on a resource, and which need which ("PUBLISH>EDIT").
    resource_permissions: UpperWords = (
        "VIEW",
        "EDIT>VIEW",
        "PUBLISH>EDIT",
        "STATS>VIEW",
        "BILLING",
        "DOWNLOAD_DOCUMENTS>VIEW",
    )
    # Portal functions groups can grant their members.
    feature_permissions: UpperWords = ("NEWSLETTER", "DOCUMENTS", "DIRECTORY", "SUPPORT_TICKETS")
    # Support impersonation: one-time login token lifetime, hard session maximum, notice email.
    impersonation_token_seconds: Positive = 120
    impersonation_max_minutes: Positive = 30
    impersonation_notify_customer: bool = True
    impersonation_reason_min_length: Positive = 10
    # Email: "file" (development), "smtp" (production), "memory" (tests).
    mail_backend: Literal["file", "smtp", "memory"] = "file"
    mail_dir: Path = Field(default_factory=lambda data: data["data_dir"] / "mail")
    mail_from: str = "portal@localhost"
    smtp_host: str = "localhost"
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: Secret | None = None
    smtp_timeout_seconds: Positive = 30
    mail_max_attempts: Positive = 5
    mail_retry_base_seconds: Positive = 60
    mail_worker: bool = True
    mail_poll_seconds: Positive = 5
    # Webhooks (portal.webhooks): the delivery worker beside the server, its poll interval, the
    # time one request may take, attempts per event with exponential backoff from the base,
    # consecutive failed attempts after which an endpoint is disabled (and admins emailed), and
    # how long a rotated-out signing secret keeps signing by default.
    webhook_worker: bool = True
    webhook_poll_seconds: Positive = 2
    webhook_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    webhook_max_attempts: Positive = 8
    webhook_retry_base_seconds: Positive = 30
    webhook_disable_after_failures: Positive = 20
    webhook_secret_overlap_hours: Annotated[int, Field(ge=0, le=168)] = 24
    # Whether endpoints may resolve to loopback, private, link-local or reserved addresses
    # (SSRF); unset: refused in production, allowed elsewhere (a receiver on localhost).
    webhook_allow_private_addresses: bool | None = None
    # Browser origins allowed to call each API with credentials (CORS), and trusted for
    # cookie-authenticated POSTs (CSRF); the public URL's origin is always trusted.
    cors_origins: Origins = ()
    admin_cors_origins: Origins = ()
    # Peers (addresses or networks) whose X-Forwarded-For names the client that throttling and
    # audit see; nobody's by default, loopback included (portal.app.asgi).
    trusted_proxies: Networks = ()
    # Throttling (identity.throttling): shared through the database, or Redis when set.
    redis_url: str = ""
    lockout_threshold: Positive = 5
    lockout_first_seconds: Positive = 60
    lockout_max_seconds: Positive = 15 * 60
    account_failures_per_hour: Positive = 100
    # "action=count/seconds" entries overriding the defaults of identity.throttling.
    throttle_limits: Words = ()
    # Exports with delivery AUTO are zipped and emailed above this many rows.
    export_email_threshold: Annotated[int, Field(ge=0)] = 50_000
    sql_echo: bool = False
    # The built-in customer pages (portal.frontend) at the paths emails link to; off when a
    # business serves its own frontend at PORTAL_PUBLIC_URL.
    customer_pages: bool = True
    # The built-in support console (portal.frontend.console) at /console and the staff
    # invitation page /staff/setup; off when staff use another frontend on /admin/graphql.
    staff_console: bool = True
    # Record every customer's first portal login of each day in the contact's history (the
    # first login ever is always recorded).
    history_daily_logins: bool = False
    # What one GraphQL request may ask for (schema.common.limits); refused before execution.
    graphql_max_tokens: Positive = 2000
    # Bytes of the document itself, checked before parsing: comments and string literals,
    # which the token limit does not see or counts as one, count here.
    graphql_max_document_bytes: Positive = 100_000
    # Request bodies (portal.app.body_limits): JSON, and multipart (file uploads: a CSV import
    # of up to 50 MiB and its envelope). Larger ones are answered 413 before they are read.
    max_json_body_bytes: Positive = 2 * 1024 * 1024
    max_multipart_body_bytes: Positive = 51 * 1024 * 1024
    graphql_max_depth: Positive = 10
    graphql_max_aliases: Positive = 15
    graphql_max_root_fields: Positive = 15
    graphql_max_cost: Positive = 10000
    # Not configuration: time as an injected dependency (tests pass a FrozenClock).
    clock: Clock = Field(default=system_clock, repr=False)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``Settings(...)`` holds what it is given; :meth:`from_env` reads the environment."""
        return (init_settings,)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = Path(".env"),
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over an optional ``.env``."""
        sources: list[PydanticBaseSettingsSource] = [
            _EnvironmentSource(cls, os.environ if environ is None else environ)
        ]
        if env_file is not None:
            sources.append(DotEnvSettingsSource(cls, env_file=env_file))
        values: dict[str, Any] = {}
        try:
            for source in reversed(sources):  # the environment wins over the file
                values.update(source())
        except SettingsError as error:
            raise ConfigurationError(str(error)) from None
        values.pop("clock", None)  # never from the environment
        try:
            return cls(**values)
        except ValidationError as error:
            raise ConfigurationError(_describe(error)) from None

    def with_changes(self, **changes: object) -> Settings:
        """A validated copy with some settings replaced (tests and the CLI use this)."""
        return type(self)(**{**dict(self), **changes})

    @classmethod
    def variables(cls) -> dict[str, tuple[str, ...]]:
        """The environment variables of each setting, by field name (the first is the one
        to document; later ones are accepted too)."""
        variables: dict[str, tuple[str, ...]] = {}
        for name, field in cls.model_fields.items():
            alias = field.validation_alias
            if name == "clock":
                continue
            if isinstance(alias, AliasChoices):
                variables[name] = tuple(str(choice) for choice in alias.choices)
            elif isinstance(alias, str):
                variables[name] = (alias,)
            else:
                variables[name] = (PREFIX + name.upper(),)
        return variables

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
    def staff_second_factor_required(self) -> bool:
        """``PORTAL_STAFF_REQUIRE_2FA``, or production when it is not set."""
        return self.is_production if self.staff_require_2fa is None else self.staff_require_2fa

    @property
    def webhook_private_addresses_allowed(self) -> bool:
        """``PORTAL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES``, or outside production when not set."""
        if self.webhook_allow_private_addresses is None:
            return not self.is_production
        return self.webhook_allow_private_addresses

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
        """What makes these settings unsafe for production; empty when they are fine.

        Not validators of the fields: settings must be buildable with these values (tests
        switch cheap test settings to production), and start-up names every problem at once.
        """
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
        return self.with_changes(secret_keys=(Secret(key),))


class _EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' environment source reading ``environ`` instead of ``os.environ``.

    ``_load_env_vars`` is the hook pydantic-settings' own ``.env`` source overrides (checked at
    import, :data:`INTERNALS`); the settings tests pass their own mapping, so they fail if an
    upgrade stops calling it.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {
            (key if self.case_sensitive else key.lower()): value
            for key, value in self._environ.items()
            if value or not self.env_ignore_empty
        }


# What a failed check means, in the words of the variable ("PORTAL_X must be an integer").
_MEANINGS = {
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_parsing": "must be a boolean (true/false)",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "literal_error": "must be {expected}",
}


def _describe(error: ValidationError) -> str:
    """One line per refused variable, naming it and what it must be (never a secret)."""
    owners: dict[str, str] = {}  # field name or any of its variables -> field name
    for name, names in Settings.variables().items():
        owners.update(dict.fromkeys((name, *names, *(n.lower() for n in names)), name))
    lines = []
    for problem in error.errors():
        if problem["type"] == "default_factory_not_called":
            continue  # a default derived from a refused value: that one is named
        field = owners.get(str(problem["loc"][0]), "") if problem["loc"] else ""
        variable = Settings.variables()[field][0] if field else "settings"
        context = problem.get("ctx", {})
        if problem["type"] == "value_error":
            lines.append(f"{variable} {context['error']}")
            continue
        meaning = _MEANINGS.get(problem["type"], problem["msg"]).format(**context)
        shown = "" if field in _SECRET_FIELDS else f", got {problem['input']!r}"
        lines.append(f"{variable} {meaning}{shown}")
    return "\n".join(lines)
