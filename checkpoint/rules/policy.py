"""The checkpoint policy (查验政策): a versioned TOML file saying what each finding means.

The shipped default is ``resources/policy/default.toml``. A malformed file is an error naming
the file, the key and its line, never a silent default.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from checkpoint.domain import CodeColour, Disposition, Verdict
from checkpoint.errors import CheckpointError
from checkpoint.rules.risk_areas import RiskLevel

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
DEFAULT_POLICY = RESOURCES / "policy" / "default.toml"


class PolicyError(CheckpointError):
    """The policy file is unreadable or holds a bad value; the message names key and line."""


@dataclass(frozen=True)
class Action:
    """What a finding leads to: a verdict, a suggested disposition and the 落地报备 flag."""

    verdict: Verdict
    disposition: Disposition
    report: bool = False


PASS = Action(Verdict.PASS, Disposition.RELEASE)


@dataclass(frozen=True)
class HealthCodeRules:
    """健康码: an action per colour; how old a dynamic code may be before it looks copied."""

    by_colour: Mapping[CodeColour, Action]
    missing: Action
    max_age: timedelta
    stale: Action


@dataclass(frozen=True)
class TestRules:
    """核酸检测: how long a negative result counts, and what missing/expired/positive mean."""

    __test__ = False

    validity_hours: int
    negative: Action
    missing: Action
    expired: Action
    positive: Action


@dataclass(frozen=True)
class ItineraryRules:
    """行程卡: the window looked back over and what a star means."""

    window_days: int
    star: Action
    clear: Action
    missing: Action


@dataclass(frozen=True)
class TruckRules:
    """货车 (两证两码): the goods-vehicle pass and a test within ``test_validity_hours``."""

    require_goods_pass: bool
    test_validity_hours: int
    no_goods_pass: Action
    goods_pass_invalid: Action
    risk_area: Action


@dataclass(frozen=True)
class CredentialRules:
    """What a credential's own problems mean, and the code-sharing window."""

    invalid_signature: Action
    unknown_issuer: Action
    expired: Action
    unreadable: Action
    unverifiable: Action
    demo: Action
    sharing_window: timedelta
    shared: Action


@dataclass(frozen=True)
class ResponseMeasure:
    """One measure of the "136" response: a stable key, what to do, minutes after the start."""

    key: str
    zh: str
    en: str
    minutes: int


@dataclass(frozen=True)
class ResponsePlan:
    """The "136" response (136 快速反应): what starts it and its timed checklist."""

    start_dispositions: frozenset[Disposition]
    start_reasons: frozenset[str]
    measures: tuple[ResponseMeasure, ...]


@functools.cache
def _default_response_plan() -> ResponsePlan:
    """The shipped checklist (read once: a policy file without [response] gets it)."""
    return _Reader(DEFAULT_POLICY.read_text(encoding="utf-8"), DEFAULT_POLICY).response_plan()


@dataclass(frozen=True)
class OnlineCode:
    """A provincial health code recognised by its text (e.g. 浙江健康码's URL)."""

    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Policy:
    """A whole policy. ``version_label`` goes into every result."""

    name: str
    version: str
    source: Path
    trust_store_max_age: timedelta
    health_code: HealthCodeRules
    nucleic_acid: TestRules
    itinerary: ItineraryRules
    risk_areas: Mapping[RiskLevel, Action]
    fever_threshold_c: float
    fever: Action
    trucks: TruckRules
    credentials: CredentialRules
    # [privacy]: personal fields are purged this long after the vehicle passed; raw QR text
    # is stored only when store_raw_payloads is true. Optional in the file (these defaults).
    retention: timedelta = timedelta(days=30)
    store_raw_payloads: bool = False
    # [online_codes]: provincial health codes that can only be checked online (a URL or a
    # token); a text matching one of these regular expressions is a person awaiting the
    # by-eye check. Any other text that is no known credential is not a person.
    online_codes: tuple[OnlineCode, ...] = ()
    # credentials issued up to this far ahead of the lane clock are valid (the skew is
    # recorded on the credential); optional in the file (top-level clock_skew_minutes)
    clock_skew: timedelta = timedelta(minutes=5)
    # [ledger]: how long after a vehicle passed a leader may still correct its record.
    correction_window: timedelta = timedelta(days=7)
    # [response]: the 136 checklist; a file without the section gets the shipped default's.
    response: ResponsePlan = field(default_factory=_default_response_plan)

    def online_code(self, text: str) -> OnlineCode | None:
        """The provincial health code ``text`` looks like, if any."""
        return next((c for c in self.online_codes if c.pattern.search(text)), None)

    @property
    def version_label(self) -> str:
        """``name-version``, e.g. ``default-2022.04``."""
        return f"{self.name}-{self.version}"

    @classmethod
    def load(cls, path: Path | str | None = None) -> Policy:
        """The policy in ``path``, or the shipped default when None."""
        file = Path(path) if path is not None else DEFAULT_POLICY
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"The policy file {file} cannot be read ({exc}).") from exc
        return _Reader(text, file).policy()


