"""The first line of every customer email, in the recipient's language and form of address."""

from __future__ import annotations

from collections.abc import Mapping

# Salutations we know the grammatical gender of, in any common spelling.
_FEMALE = {"frau", "ms", "ms.", "mrs", "mrs.", "miss"}
_MALE = {"herr", "mr", "mr.", "hr.", "hr"}


def _full_name(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def greeting(
    language: str,
    formality: str,
    *,
    first_name: str = "",
    last_name: str = "",
    salutation: str = "",
    title: str = "",
) -> str:
    """E.g. "Sehr geehrte Frau Dr. Müller," / "Hallo Anna," / "Dear Ms Müller,".

    Without a known salutation the formal German and English greetings fall back to the full
    name ("Guten Tag Anna Müller,"), and without any name to a neutral line.
    """
    kind = salutation.strip().lower()
    female, male = kind in _FEMALE, kind in _MALE
    if language == "de":
        if formality == "informal":
            name = first_name.strip() or _full_name(first_name, last_name)
            return f"Hallo {name}," if name else "Hallo,"
        if last_name.strip() and (female or male):
            word = "Sehr geehrte Frau" if female else "Sehr geehrter Herr"
            return f"{word} {_full_name(title, last_name)},"
        name = _full_name(first_name, last_name)
        return f"Guten Tag {name}," if name else "Guten Tag,"
    if last_name.strip() and title.strip():
        # English puts an academic title in place of Ms/Mr ("Dear Dr Müller").
        return f"Dear {title.strip().rstrip('.')} {last_name.strip()},"
    if last_name.strip() and (female or male):
        return f"Dear {'Ms' if female else 'Mr'} {last_name.strip()},"
    name = _full_name(first_name, last_name)
    return f"Hello {name}," if name else "Hello,"


def recipient_of(person: object) -> dict[str, str]:
    """The recipient keys of a message's context from a contact (or anything with the same
    name fields): first and last name, salutation, title."""
    return {key: str(getattr(person, key, "") or "") for key in RECIPIENT_KEYS}


RECIPIENT_KEYS = ("first_name", "last_name", "salutation", "title")


def greeting_from_context(language: str, formality: str, context: Mapping[str, object]) -> str:
    """:func:`greeting` from the recipient keys of an outbox message's context."""
    return greeting(
        language,
        formality,
        first_name=str(context.get("first_name") or ""),
        last_name=str(context.get("last_name") or ""),
        salutation=str(context.get("salutation") or ""),
        title=str(context.get("title") or ""),
    )
