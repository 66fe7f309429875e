"""The agent's configuration file, as typed immutable models."""

from __future__ import annotations

import difflib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from agent.vocabulary import AUTO
from tierwatch_common.configfile import ConfigProblem, Loaded, StrictModel, read_file
from tierwatch_common.sqlitedurability import Fsync
from tierwatch_common.types import ByteSize, Duration, Ident, Labels, Secret

AUTH_PROTOCOLS = ("MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("DES", "AES", "AES192", "AES256")


class AgentIdentity(StrictModel):
    id: Ident = Field(default_factory=lambda: socket.gethostname().split(".")[0] or "agent")
    interval: Duration = 15.0


class CollectorLink(StrictModel):
    urls: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:9847"], min_length=1)
    token: Secret | None = None
    token_file: Path | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    fan_out: bool = False  # send every batch to every URL (HA pair) instead of the first that answers
    failback_after: Duration = 30.0  # while on a fallback URL, retry the first one at most this often
    # A fan-out target failing this long no longer holds batches in the outbox (the spool's
    # max_bytes and max_age bound it meanwhile); its partner is fed regardless, from the start.
    fan_out_wait: Duration = 86400.0
    timeout: Duration = 10.0
    batch_max_readings: int = Field(5000, ge=1, le=100_000)
    backoff_initial: Duration = 0.5
    backoff_max: Duration = 30.0

    @field_validator("urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for url in v:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"collector URL {url!r} must start with http:// or https://")
        return [u.rstrip("/") for u in v]

    @model_validator(mode="after")
    def _token_once(self) -> CollectorLink:
        if self.token is not None and self.token_file is not None:
            raise ValueError("give either token or token_file, not both")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together (client certificate for mTLS)")
        return self

    def bearer(self) -> str | None:
        if self.token is not None:
            return self.token.get_secret_value()
        if self.token_file is not None:
            return self.token_file.read_text(encoding="utf-8").strip()
        return None


class HostSourceConfig(StrictModel):
    enabled: bool = True
    name: Ident | None = None  # target name; default: the agent id
    interval: Duration | None = None
    labels: Labels = Field(default_factory=dict)
    exclude_fstypes: list[str] = Field(default_factory=list)
    exclude_mountpoints: list[str] = Field(default_factory=list)


class Credential(StrictModel):
    """A named credential set: one v3 user (or community) serves many devices."""

    version: Literal["1", "2c", "3"]
    community: Secret | None = None
    user: str | None = None
    auth_proto: Literal["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"] | None = None
    auth_key: Secret | None = None
    priv_proto: Literal["DES", "AES", "AES192", "AES256"] | None = None
    priv_key: Secret | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> object:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _complete(self) -> Credential:
        if self.version in ("1", "2c"):
            if self.community is None:
                raise ValueError(f"community is missing, required for SNMP v{self.version}")
            if self.user or self.auth_key or self.priv_key:
                raise ValueError(f"user/auth/priv settings are for SNMP v3, not v{self.version}")
        else:
            if not self.user:
                raise ValueError("user is missing, required for SNMPv3")
            if self.community is not None:
                raise ValueError("community is for SNMP v1/v2c, not v3")
            if (self.auth_proto is None) != (self.auth_key is None):
                raise ValueError("auth_proto and auth_key go together")
            if (self.priv_proto is None) != (self.priv_key is None):
                raise ValueError("priv_proto and priv_key go together")
            if self.priv_proto and not self.auth_proto:
                raise ValueError("privacy needs authentication too (authPriv)")
            for name in ("auth_key", "priv_key"):
                key = getattr(self, name)
                if key is not None and len(key.get_secret_value()) < 8:
                    raise ValueError(f"{name} must be at least 8 characters (RFC 3414)")
        return self


class SnmpTarget(StrictModel):
    name: Ident
    address: str
    port: int = Field(161, ge=1, le=65535)
    credentials: str
    profiles: list[str] = Field(default_factory=lambda: [AUTO], min_length=1)
    interval: Duration | None = None
    timeout: Duration = 10.0  # deadline for the whole poll
    packet_timeout: Duration = 2.0
    retries: int = Field(1, ge=0, le=10)
    max_repetitions: int = Field(25, ge=1, le=200)
    labels: Labels = Field(default_factory=dict)


class SnmpSettings(StrictModel):
    """The SNMP engine every target shares. `fast`: tierwatch's own; `pysnmp`: the reference."""

    backend: Literal["fast", "pysnmp"] = "fast"


class TrapSettings(StrictModel):
    """The trap and inform receiver. v1/v2c notifications are accepted with the community of a
    sender's credential set or one of `communities`; v3 ones with the user of any v3 set."""

    listen: str = "127.0.0.1:10162"  # HOST:PORT or [v6]:PORT; port 162 needs CAP_NET_BIND_SERVICE
    communities: list[Secret] = Field(default_factory=list)  # trap communities besides the read ones
    engine_id: str | None = None  # our snmpEngineID (hex) for v3 informs; default derived from agent.id
    engines: dict[str, str] = Field(default_factory=dict)  # target name → the sender's snmpEngineID (hex)
    queue: int = Field(10_000, ge=1, le=1_000_000)  # datagrams waiting to be decoded; beyond: dropped
    poll_burst: int = Field(3, ge=0, le=100)  # immediate polls a target's traps may trigger at once
    poll_every: Duration = 5.0  # then one more per this many seconds

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"listen address {v!r} must be HOST:PORT (port 0: any free port)")
        return v

    @field_validator("engine_id")
    @classmethod
    def _engine(cls, v: str | None) -> str | None:
        if v is not None:
            _engine_hex(v)
        return v

    @field_validator("engines")
    @classmethod
    def _engines(cls, v: dict[str, str]) -> dict[str, str]:
        for value in v.values():
            _engine_hex(value)
        return v


def _engine_hex(v: str) -> bytes:
    try:
        raw = bytes.fromhex(v.removeprefix("0x"))
    except ValueError:
        raise ValueError(f"engine ID {v!r} is not hexadecimal") from None
    if not 5 <= len(raw) <= 32:
        raise ValueError(f"engine ID {v!r} must be 5 to 32 octets (RFC 3411)")
    return raw


class SchedulerConfig(StrictModel):
    max_concurrency: int = Field(32, ge=1, le=10_000)
    jitter: float = Field(0.1, ge=0, le=1)  # fraction of the interval for the first poll's offset


class SpoolSettings(StrictModel):
    path: Path | None = None  # None: in-memory outbox (readings lost on restart)
    max_bytes: ByteSize = 256 * 1024**2
    max_age: Duration = 7 * 86400.0
    fsync: Fsync = "batch"
    # Fault runs only: keep the key of every reading/outcome ever spooled (grows without bound).
    journal_produced: bool = False


class LogSettings(StrictModel):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class AgentConfig(StrictModel):
    agent: AgentIdentity = Field(default_factory=AgentIdentity)
    collector: CollectorLink = Field(default_factory=CollectorLink)
    host: HostSourceConfig = Field(default_factory=HostSourceConfig)
    credentials: dict[str, Credential] = Field(default_factory=dict)
    targets: list[SnmpTarget] = Field(default_factory=list)
    profile_dirs: list[Path] = Field(default_factory=list)
    snmp: SnmpSettings = Field(default_factory=SnmpSettings)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    traps: TrapSettings | None = None  # no receiver unless configured
    spool: SpoolSettings = Field(default_factory=SpoolSettings)
    log: LogSettings = Field(default_factory=LogSettings)


def unique_target_names(loaded: Loaded[AgentConfig]) -> Iterator[ConfigProblem]:
    """A target name given twice (the host counts as a target) is reported where it repeats.

    Like every cross-check it reads a partial model when the file has schema errors: parts
    that did not validate are None and are skipped."""
    cfg = loaded.model
    seen: set[str] = set()
    host, agent = cfg.host, cfg.agent
    if host is not None and host.enabled is not False:
        own = host.name if host.name is not None else (agent.id if agent is not None else None)
        if isinstance(own, str):
            seen.add(own)
    for i, target in enumerate(cfg.targets or ()):
        if target is None or not isinstance(target.name, str):
            continue
        if target.name in seen:
            yield loaded.at(("targets", i, "name"), f"target name '{target.name}' is used twice; names must be unique")
        seen.add(target.name)


def known_credentials(loaded: Loaded[AgentConfig]) -> Iterator[ConfigProblem]:
    """Every target's `credentials` names a defined credential set."""
    cfg = loaded.model
    if cfg.credentials is None:  # the section itself is broken: already reported
        return
    defined = sorted(cfg.credentials)
    for i, target in enumerate(cfg.targets or ()):
        if target is None or not isinstance(target.credentials, str) or target.credentials in cfg.credentials:
            continue
        close = difflib.get_close_matches(target.credentials, defined, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else (
            f"; defined: {', '.join(defined)}" if defined else "; no credentials are defined")
        yield loaded.at(("targets", i, "credentials"), f"unknown credential set '{target.credentials}'{hint}")


def known_trap_engines(loaded: Loaded[AgentConfig]) -> Iterator[ConfigProblem]:
    """Every target `traps.engines` names is a configured target."""
    cfg = loaded.model
    traps = cfg.traps
    if traps is None or not isinstance(traps.engines, dict):
        return
    names = sorted(t.name for t in (cfg.targets or ()) if t is not None and isinstance(t.name, str))
    for name in traps.engines:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield loaded.at(("traps", "engines", name), f"'{name}' is not a configured target{hint}")


CHECKS = (unique_target_names, known_credentials, known_trap_engines)


def read_agent_config(path: str | Path) -> Loaded[AgentConfig]:
    """Parse an agent config once: the model (partial if broken), positions and every problem
    the file shows on its own. Unreadable or malformed YAML raises ConfigError."""
    return read_file(AgentConfig, path).checked(*CHECKS)


def load_agent_config(path: str | Path) -> AgentConfig:
    """Load and validate an agent config file; raise ConfigError with every problem."""
    return read_agent_config(path).valid()
