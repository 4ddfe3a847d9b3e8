"""Secrets kept in the store (bot tokens) are sealed with Fernet, under keys from
SLACKAPP_ENCRYPTION_KEY: the first key seals, every key listed can open, so a key is rotated by
putting the new one first and dropping the old one once `slackapp reseal` has run."""

from __future__ import annotations

# cryptography (and OpenSSL with it) is imported where a key is used: a single-workspace app never
# seals anything, and its serving processes stay that much smaller.


class SealError(Exception):
    """A sealed value that none of the configured keys opens."""


def keys_in(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def check_keys(value: str) -> None:
    """Raises ValueError (one line, without the key) when a key is not a Fernet key."""
    from cryptography.fernet import Fernet

    if not keys_in(value):
        # Set but empty of keys (",") would pass as "a key is set" and fail in every worker.
        raise ValueError("lists no key (only commas and spaces); give Fernet keys separated by commas, newest first")
    for position, key in enumerate(keys_in(value), start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes); make one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
            ) from None


class Sealer:
    def __init__(self, keys: str):
        listed = keys_in(keys)
        if not listed:
            raise ValueError("no encryption key given")
        from cryptography.fernet import Fernet, MultiFernet

        self._fernet = MultiFernet([Fernet(key.encode()) for key in listed])

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError("a sealed value could not be opened with any key in SLACKAPP_ENCRYPTION_KEY") from None

    def opens(self, sealed: str) -> bool:
        from cryptography.fernet import InvalidToken

        try:
            self._fernet.decrypt(sealed.encode())
        except InvalidToken:
            return False
        return True

    def reseal(self, sealed: str) -> str:
        """The same secret under the first (newest) key."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise SealError("a sealed value could not be opened with any key in SLACKAPP_ENCRYPTION_KEY") from None
