"""The collector's configuration file, as typed immutable models."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from collector.availability.settings import AvailabilitySettings
from tierwatch_common.configfile import ConfigError, StrictModel, load_file
from tierwatch_common.types import ByteSize, Duration, Secret
from tierwatch_common.wire import ID_RE


class Listen(StrictModel):
    address: str = "127.0.0.1"
    port: int = Field(9847, ge=0, le=65535)


class Tls(StrictModel):
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None  # set it to require client certificates (mTLS)


class TokenHolder(StrictModel):
    """A bearer token, given in clear (`token`, may be `env:NAME`) or as its SHA-256 (`token_sha256`)."""

    token: Secret | None = None
    token_sha256: str | None = None

    @field_validator("token_sha256")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and (len(v) != 64 or any(c not in "0123456789abcdef" for c in v.lower())):
            raise ValueError("must be 64 hex digits (sha256 of the token; `tierwatch-collector hash-token` prints it)")
        return v.lower() if v else v

    @model_validator(mode="after")
    def _one(self) -> TokenHolder:
        if (self.token is None) == (self.token_sha256 is None):
            raise ValueError("give exactly one of token or token_sha256")
        return self

    def digest(self) -> str:
        if self.token_sha256:
            return self.token_sha256
        assert self.token is not None
        return hash_token(self.token.get_secret_value())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class IngestLimits(StrictModel):
    max_body_bytes: ByteSize = 8 * 1024**2
    max_decompressed_bytes: ByteSize = 64 * 1024**2
    max_readings: int = Field(100_000, ge=1, le=100_000)
    max_labels: int = Field(32, ge=1, le=32)
    max_inflight: int = Field(64, ge=1, le=100_000)  # concurrent ingests before answering 503
    # Fault runs only: record the key of every applied reading in the ledger (grows without bound).
    journal_applied: bool = False


class SeriesSettings(StrictModel):
    ttl_factor: float = Field(3.0, gt=0, le=100)  # a series expires after ttl_factor × its target's interval
    min_ttl: Duration = 5.0
    sweep_interval: Duration = 5.0


_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


class WebAccess(StrictModel):
    """Who may read the pages, APIs, reports and /metrics (see collector/access.py).

    ``basic_auth_users`` is written as in Prometheus' web config file: user name → bcrypt hash
    (``tierwatch-collector hash-password`` prints one). ``roles`` gives a user ``operator``
    (may declare, end or force maintenance); everyone else is a ``viewer``.
    """

    basic_auth_users: dict[str, Secret] = Field(default_factory=dict)
    roles: dict[str, Literal["viewer", "operator"]] = Field(default_factory=dict)
    require_auth: bool | None = None     # default: true as soon as basic_auth_users is set

    @field_validator("basic_auth_users")
    @classmethod
    def _bcrypt(cls, v: dict[str, Secret]) -> dict[str, Secret]:
        for name, hashed in v.items():
            if not ID_RE.match(name):
                raise ValueError(f"user name {name!r} must be 1-128 letters, digits, '.', '_', ':' or '-'")
            if not hashed.get_secret_value().startswith(_BCRYPT_PREFIXES):
                raise ValueError(f"the password of {name!r} must be a bcrypt hash ($2b$...), never the password "
                                 "itself; `tierwatch-collector hash-password` prints one")
        return v

    @model_validator(mode="after")
    def _known_roles(self) -> WebAccess:
        unknown = sorted(set(self.roles) - set(self.basic_auth_users))
        if unknown:
            raise ValueError(f"roles name users that are not in basic_auth_users: {', '.join(unknown)}")
        if self.require_auth and not self.basic_auth_users:
            raise ValueError("require_auth is true but basic_auth_users is empty: nobody could log in")
        return self


class LogSettings(StrictModel):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class CollectorConfig(StrictModel):
    listen: Listen = Field(default_factory=Listen)
    tls: Tls | None = None
    agents: dict[str, TokenHolder] = Field(default_factory=dict)
    operators: dict[str, TokenHolder] = Field(default_factory=dict)
    state_dir: Path = Path("var")
    ingest: IngestLimits = Field(default_factory=IngestLimits)
    series: SeriesSettings = Field(default_factory=SeriesSettings)
    availability: AvailabilitySettings = Field(default_factory=AvailabilitySettings)
    log: LogSettings = Field(default_factory=LogSettings)
    web: WebAccess = Field(default_factory=WebAccess)
    site: str = Field("tierwatch", min_length=1, max_length=64)   # shown on the status page and in reports

    @field_validator("agents")
    @classmethod
    def _agent_ids(cls, v: dict[str, TokenHolder]) -> dict[str, TokenHolder]:
        for name in v:
            if not ID_RE.match(name):
                raise ValueError(f"agent id {name!r} must be 1-128 letters, digits, '.', '_', ':' or '-'")
        digests = [t.digest() for t in v.values()]
        if len(set(digests)) != len(digests):
            raise ValueError("two agents share one token; every agent needs its own")
        return v


def load_collector_config(path: str | Path) -> CollectorConfig:
    """Load and validate a collector config file; raise ConfigError with every problem."""
    return load_file(CollectorConfig, path)


__all__ = ["CollectorConfig", "ConfigError", "load_collector_config", "hash_token"]
