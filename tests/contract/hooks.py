"""schemathesis hooks of the contract run; tests/contract/run.py loads this file through
SCHEMATHESIS_HOOKS (see docs/TESTING.md)."""

import re
import uuid

import schemathesis

IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_FORM = re.compile(r"[!-~]{1,255}")
EVENTS_PATH = "/api/v1/events"
# A valid long poll waits up to 30 s when nothing happens; the run shortens valid waits to this.
CONTRACT_WAIT_SECS = 1


@schemathesis.hook
def before_call(context, case, kwargs):
    """Gives every call an Idempotency-Key of its own.

    A key names one request: a different request with a key already used is refused (422
    `idempotency_key_reused`), as documented. The generated keys repeat a few short values
    across every operation, so nearly every write would end there and never reach the rules
    behind it. A malformed key (a negative case) is sent as generated.
    """
    key = (case.headers or {}).get(IDEMPOTENCY_KEY)
    if isinstance(key, str) and KEY_FORM.fullmatch(key):
        suffix = "." + uuid.uuid4().hex
        case.headers[IDEMPOTENCY_KEY] = key[: 255 - len(suffix)] + suffix
    shorten_event_wait(case)


def shorten_event_wait(case):
    """Shortens a valid `wait` of `GET /api/v1/events` to CONTRACT_WAIT_SECS.

    On a ledger without new rows each such request would hold its answer for the whole wait,
    up to 30 s, and 30 examples of them could use up the run's time. A wait out of range (a
    negative case) is sent as generated.
    """
    query = case.query
    if case.path != EVENTS_PATH or not isinstance(query, dict) or "wait" not in query:
        return
    wait = query["wait"]
    if isinstance(wait, int) and not isinstance(wait, bool):
        seconds = wait
    elif isinstance(wait, str) and re.fullmatch(r"0|[1-9][0-9]?", wait):
        seconds = int(wait)
    else:
        return
    if CONTRACT_WAIT_SECS < seconds <= 30:
        query["wait"] = CONTRACT_WAIT_SECS
