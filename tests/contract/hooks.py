"""schemathesis hooks of the contract run; tests/contract/run.py loads this file through
SCHEMATHESIS_HOOKS (see docs/TESTING.md)."""

import re
import uuid

import schemathesis

IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_FORM = re.compile(r"[!-~]{1,255}")


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
