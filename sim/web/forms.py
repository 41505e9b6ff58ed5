"""A scenario as a form, generated from the scenario's JSON Schema, and a submitted form as settings.

Every field of the resolved scenario (defaults filled in) becomes one input, grouped by its first
two path parts; its kind comes from the schema at its path (:func:`sim.scenario.editor_schema.field_schema`):
a number with its bounds, a whole number, true/false, a choice, a date or text, and anything else
(a list, a table) as its TOML text. A submitted form becomes ``PATH=VALUE`` settings for the fields
whose text changed; the file saved from them (``extends`` and ``[set]``) is checked exactly as
``bordersim validate`` checks it, so the form shows validate's own lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.editor_schema import field_schema
from sim.scenario.inspect import flatten, toml_value
from sim.scenario.overrides import parse_path

SKIPPED = ("name", "extends")  # set by the save form itself


@dataclass(frozen=True)
class Field:
    """One input: the field's path, its value as text, and how the schema says to enter it."""

    path: str
    text: str
    kind: str  # number, integer, boolean, choice, date, text
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None

    @property
    def group(self) -> str:
        parts = self.path.replace("[", ".[").split(".")
        return ".".join(parts[:2]) if len(parts) > 2 else "general"


def as_text(value: Any) -> str:
    """A value as the form shows it: a number or text as such, anything else as TOML."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return toml_value(value)


def fields(data: Mapping[str, Any]) -> list[Field]:
    """The inputs of a scenario's resolved data (:func:`sim.scenario.files.normalised`)."""
    out = []
    for path, value in flatten(dict(data)):
        if path in SKIPPED:
            continue
        schema = field_schema(parse_path(path, path), data)
        kind, choices = _kind(schema, value)
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        out.append(Field(path, as_text(value), kind, str(schema.get("description", "")), low,
                         schema.get("maximum"), choices, schema.get("pattern")))  # fmt: skip
    return out


def _kind(schema: Mapping[str, Any], value: Any) -> tuple[str, tuple[str, ...]]:
    if "enum" in schema:
        return "choice", tuple(str(v) for v in schema["enum"])
    if "const" in schema:
        return "choice", (str(schema["const"]),)
    kind = schema.get("type")
    if schema.get("format") in ("date", "date-time"):
        return "date", ()
    if kind == "boolean" or isinstance(value, bool):
        return "boolean", ("true", "false")
    if kind == "integer":
        return "integer", ()
    if kind == "number":
        return "number", ()
    return "text", ()


def changed_settings(data: Mapping[str, Any], form: Mapping[str, str]) -> list[str]:
    """``PATH=VALUE`` for each field of ``form`` (``field:PATH`` keys) whose text differs from the
    scenario's; a text field's new value is written as TOML text, other fields as entered."""
    known = {f.path: f for f in fields(data)}
    out = []
    for key, text in form.items():
        if not key.startswith("field:"):
            continue
        path = key.removeprefix("field:")
        field = known.get(path)
        text = text.strip()
        if field is None or text == field.text.strip():
            continue  # not a field of this scenario (ignored), or unchanged
        value = text if field.kind not in ("text", "date") or _looks_toml(field, text) else toml_value(text)
        out.append(f"{path}={value}")
    return out


def _looks_toml(field: Field, text: str) -> bool:
    """A list or a table keeps its TOML text, a date is a TOML date; plain text is quoted."""
    return field.kind == "date" or field.text.startswith(("[", "{")) or text.startswith(("[", "{"))
