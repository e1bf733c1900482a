"""Five-field cron schedules with one meaning on Kubernetes (CronJob) and AWS (EventBridge Scheduler).

Kubernetes parses standard five-field cron (robfig/cron); EventBridge Scheduler takes six fields
(`cron(min hour day-of-month month day-of-week year)`), numbers Sunday 1 rather than 0, allows no step
in day-of-week, and refuses a day-of-month and a day-of-week that are both set (one must be `?`),
where standard cron runs on either day. So the spec accepts only what both read alike and refuses the rest
with a reason:

- values inside each field's range (day-of-week 0-6 or SUN-SAT: Kubernetes rejects 7),
- no range that wraps around (`22-2`): neither platform wraps, they fail or read it otherwise,
- a `*/step` on minutes or hours that divides the hour or the day: `*/7` restarts at minute 0, so its
  last gap would silently be shorter,
- never both a restricted day-of-month and a restricted day-of-week,
- a day-of-month that exists in at least one chosen month (`0 0 30 2 *` never runs).

`@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`) expand to five fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator, Field

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February may have 29


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names for low, low+1, ...
    even_steps: bool = False  # `*/step` must divide the span (minutes, hours)


FIELDS = (
    _Field("minute", 0, 59, even_steps=True),
    _Field("hour", 0, 23, even_steps=True),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 0, 6, DAYS),
)
_ITEM = re.compile(r"^(?P<base>\*|[A-Za-z0-9]+(-[A-Za-z0-9]+)?)(/(?P<step>[0-9]+))?$")


@dataclass(frozen=True)
class Cron:
    """A validated schedule: `expression` as written (five fields), `values` what each field selects."""

    expression: str
    values: tuple[frozenset[int], ...]

    def restricted(self, index: int) -> bool:
        spec = FIELDS[index]
        return self.values[index] != frozenset(range(spec.low, spec.high + 1))

    def aws_expression(self) -> str:
        """The same schedule as EventBridge Scheduler's `cron(...)`, day names for day-of-week."""
        minute, hour, dom, month, dow = (_render(i, v) for i, v in enumerate(self.values))
        if self.restricted(4):
            dom = "?"
        else:
            dow = "?"
        return f"cron({minute} {hour} {dom} {month} {dow} *)"

    def shortest_gap_minutes(self) -> int:
        """A lower bound of the time between two runs: the closest two times of one day, or the last
        time of a day to the first of the next."""
        times = sorted(h * 60 + m for h in self.values[1] for m in self.values[0])
        gaps = [b - a for a, b in pairwise(times)] + [times[0] + 1440 - times[-1]]
        return min(gaps)


def parse(expression: str) -> Cron:
    """Parse and validate; ValueError with every reason the schedule is refused."""
    text = " ".join(expression.split())
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise ValueError(f"unknown macro '{text}'; use one of {', '.join(MACROS)} or five fields")
        text = MACROS[text.lower()]
    parts = text.split(" ")
    if len(parts) != 5:
        raise ValueError(
            f"needs five fields (minute hour day-of-month month day-of-week), got {len(parts)} in '{expression}'"
        )
    errors: list[str] = []
    values = []
    for spec, part in zip(FIELDS, parts, strict=True):
        try:
            values.append(_field(spec, part))
        except ValueError as error:
            errors.append(f"{spec.name} '{part}': {error}")
            values.append(frozenset())
    if errors:
        raise ValueError("; ".join(errors))
    cron = Cron(text, tuple(values))
    if cron.restricted(2) and cron.restricted(4):
        raise ValueError(
            "sets both day-of-month and day-of-week: Kubernetes runs on either day, AWS refuses the pair; "
            "keep one of them '*' (use two schedules for both)"
        )
    if cron.restricted(2) and min(cron.values[2]) > max(DAYS_IN_MONTH[m - 1] for m in cron.values[3]):
        raise ValueError(f"never runs: no chosen month has day {min(cron.values[2])}")
    return cron


def _number(spec: _Field, token: str) -> int:
    upper = token.upper()
    if spec.names and upper in spec.names:
        return spec.low + spec.names.index(upper)
    if not token.isdigit():
        known = f" or a name ({spec.names[0]}-{spec.names[-1]})" if spec.names else ""
        raise ValueError(f"'{token}' is not a number{known}")
    value = int(token)
    if spec.name == "day-of-week" and value == 7:
        raise ValueError("7 is not a day here: Kubernetes takes 0-6; use 0 (or SUN) for Sunday")
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{value} is outside {spec.low}-{spec.high}")
    return value


def _field(spec: _Field, text: str) -> frozenset[int]:
    selected: set[int] = set()
    for item in text.split(","):
        match = _ITEM.match(item)
        if not match:
            raise ValueError(f"'{item}' is not a value, a range a-b, '*' or one of them with /step")
        base, step_text = match["base"], match["step"]
        step = int(step_text) if step_text is not None else 1
        if step < 1:
            raise ValueError("a step must be at least 1")
        if base == "*":
            low, high = spec.low, spec.high
        elif "-" in base:
            first, last = base.split("-")
            low, high = _number(spec, first), _number(spec, last)
            if low > high:
                raise ValueError(
                    f"the range {base} wraps around, which neither platform does; "
                    f"write {first}-{spec.names[-1] if spec.names else spec.high},"
                    f"{spec.names[0] if spec.names else spec.low}-{last}"
                )
        else:
            low = _number(spec, base)
            high = spec.high if step_text is not None else low  # a/step: from a to the end
        if step_text is not None and step > spec.high - spec.low:
            raise ValueError(f"a step of {step} selects one value only; write that value")
        span = spec.high - spec.low + 1
        if step_text is not None and high == spec.high and spec.even_steps and span % step:
            gap = low + span - max(range(low, high + 1, step))
            raise ValueError(
                f"{item} restarts at {low} after {max(range(low, high + 1, step))}, so one gap is {gap}, not {step}; "
                f"use a step that divides {span} or list the values"
            )
        selected.update(range(low, high + 1, step))
    return frozenset(selected)


def _render(index: int, values: frozenset[int]) -> str:
    """One field for AWS: '*', a/step when the values run to the end, else ranges and values."""
    spec = FIELDS[index]
    ordered = sorted(values)
    if ordered == list(range(spec.low, spec.high + 1)):
        return "*"
    name = (lambda v: spec.names[v - spec.low]) if index == 4 else str  # day names: AWS numbers Sunday 1
    if index != 4 and len(ordered) > 2:
        step = ordered[1] - ordered[0]
        if step > 1 and ordered == list(range(ordered[0], spec.high + 1, step)):
            return f"{ordered[0]}/{step}"
    runs: list[list[int]] = []
    for value in ordered:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ",".join(name(r[0]) if len(r) == 1 else f"{name(r[0])}-{name(r[-1])}" for r in runs)


def _validated(value: str) -> str:
    return parse(value).expression


CronExpression = Annotated[
    str,
    AfterValidator(_validated),
    Field(description="five-field cron (minute hour day-of-month month day-of-week), read alike on both platforms"),
]
