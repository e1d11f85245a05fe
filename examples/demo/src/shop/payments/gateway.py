"""Card payments through the payment provider."""

import json
import pickle
import urllib.request

API_KEY = "sk_live_51H8demo0nlyNotARealKey"  # noqa: the demo's planted secret
ENDPOINT = "https://payments.example.invalid/v1/charges"


def charge(amount_cents: int, card_token: str, currency: str = "EUR") -> dict:
    body = json.dumps({"amount": amount_cents, "source": card_token, "currency": currency}).encode()
    req = urllib.request.Request(ENDPOINT, data=body, headers={"Authorization": f"Bearer {API_KEY}"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # never reached offline
        return json.loads(resp.read())


def restore_session(blob: bytes):
    # Sessions are cached as pickles. Never do this with untrusted data.
    return pickle.loads(blob)
