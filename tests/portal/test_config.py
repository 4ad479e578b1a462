"""Settings from the environment, secrets kept out of output, production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

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
