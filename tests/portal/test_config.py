"""Settings from the environment, secrets kept out of output, production refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from portal.config import ConfigurationError, Secret, Settings, default_hash_threads

STRONG_KEY = "k" * 48


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": STRONG_KEY,
        "DATABASE_URL": "postgresql+asyncpg://portal@db/portal",
        "PORTAL_PUBLIC_URL": "https://portal.example.com",
    }
    env.update(overrides)
    return env


def test_defaults_are_the_embedded_development_setup(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=None)
    assert settings.env == "development"
    assert settings.database_url == "sqlite+aiosqlite:///var/portal.db"
    assert settings.graphiql_enabled
    assert not settings.secure_cookies


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nPORTAL_NAME='Stadtwerke Portal'\nexport PORTAL_DEFAULT_LANGUAGE=en\n"
        "PORTAL_PUBLIC_URL=https://from-file.example\n"
    )
    settings = Settings.from_env({"PORTAL_PUBLIC_URL": "https://from-env.example/"}, env_file)
    assert settings.portal_name == "Stadtwerke Portal"
    assert settings.default_language == "en"
    assert settings.public_url == "https://from-env.example"


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 1), (3, 2), (5, 4), (64, 4)])
def test_password_hashing_leaves_a_core_to_the_event_loop(cores: int, threads: int) -> None:
    assert default_hash_threads(cores) == threads


def test_password_hash_threads_default_to_the_machine_and_can_be_set() -> None:
    assert Settings.from_env({}, env_file=None).password_hash_threads == default_hash_threads()
    configured = Settings.from_env({"PORTAL_PASSWORD_HASH_THREADS": "3"}, env_file=None)
    assert configured.password_hash_threads == 3


def test_secrets_never_show_in_repr() -> None:
    settings = Settings.from_env({"PORTAL_SECRET_KEY": "super-secret-value"}, env_file=None)
    assert "super-secret-value" not in repr(settings)
    assert "super-secret-value" not in str(settings.secret_keys)
    assert settings.secret_keys[0].reveal() == "super-secret-value"


def test_several_secret_keys_for_rotation() -> None:
    settings = Settings.from_env({"PORTAL_SECRET_KEY": "new-key, old-key"}, env_file=None)
    assert [k.reveal() for k in settings.secret_keys] == ["new-key", "old-key"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
        ({"PORTAL_ARGON2_TIME_COST": "three"}, "PORTAL_ARGON2_TIME_COST must be an integer"),
        ({"PORTAL_SQL_ECHO": "maybe"}, "PORTAL_SQL_ECHO must be a boolean"),
        ({"PORTAL_DEFAULT_LANGUAGE": "fr"}, "PORTAL_DEFAULT_LANGUAGE"),
        ({"PORTAL_PASSWORD_HASH_THREADS": "0"}, "PORTAL_PASSWORD_HASH_THREADS must be at least 1"),
    ],
)
def test_malformed_values_are_refused_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env, env_file=None)


def test_good_production_settings_start() -> None:
    Settings.from_env(production_env(), env_file=None).check_production()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"PORTAL_SECRET_KEY": ""}, "PORTAL_SECRET_KEY is not set"),
        ({"PORTAL_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"DATABASE_URL": "sqlite+aiosqlite:///var/portal.db"}, "points to SQLite"),
        ({"PORTAL_ARGON2_MEMORY_KIB": "8192"}, "PORTAL_ARGON2_MEMORY_KIB=8192 is below"),
        ({"PORTAL_ARGON2_TIME_COST": "1"}, "PORTAL_ARGON2_TIME_COST=1 is below"),
        ({"PORTAL_SQL_ECHO": "true"}, "PORTAL_SQL_ECHO"),
        ({"PORTAL_PUBLIC_URL": "http://portal.example.com"}, "https://"),
    ],
)
def test_production_refuses_unsafe_settings(overrides: dict[str, str], problem: str) -> None:
    settings = Settings.from_env(production_env(**overrides), env_file=None)
    with pytest.raises(ConfigurationError, match="refusing to start in production") as info:
        settings.check_production()
    assert problem in str(info.value)
    assert STRONG_KEY not in str(info.value)


@pytest.mark.parametrize(
    ("memory_kib", "time_cost", "refused"),
    [
        (19 * 1024, 2, None),  # exactly OWASP's minimum starts
        (19 * 1024 - 1, 2, "PORTAL_ARGON2_MEMORY_KIB=19455 is below"),
        (19 * 1024, 1, "PORTAL_ARGON2_TIME_COST=1 is below"),
    ],
)
def test_production_argon2_thresholds_are_exactly_owasps_minimum(
    memory_kib: int, time_cost: int, refused: str | None
) -> None:
    settings = Settings.from_env(
        production_env(
            PORTAL_ARGON2_MEMORY_KIB=str(memory_kib), PORTAL_ARGON2_TIME_COST=str(time_cost)
        ),
        env_file=None,
    )
    assert (settings.argon2_memory_kib, settings.argon2_time_cost) == (memory_kib, time_cost)
    if refused is None:
        assert settings.problems_for_production() == []
        settings.check_production()
        return
    (problem,) = settings.problems_for_production()  # that one and nothing else
    assert problem.startswith(refused)
    with pytest.raises(ConfigurationError, match="refusing to start in production") as info:
        settings.check_production()
    assert refused in str(info.value)


def test_sqlite_in_production_needs_explicit_opt_in() -> None:
    settings = Settings.from_env(
        production_env(
            DATABASE_URL="sqlite+aiosqlite:///var/portal.db",
            PORTAL_ALLOW_SQLITE_IN_PRODUCTION="true",
        ),
        env_file=None,
    )
    settings.check_production()


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORTAL_DATA_DIR": str(tmp_path)}, env_file=None)
    first = settings.with_development_secret()
    second = settings.with_development_secret()
    assert first.secret_keys and first.secret_keys == second.secret_keys
    assert len(first.secret_keys[0].reveal()) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_never_generates_a_secret(tmp_path: Path) -> None:
    settings = Settings.from_env(
        production_env(PORTAL_SECRET_KEY="", PORTAL_DATA_DIR=str(tmp_path)), env_file=None
    )
    assert settings.with_development_secret().secret_keys == ()
    assert not (tmp_path / "secret_key").exists()


def test_secret_compares_by_value_without_revealing() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert str(Secret("a")) == "Secret('**********')"


async def test_graphql_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PORTAL_GRAPHQL_MAX_TOKENS": "500",
            "PORTAL_GRAPHQL_MAX_DEPTH": "8",
            "PORTAL_GRAPHQL_MAX_ALIASES": "5",
            "PORTAL_GRAPHQL_MAX_ROOT_FIELDS": "4",
            "PORTAL_GRAPHQL_MAX_COST": "2500",
        },
        env_file=None,
    )
    assert (
        settings.graphql_max_tokens,
        settings.graphql_max_depth,
        settings.graphql_max_aliases,
        settings.graphql_max_root_fields,
        settings.graphql_max_cost,
    ) == (500, 8, 5, 4, 2500)
    with pytest.raises(ConfigurationError, match="PORTAL_GRAPHQL_MAX_DEPTH must be at least 1"):
        Settings.from_env({"PORTAL_GRAPHQL_MAX_DEPTH": "0"}, env_file=None)


def test_settings_built_in_code_never_read_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_NAME", "From the environment")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PORTAL_DEFAULT_LANGUAGE=en\n")
    assert Settings().portal_name == "Customer Portal"
    assert Settings().default_language == "de"
    from_env = Settings.from_env()
    assert (from_env.portal_name, from_env.default_language) == ("From the environment", "en")


def test_empty_variables_count_as_unset() -> None:
    settings = Settings.from_env(
        {"PORTAL_NAME": "", "PORTAL_MAIL_WORKER": "", "PORTAL_SMTP_PORT": ""}, env_file=None
    )
    assert (settings.portal_name, settings.mail_worker, settings.smtp_port) == (
        "Customer Portal",
        True,
        587,
    )


def test_database_url_wins_over_its_prefixed_spelling(tmp_path: Path) -> None:
    both = {"DATABASE_URL": "postgresql+asyncpg://a/a", "PORTAL_DATABASE_URL": "sqlite:///b"}
    assert Settings.from_env(both, env_file=None).database_url == "postgresql+asyncpg://a/a"
    prefixed = {"PORTAL_DATABASE_URL": "postgresql+asyncpg://b/b"}
    assert Settings.from_env(prefixed, env_file=None).database_url == "postgresql+asyncpg://b/b"
    in_data_dir = Settings.from_env({"PORTAL_DATA_DIR": str(tmp_path)}, env_file=None)
    assert in_data_dir.database_url == f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"
    assert in_data_dir.mail_dir == tmp_path / "mail"


def test_lists_are_comma_separated() -> None:
    settings = Settings.from_env(
        {
            "PORTAL_SECOND_IDENTIFIERS": "phone, date_of_birth",
            "PORTAL_FEATURE_PERMISSIONS": "newsletter,,documents",
            "PORTAL_THROTTLE_LIMITS": "login=3/60, register=1/60",
            "PORTAL_ADMIN_CORS_ORIGINS": "https://console.example.com/, http://localhost:5173",
        },
        env_file=None,
    )
    assert settings.second_identifiers == ("PHONE", "DATE_OF_BIRTH")
    assert settings.feature_permissions == ("NEWSLETTER", "DOCUMENTS")
    assert settings.throttle_limits == ("login=3/60", "register=1/60")
    assert settings.admin_cors_origins == ("https://console.example.com", "http://localhost:5173")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORTAL_TIME_ZONE": "Mars/Olympus"}, "PORTAL_TIME_ZONE is not a known time zone"),
        ({"PORTAL_MAIL_BACKEND": "pigeon"}, "PORTAL_MAIL_BACKEND must be 'file', 'smtp' or"),
        ({"PORTAL_SMTP_SECURITY": "ssl"}, "PORTAL_SMTP_SECURITY must be 'starttls', 'tls' or"),
        ({"PORTAL_CORS_ORIGINS": "portal.example.com"}, "PORTAL_CORS_ORIGINS lists 'portal"),
        ({"PORTAL_REGISTRATION_POLICY": "OPEN"}, "PORTAL_REGISTRATION_POLICY must be"),
        ({"PORTAL_SECOND_IDENTIFIERS": "PHONE,SHOE_SIZE"}, "PORTAL_SECOND_IDENTIFIERS must list"),
        ({"PORTAL_SMTP_PORT": "70000"}, "PORTAL_SMTP_PORT must be at most 65535, got '70000'"),
        ({"PORTAL_MAIL_POLL_SECONDS": "-5"}, "PORTAL_MAIL_POLL_SECONDS must be at least 1"),
        ({"DATABASE_URL": "x", "PORTAL_ENV": "staging"}, "PORTAL_ENV must be"),
    ],
)
def test_refused_values_name_the_variable_and_what_it_must_be(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env, env_file=None)


def test_every_refused_variable_is_named_at_once_without_its_secret() -> None:
    """Not the defaults derived from other settings (mail_dir) that could not be computed."""
    with pytest.raises(ConfigurationError) as info:
        Settings.from_env(
            {
                "PORTAL_SECRET_KEY": STRONG_KEY,
                "PORTAL_ARGON2_TIME_COST": "x",
                "PORTAL_SQL_ECHO": "x",
            },
            env_file=None,
        )
    lines = str(info.value).splitlines()
    assert [line.split()[0] for line in lines] == ["PORTAL_ARGON2_TIME_COST", "PORTAL_SQL_ECHO"]
    assert STRONG_KEY not in str(info.value)


def test_settings_are_immutable_and_changes_are_validated() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.portal_name = "Changed"  # type: ignore[misc]
    assert settings.with_changes(portal_name="Changed").portal_name == "Changed"
    assert settings.portal_name == "Customer Portal"
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        settings.with_changes(graphql_max_depth=0)


def _readme_configuration_rows() -> dict[str, str]:
    """Each variable of the README's configuration table and its default cell."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names, default, *_ = (cell.strip() for cell in line.strip("|").split(" | "))
        for name in re.findall(r"`([A-Z0-9_]+)`", names):
            rows[name] = default
    return rows


def test_the_readme_documents_every_variable_and_its_default() -> None:
    rows = _readme_configuration_rows()
    variables = Settings.variables()
    assert set(rows) == {name for names in variables.values() for name in names}
    defaults = Settings()
    for field, names in variables.items():
        value = getattr(defaults, field)
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, tuple):
            shown = ",".join(value)
        elif isinstance(value, int | str) and field != "password_hash_threads":
            shown = str(value)
        else:
            continue  # paths and machine-dependent defaults are described in words
        if shown:
            assert f"`{shown}`" in rows[names[0]], (names[0], shown, rows[names[0]])
