"""The worker of :mod:`portal.services.phone_lookahead`: ``python -m portal.services.phone_worker
REGION`` reads one JSON list of phone texts per line and answers each with one JSON object
``{text: e164 or null}``. A plain subprocess (not multiprocessing), so it never imports the
parent's main module."""

from __future__ import annotations

import json
import sys

from portal.normalization import normalize_phones


def main() -> None:
    region = sys.argv[1]
    for line in sys.stdin:
        results = normalize_phones(json.loads(line), region)
        sys.stdout.write(json.dumps(results) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
