"""Encryption at rest of users' integration credentials.

Each secret key (``FAST_GENAI_SECRET_KEY`` or the generated one) gives a Fernet key through HKDF
(SHA-256, a fixed label), so the login-signing secret is never used as an encryption key
directly. Values are encrypted with the current key and decrypted with it or any of the previous
keys (``FAST_GENAI_PREVIOUS_SECRET_KEYS``): after rotating the secret, ``fast-genai integrations
rekey`` re-encrypts every stored value with the new key, and the old one can then be dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"fast-genai"
_INFO = b"fast-genai integration credentials v1"


class UndecryptableSecret(Exception):
    """A stored value that none of the configured keys decrypts (the secret was changed without
    keeping the old one in ``FAST_GENAI_PREVIOUS_SECRET_KEYS``)."""


def derive_key(secret: str) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) derived from a server secret."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@dataclass(frozen=True)
class SecretBox:
    """Encrypts with the current secret's key; decrypts with it or a previous one."""

    fernet: MultiFernet

    @classmethod
    def from_secrets(cls, current: str, previous: Sequence[str] = ()) -> SecretBox:
        keys = [Fernet(derive_key(current))]
        keys += [Fernet(derive_key(old)) for old in previous if old and old != current]
        return cls(MultiFernet(keys))

    def encrypt(self, plain: str) -> str:
        return self.fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise UndecryptableSecret(
                "a stored credential cannot be decrypted with the configured secret keys"
            ) from None

    def rotate(self, token: str) -> str:
        """The value re-encrypted with the current key."""
        try:
            return self.fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise UndecryptableSecret(
                "a stored credential cannot be decrypted with the configured secret keys"
            ) from None
