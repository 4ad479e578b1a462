"""Languages a contact may prefer: any ISO 639-1 code. Emails come in the languages that have
templates and fall back to English, then German, for the others (portal.email.rendering)."""

from __future__ import annotations

# ISO 639-1 (the 183 two-letter codes of the standard; ``sh`` withdrawn, not included).
ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu
    """.split()  # noqa: SIM905 (a list of 183 codes reads better as text)
)


def parse_language(value: object) -> str | None:
    """The ISO 639-1 code ``value`` names (``"FR"`` and ``" fr "`` are ``"fr"``), or None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower()
    return code if code in ISO_639_1 else None
