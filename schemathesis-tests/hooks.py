"""schemathesis hooks for maksa (docs/api.md), loaded with SCHEMATHESIS_HOOKS.

The default (`original`) wire profile answers every processing error with 500, as
004 documents the original: a 500 whose `MM-Error` names a code other than
`INTERNAL` is a documented answer (the caller's to fix), not a server error. Every
other 5xx — `INTERNAL`, a 500 without `MM-Error`, 502, 503 — is a failure.
"""

import schemathesis


def _header(response, name):
    value = None
    for key, found in response.headers.items():
        if key.lower() == name.lower():
            value = found
            break
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value


@schemathesis.check
def not_an_undocumented_server_error(ctx, response, case):
    """No 5xx but the original profile's documented 500 (an MM-Error other than INTERNAL)."""
    status = response.status_code
    if status < 500:
        return None
    code = _header(response, "MM-Error")
    if status == 500 and code and code != "INTERNAL":
        return None
    raise AssertionError(
        f"{status} with MM-Error {code!r}: only a 500 naming the caller's error is documented"
    )
