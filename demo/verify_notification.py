#!/usr/bin/env python3
"""Checks the MM-Signature of a maksa notification, as an e-service would.

    python3 verify_notification.py SECRET_FILE URL SIGNATURE

SECRET_FILE holds the client's notification secret (`maksa demo` writes
maksa-data/demo-client.notify-secret; `maksa client add` prints it once). URL is
the full URL the hub called (ServerResponseUrl + PaymentRequestId) and SIGNATURE
the value of its MM-Signature header. Exit status 0: genuine and fresh.
"""
import hashlib
import hmac
import sys
import time


def verify(secret, url, signature, max_age_seconds=300, now=None):
    """True when one `v1` is HMAC-SHA256(secret, "<t>.GET.<url>") and `t` is recent."""
    fields = [part.strip().partition("=") for part in signature.split(",")]
    stamps = [value for name, _, value in fields if name == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(stamps[0])) > max_age_seconds:
        return False  # an old message replayed
    message = f"{stamps[0]}.GET.{url}".encode()
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    # Several v1 values during a secret rotation: any one of them will do.
    return any(
        hmac.compare_digest(expected, value) for name, _, value in fields if name == "v1"
    )


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="ascii") as file:
        secret = file.read().strip()
    genuine = verify(secret, sys.argv[2], sys.argv[3])
    print("genuine" if genuine else "NOT genuine")
    sys.exit(0 if genuine else 1)
