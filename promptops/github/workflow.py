"""GitHub Actions workflow commands: annotations, step outputs and the job summary.

Escaping follows `actions/toolkit` (`packages/core/src/command.ts`): data escapes `%`, CR and
LF; properties also escape `:` and `,`. GitHub shows at most 10 annotations of each level per
step (50 per job), so the most severe go first and the rest are counted in one notice.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from promptops.errors import UserError

ANNOTATION_LEVELS = ("error", "warning", "notice")
MAX_ANNOTATIONS_PER_LEVEL = 10
MAX_ANNOTATIONS_PER_STEP = 50
STEP_SUMMARY_MAX_BYTES = 1024 * 1024
_LEVEL_OF_SEVERITY = {"error": "error", "warning": "warning", "info": "notice", "notice": "notice"}
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def escape_data(value: str) -> str:
    """Escape a command's message: `%`, CR and LF would otherwise end or corrupt it."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a command's property value, where `:` and `,` are also separators."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int | None) -> str:
    """`::command key=value,...::message`, with every part escaped; None properties dropped."""
    props = [
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    ]
    context = f" {','.join(props)}" if props else ""
    return f"::{command}{context}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    """One annotation on one file line; `level` is error, warning or notice."""

    level: str
    message: str
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    end_column: int | None = None
    title: str | None = None

    def command(self) -> str:
        # The order of GitHub's documentation: file, line, endLine, col, endColumn, title.
        return workflow_command(
            self.level,
            self.message,
            file=self.file,
            line=self.line,
            endLine=self.end_line,
            col=self.col,
            endColumn=self.end_column,
            title=self.title,
        )


def annotation_from_finding(finding: Mapping[str, object]) -> Annotation:
    """A finding as an annotation on its YAML line (a `Finding.to_dict()` or its JSON)."""
    code = str(finding.get("code") or "")
    severity = str(finding.get("severity") or "warning")
    line = _positive_int(finding.get("line"))
    end_line = _positive_int(finding.get("end_line"))
    col = _positive_int(finding.get("column"))
    end_column = _positive_int(finding.get("end_column"))
    single_line = end_line is None or end_line == line
    return Annotation(
        level=_LEVEL_OF_SEVERITY.get(severity, "warning"),
        message=str(finding.get("message") or ""),
        file=str(finding["path"]) if finding.get("path") else None,
        line=line,
        end_line=end_line if line is not None else None,
        # GitHub accepts columns only on single-line annotations.
        col=col if line is not None and single_line else None,
        end_column=end_column if line is not None and single_line else None,
        title=f"promptops ({code})" if code else "promptops",
    )


def prioritized(annotations: Iterable[Annotation]) -> tuple[list[Annotation], int]:
    """The annotations GitHub will show, most severe first, and how many were left out.

    Keeps at most 10 per level and 50 in all; when some are left out, one notice slot is
    kept free for the line that says so.
    """
    rank = {level: i for i, level in enumerate(ANNOTATION_LEVELS)}
    ordered = sorted(
        annotations,
        key=lambda a: (rank.get(a.level, len(rank)), a.file or "", a.line or 0, a.col or 0),
    )
    counts = dict.fromkeys(ANNOTATION_LEVELS, 0)
    kept: list[Annotation] = []
    dropped: list[Annotation] = []
    for annotation in ordered:
        level = annotation.level if annotation.level in counts else "notice"
        if counts[level] < MAX_ANNOTATIONS_PER_LEVEL and len(kept) < MAX_ANNOTATIONS_PER_STEP:
            counts[level] += 1
            kept.append(annotation)
        else:
            dropped.append(annotation)
    if dropped and counts["notice"] >= MAX_ANNOTATIONS_PER_LEVEL:
        notices = [a for a in kept if a.level == "notice"]
        kept.remove(notices[-1])
        dropped.append(notices[-1])
    return kept, len(dropped)


def annotation_lines(annotations: Iterable[Annotation]) -> list[str]:
    """The workflow command lines to print: the prioritized annotations plus an overflow note."""
    kept, dropped = prioritized(annotations)
    lines = [a.command() for a in kept]
    if dropped:
        more = f"{dropped} more finding{'s' if dropped != 1 else ''} not annotated"
        lines.append(
            workflow_command(
                "notice", f"{more}: see the job summary or the SARIF report", title="promptops"
            )
        )
    return lines


def write_outputs(path: str | Path, outputs: Mapping[str, str]) -> None:
    """Append step outputs to `$GITHUB_OUTPUT`; multiline values use a random delimiter."""
    chunks = []
    for name, value in outputs.items():
        if not _OUTPUT_NAME.match(name):
            raise UserError(f"invalid step output name {name!r}")
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            chunks.append(f"{name}={value}\n")
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write("".join(chunks))


def append_step_summary(path: str | Path, markdown: str) -> bool:
    """Append Markdown to `$GITHUB_STEP_SUMMARY`, truncated to fit its 1 MiB per-step limit.

    Returns False when the Markdown had to be truncated. Past the limit GitHub drops the
    whole summary of the step, so a cut summary with a note beats none.
    """
    target = Path(path)
    used = target.stat().st_size if target.exists() else 0
    room = STEP_SUMMARY_MAX_BYTES - used
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    encoded = text.encode("utf-8")
    complete = len(encoded) <= room
    if not complete:
        note = "\n\n> ✂️ The report was truncated to fit the 1 MiB job summary limit.\n"
        keep = max(0, room - len(note.encode("utf-8")))
        text = encoded[:keep].decode("utf-8", errors="ignore") + note if keep else ""
    if text:
        with open(target, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return complete


def running_in_actions(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("GITHUB_ACTIONS") == "true"


def _positive_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    return None
