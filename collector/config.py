"""The collector's configuration file, as typed immutable models."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from collector.availability.settings import AvailabilitySettings, GroupSpec
from collector.topology.graph import Hall
from collector.topology.model import Topology, topology_problems
from tierwatch_common.configfile import Check, ConfigError, ConfigProblem, Loaded, StrictModel, parse_file, read_file
from tierwatch_common.sqlitedurability import Fsync
from tierwatch_common.types import ByteSize, Duration, Secret
from tierwatch_common.wireformat import ID_RE


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
    clock_skew_warn: Duration = 2.0  # warn once an agent's clock is this far off the collector's
    # Fault runs only: record the key of every applied reading in the ledger (grows without bound).
    journal_applied: bool = False


class SeriesSettings(StrictModel):
    ttl_factor: float = Field(3.0, gt=0, le=100)  # a series expires after ttl_factor × its target's interval
    min_ttl: Duration = 5.0
    sweep_interval: Duration = 5.0
    # live series the collector holds at most (memory: about 400 B each); readings that would add
    # more are refused, counted and named in the ingest answer until others expire
    max_live: int = Field(2_000_000, ge=1)


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
    # ledger and availability store: always | batch (fsync at a checkpoint every second) | never
    state_fsync: Fsync = "batch"
    ingest: IngestLimits = Field(default_factory=IngestLimits)
    series: SeriesSettings = Field(default_factory=SeriesSettings)
    availability: AvailabilitySettings = Field(default_factory=AvailabilitySettings)
    log: LogSettings = Field(default_factory=LogSettings)
    web: WebAccess = Field(default_factory=WebAccess)
    site: str = Field("tierwatch", min_length=1, max_length=64)   # shown on the status page and in reports
    topology: Topology | None = None     # the hall as a model (collector/topology/model.py)

    def hall(self) -> Hall | None:
        return Hall(self.topology) if self.topology is not None else None

    def effective_availability(self) -> AvailabilitySettings:
        """The availability settings with the groups the topology implies (written groups win)."""
        hall = self.hall()
        derived = hall.derived_groups() if hall is not None else {}
        if not derived:
            return self.availability
        groups = {name: GroupSpec.model_validate(spec) for name, spec in derived.items()}
        groups.update(self.availability.groups)
        return self.availability.model_copy(update={"groups": groups})

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


def known_members(targets: Collection[str], where: str) -> Check[CollectorConfig]:
    """The check that every group member, maintained service and SLO override names a group
    or one of `targets` (the targets of the agent configs named in `where`)."""

    def check(loaded: Loaded[CollectorConfig]) -> Iterator[ConfigProblem]:
        av = loaded.model.availability
        if av is None:
            return
        groups = {name: spec for name, spec in (av.groups or {}).items() if spec is not None}
        topo = loaded.model.topology
        derived: set[str] = set()
        if isinstance(topo, Topology):
            try:
                derived = set(Hall(topo).derived_groups())
            except (KeyError, AttributeError, TypeError):   # a broken topology: its own problems say why
                derived = set()
        known = sorted({*targets, *groups, *derived})

        def problem(name: str, path: tuple[str | int, ...], key: bool = False) -> ConfigProblem:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return loaded.at(path, f"unknown service '{name}': neither a group nor a target of {where}{hint}", key=key)

        for group, spec in groups.items():
            for form in ("all_of", "any_of", "of"):
                for j, member in enumerate(getattr(spec, form, None) or ()):
                    if isinstance(member, str) and member not in known:
                        yield problem(member, ("availability", "groups", group, form, j))
        for i, window in enumerate(av.maintenance or ()):
            for j, service in enumerate(getattr(window, "services", None) or ()):
                if isinstance(service, str) and service not in known:
                    yield problem(service, ("availability", "maintenance", i, "services", j))
        for service in av.services or {}:
            if service not in known:
                yield problem(service, ("availability", "services", service), key=True)

    return check


def declared_targets(agent_config: str | Path) -> set[str]:
    """The target names an agent config declares: its SNMP targets, its host and its own id
    (the target of its self-metrics). Read as plain YAML: the collector never imports the agent."""
    data, _ = parse_file(agent_config)
    agent = data.get("agent") if isinstance(data.get("agent"), dict) else {}
    host = data.get("host") if isinstance(data.get("host"), dict) else {}
    names = {agent["id"]} if isinstance(agent.get("id"), str) else set()
    if host.get("enabled", True) is not False and isinstance(host.get("name"), str):
        names.add(host["name"])
    targets: Any = data.get("targets")
    for target in targets if isinstance(targets, list) else ():
        if isinstance(target, dict) and isinstance(target.get("name"), str):
            names.add(target["name"])
    return names


def read_collector_config(path: str | Path, agent_configs: Iterable[str | Path] = ()) -> Loaded[CollectorConfig]:
    """Parse a collector config once, with every problem it shows; given the agent configs that
    report to it, group members are checked against their targets too."""
    loaded = read_file(CollectorConfig, path).checked(topology_problems)
    agent_configs = list(agent_configs)
    if not agent_configs:
        return loaded
    targets: set[str] = set()
    problems: list[ConfigProblem] = []
    for other in agent_configs:
        try:
            targets |= declared_targets(other)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:  # an unreadable agent config: its targets are unknown, so is every member
        raise ConfigError([*loaded.problems, *problems])
    return loaded.checked(known_members(targets, ", ".join(str(a) for a in agent_configs)))


def load_collector_config(path: str | Path, agent_configs: Iterable[str | Path] = ()) -> CollectorConfig:
    """Load and validate a collector config file; raise ConfigError with every problem."""
    return read_collector_config(path, agent_configs).valid()


__all__ = ["CollectorConfig", "ConfigError", "declared_targets", "hash_token", "known_members",
           "load_collector_config", "read_collector_config"]
