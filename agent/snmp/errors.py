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


class BerError(SnmpError):
    """A datagram that is not a well-formed SNMP message (the codec's only error)."""


# RFC 3416 error-status values, by number.
ERROR_STATUS = (
    "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess", "wrongType",
    "wrongLength", "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue",
    "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError", "notWritable",
    "inconsistentName",
)
TOO_BIG, NO_SUCH_NAME, GEN_ERR = 1, 2, 5


def status_error(code: int, index: int = 0) -> ErrorStatus:
    """The error for a non-zero error-status: TooBig, or ErrorStatus carrying the status name."""
    if code == TOO_BIG:
        return TooBig(index)
    name = ERROR_STATUS[code] if 0 <= code < len(ERROR_STATUS) else f"status-{code}"
    return ErrorStatus(name, index)
