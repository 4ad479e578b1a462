"""What a staff search for contacts looks for: its words, with phone numbers typed in groups
joined into one number.

``contacts.search_text`` holds every phone as its digits without separators (as entered and in
E.164: "030 987654" is stored as ``030987654`` and ``4930987654``). A search "030 98" split at
the space would look for "030" (one trigram, in every Berlin number: the index returns a tenth
of all contacts) and "98" (shorter than a trigram: read from the column of every candidate).
Joined into ``03098`` it is one selective term, and it finds only numbers that hold the digits
in that order, which is what someone typing a number means.

A number is looked for without its leading zeros (``3098``), and only so: that form is a
substring of the typed one, so every text holding ``03098`` holds ``3098``, and looking for both
(``LIKE '%03098%' OR LIKE '%3098%'``) finds the same contacts as the shorter alone. The OR
also misled PostgreSQL: it estimates each LIKE from the same sampled texts and adds the two, so
a sample text holding the number counted twice (1,909 rows estimated at 100,000 contacts where
180 match, against 960 for the one LIKE), which made walking the name order's index look
cheaper than reading the trigram index. Without the zeros, "030 98" finds the E.164 digits
(``4930987654``); "0049 30 98" and "+49 30 98" (``493098``) find both stored forms.
"""

from __future__ import annotations

from portal.normalization import digits_only, fold_for_search

# The most words one search looks for; more would only make the statement longer.
MAX_TERMS = 8
# What people type between the digits of a phone number: "+49 (30) 98-76/54.3".
_PHONE_CHARACTERS = frozenset("0123456789+()-./")
# From this length, a number is looked for without its leading zeros: "030 1234" finds
# "+49 30 1234..." (stored as 49301234...), "0049 30 1234" too. Shorter, the rest would
# match almost every number.
_TRUNK_FREE_FROM = 4


def _is_phone_group(word: str) -> bool:
    return any(c.isdigit() for c in word) and set(word) <= _PHONE_CHARACTERS


def search_terms(search: str | None) -> list[str]:
    """The terms of a search, folded, each of which a contact's search text must contain.
    Words are case- and accent-folded; consecutive words made of digits and phone punctuation
    ("030 12", "+49 (30) 12-34") become one term of their digits, without leading zeros from
    four digits on."""
    terms: list[str] = []
    digits = ""

    def end_number() -> None:
        nonlocal digits
        if digits:
            trunk_free = digits.lstrip("0")
            long_enough = len(digits) >= _TRUNK_FREE_FROM and trunk_free != ""
            terms.append(trunk_free if long_enough else digits)
            digits = ""

    for word in (search or "").split():
        # Punctuation between groups ("030 - 12", "030 / 12") belongs to the number.
        if _is_phone_group(word) or (digits and set(word) <= _PHONE_CHARACTERS):
            if digits or word.startswith("+"):
                # "+49 (0)30 1234": the bracketed trunk zero of international notation.
                word = word.replace("(0)", "")
            digits += digits_only(word)
            continue
        end_number()
        terms.append(fold_for_search(word))
    end_number()
    return terms[:MAX_TERMS]