class _Reader:
    """Reads typed values out of the parsed TOML, naming key and line on any problem."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        try:
            self.doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"The policy file {path} is not valid TOML: {exc}.") from exc

    def line_of(self, dotted: str) -> int | None:
        """The line defining ``dotted`` (or its nearest enclosing key)."""
        parts = dotted.split(".")
        while parts:
            line = self._find(parts)
            if line is not None:
                return line
            parts = parts[:-1]
        return None

    def _find(self, parts: list[str]) -> int | None:
        table: list[str] = []
        header = re.compile(r"^\s*\[([^\[\]]+)\]")
        for number, line in enumerate(self.text.splitlines(), start=1):
            m = header.match(line)
            if m:
                table = [p.strip().strip('"') for p in m.group(1).split(".")]
                if table == parts:
                    return number
                continue
            m = re.match(r'^\s*"?([A-Za-z0-9_-]+)"?\s*=', line)
            if m and [*table, m.group(1)] == parts:
                return number
        return None

    def fail(self, key: str, problem: str) -> PolicyError:
        line = self.line_of(key)
        where = f", line {line}" if line else ""
        return PolicyError(f"The policy file {self.path}{where}: {key} {problem}.")

    def get(self, key: str) -> Any:
        node: Any = self.doc
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise self.fail(key, "is missing")
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        try:
            self.get(key)
        except PolicyError:
            return False
        return True

    def text_value(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def number(self, key: str, low: float, high: float) -> float:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {value!r}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}, not {value!r}")
        return float(value)

    def integer(
        self, key: str, allowed: tuple[int, ...] | None = None, low: int = 0, high: int = 10**6
    ) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        if allowed is not None and value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(map(str, allowed))}, not {value}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, not {value}")
        return value

    def boolean(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def action(self, key: str) -> Action:
        value = self.get(key)
        if not isinstance(value, dict):
            raise self.fail(
                key, 'must be a table like { verdict = "stop", disposition = "quarantine" }'
            )
        unknown = set(value) - {"verdict", "disposition", "report"}
        if unknown:
            raise self.fail(
                f"{key}.{sorted(unknown)[0]}",
                "is not a known action key (verdict, disposition, report)",
            )
        verdicts = {v.value: v for v in Verdict}
        dispositions = {d.value: d for d in Disposition}
        verdict = verdicts.get(value.get("verdict"))  # type: ignore[arg-type]
        if verdict is None:
            raise self.fail(f"{key}.verdict", f"must be one of {', '.join(verdicts)}")
        disposition = dispositions.get(value.get("disposition"))  # type: ignore[arg-type]
        if disposition is None:
            raise self.fail(f"{key}.disposition", f"must be one of {', '.join(dispositions)}")
        report = value.get("report", False)
        if not isinstance(report, bool):
            raise self.fail(f"{key}.report", "must be true or false")
        return Action(verdict, disposition, report)

    def policy(self) -> Policy:
        return Policy(
            name=self.text_value("name"),
            version=self.text_value("version"),
            source=self.path,
            trust_store_max_age=timedelta(days=self.integer("trust_store_max_age_days", low=1)),
            health_code=HealthCodeRules(
                by_colour={c: self.action(f"health_code.{c.value}") for c in CodeColour},
                missing=self.action("health_code.missing"),
                max_age=timedelta(seconds=self.integer("health_code.max_age_seconds", low=10)),
                stale=self.action("health_code.stale"),
            ),
            nucleic_acid=TestRules(
                validity_hours=self.integer("nucleic_acid.validity_hours", (24, 48, 72)),
                negative=self.action("nucleic_acid.negative"),
                missing=self.action("nucleic_acid.missing"),
                expired=self.action("nucleic_acid.expired"),
                positive=self.action("nucleic_acid.positive"),
            ),
            itinerary=ItineraryRules(
                window_days=self.integer("itinerary.window_days", (7, 14)),
                star=self.action("itinerary.star"),
                clear=self.action("itinerary.clear"),
                missing=self.action("itinerary.missing"),
            ),
            risk_areas={lv: self.action(f"risk_areas.{lv.code}") for lv in RiskLevel},
            fever_threshold_c=self.number("temperature.fever_threshold_c", 35.0, 42.0),
            fever=self.action("temperature.fever"),
            trucks=TruckRules(
                require_goods_pass=self.boolean("trucks.require_goods_pass"),
                test_validity_hours=self.integer("trucks.test_validity_hours", (24, 48, 72)),
                no_goods_pass=self.action("trucks.no_goods_pass"),
                goods_pass_invalid=self.action("trucks.goods_pass_invalid"),
                risk_area=self.action("trucks.risk_area"),
            ),
            credentials=CredentialRules(
                invalid_signature=self.action("credentials.invalid_signature"),
                unknown_issuer=self.action("credentials.unknown_issuer"),
                expired=self.action("credentials.expired"),
                unreadable=self.action("credentials.unreadable"),
                unverifiable=self.action("credentials.unverifiable"),
                demo=self.action("credentials.demo"),
                sharing_window=timedelta(
                    minutes=self.integer("credentials.sharing_window_minutes", low=1)
                ),
                shared=self.action("credentials.shared"),
            ),
            retention=timedelta(
                days=self.integer("privacy.retention_days", low=1, high=3650)
                if self.has("privacy.retention_days")
                else 30
            ),
            store_raw_payloads=(
                self.boolean("privacy.store_raw_payloads")
                if self.has("privacy.store_raw_payloads")
                else False
            ),
            online_codes=self.online_codes(),
            clock_skew=timedelta(
                minutes=self.integer("clock_skew_minutes", low=0, high=60)
                if self.has("clock_skew_minutes")
                else 5
            ),
            correction_window=timedelta(
                days=self.integer("ledger.correction_days", low=0, high=3650)
                if self.has("ledger.correction_days")
                else 7
            ),
            response=self.response_plan() if self.has("response") else _default_response_plan(),
        )

    def _strings(self, key: str) -> list[str]:
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, 'must be a list of strings like ["quarantine"]')
        return value

    def response_plan(self) -> ResponsePlan:
        """The [response] section: start conditions and the timed measures (136)."""
        dispositions = {d.value: d for d in Disposition}
        start: set[Disposition] = set()
        for name in self._strings("response.start_dispositions"):
            if name not in dispositions:
                raise self.fail(
                    "response.start_dispositions",
                    f"holds {name!r}; each must be one of {', '.join(dispositions)}",
                )
            start.add(dispositions[name])
        reasons = frozenset(self._strings("response.start_reasons"))
        items = self.get("response.items")
        if not isinstance(items, list) or not items:
            raise self.fail("response.items", "must be a non-empty list of measures")
        measures: list[ResponseMeasure] = []
        for number, item in enumerate(items, start=1):
            measures.append(self._measure(number, item))
        keys = [m.key for m in measures]
        if len(set(keys)) != len(keys):
            raise self.fail("response.items", "has two measures with the same key")
        return ResponsePlan(frozenset(start), reasons, tuple(measures))

    def _measure(self, number: int, item: Any) -> ResponseMeasure:
        where = "response.items"
        if not isinstance(item, dict):
            raise self.fail(where, f"item {number} must be a table {{ key, minutes, zh, en }}")
        unknown = set(item) - {"key", "minutes", "zh", "en"}
        if unknown:
            raise self.fail(where, f"item {number} has an unknown key {sorted(unknown)[0]!r}")
        texts: dict[str, str] = {}
        for name in ("key", "zh", "en"):
            value = item.get(name)
            if not isinstance(value, str) or not value.strip():
                raise self.fail(where, f"item {number} needs {name} as a non-empty string")
            texts[name] = value.strip()
        if not re.fullmatch(r"[a-z0-9_]{1,40}", texts["key"]):
            raise self.fail(
                where, f"item {number}: key {texts['key']!r} must be lower-case letters, digits, _"
            )
        minutes = item.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 1440:
            raise self.fail(where, f"item {number} needs minutes as a whole number 1 to 1440")
        return ResponseMeasure(texts["key"], texts["zh"], texts["en"], minutes)
    def online_codes(self) -> tuple[OnlineCode, ...]:
        if not self.has("online_codes"):
            return ()
        table = self.get("online_codes")
        if not isinstance(table, dict):
            raise self.fail("online_codes", "must be a table of name = \"regular expression\"")
        out = []
        for name, pattern in table.items():
            if not isinstance(pattern, str) or not pattern.strip():
                raise self.fail(f"online_codes.{name}", "must be a non-empty regular expression")
            try:
                out.append(OnlineCode(str(name), re.compile(pattern)))
            except re.error as exc:
                raise self.fail(
                    f"online_codes.{name}", f"is not a regular expression ({exc})"
                ) from exc
        return tuple(out)
