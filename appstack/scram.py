"""SCRAM-SHA-256 verifiers, as PostgreSQL stores them (pg_authid.rolpassword; RFC 5802 and 7677).

`ALTER ROLE ... PASSWORD '<verifier>'` stores a verifier as is, so a role's password can be set without
the plaintext ever reaching the server, a command line or a server log. The AWS `db-bootstrap` job
receives one per app; `python -m appstack.scram` prints one for the password read from stdin (the
Kubernetes rotation runbook, docs/operations.md 5.3).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys

ITERATIONS = 4096  # PostgreSQL's own scram_iterations default


def scram_verifier(password: str, salt: bytes, iterations: int = ITERATIONS) -> str:
    """`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for `password`. The passwords appstack
    generates are ASCII (hex or the random charsets), which SASLprep leaves unchanged."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored_key).decode()}:{b64(server_key).decode()}"


def main() -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("appstack.scram: give the password on stdin", file=sys.stderr)
        return 2
    print(scram_verifier(password, os.urandom(16)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
