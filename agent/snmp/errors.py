"""Backend-neutral SNMP error tree; the client seam translates its library's errors into these."""

from __future__ import annotations


class SnmpError(Exception):
    """Any SNMP failure."""


class SnmpTimeout(SnmpError):
    """No answer within timeout × (retries + 1)."""


class SnmpAuthError(SnmpError):
    """The agent refused our credentials. `kind` says which way."""

    kind = "auth"


class UnknownUserName(SnmpAuthError):
    kind = "unknown_user"


class WrongDigest(SnmpAuthError):
    kind = "wrong_digest"


class NotInTimeWindow(SnmpAuthError):
    kind = "not_in_time_window"


class DecryptionError(SnmpAuthError):
    kind = "decryption"


class UnsupportedSecurityLevel(SnmpAuthError):
    kind = "unsupported_security_level"


class ErrorStatus(SnmpError):
    """The agent answered with a non-zero error-status (e.g. tooBig, genErr)."""

    def __init__(self, status: str, index: int = 0) -> None:
        super().__init__(f"agent answered error-status {status} at index {index}")
        self.status = status
        self.index = index


class TooBig(ErrorStatus):
    def __init__(self, index: int = 0) -> None:
        super().__init__("tooBig", index)


class NoSuchObject(SnmpError):
    """noSuchObject / noSuchInstance for one OID (GET); normally returned as absence, not raised."""


class EndOfMib(SnmpError):
    """endOfMibView reached."""
