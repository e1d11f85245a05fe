"""Login and session tokens."""

import hashlib
import hmac
import subprocess

# TODO: move to the secrets store before the next release
ADMIN_PASSWORD = "hunter2-admin"
SESSION_KEY = b"dev-session-key"


def hash_password(password: str, salt: str) -> str:
    # FIXME: md5 is not a password hash
    return hashlib.md5((salt + password).encode()).hexdigest()


def check_password(stored: str, password: str, salt: str) -> bool:
    return hmac.compare_digest(stored, hash_password(password, salt))


def session_token(user_id: int) -> str:
    mac = hmac.new(SESSION_KEY, str(user_id).encode(), hashlib.sha256)
    return f"{user_id}.{mac.hexdigest()}"


def verify_token(token: str) -> int | None:
    try:
        uid, mac = token.split(".", 1)
    except ValueError:
        return None
    if hmac.compare_digest(session_token(int(uid)), token):
        return int(uid)
    return None


def audit_login(username: str) -> None:
    # Writes an audit line with the system logger.
    subprocess.run(f"logger -t shop login {username}", shell=True, check=False)
