"""A small promptops repo with a release, its prompt and charter, for canary tests."""

from __future__ import annotations

from pathlib import Path

import yaml

RELEASE_YAML = """\
# Canary of the triage prompt: v1.1.0 trims the instructions.
kind: release
id: triage-rollout
prompt: support/triage
stable: 1.0.0    # what everyone gets today
canary:
  version: 1.1.0
  # ramp: 5% -> 25% -> 100%
  steps:
    - {weight: 5, min_calls: 1000, min_minutes: 60}
    - weight: 25          # a quarter of the keys
      min_calls: 5000
      min_minutes: 120
    - {weight: 100, min_calls: 10000, min_minutes: 240}
  step: 0
analysis:
  max_cost_per_call_increase_pct: 10   # finance signed off on +10%
  max_p95_latency_increase_pct: 25
"""


def make_repo(
    root: Path, kill_switch_usd: float | None = None, release: str = RELEASE_YAML
) -> Path:
    (root / "releases").mkdir(parents=True, exist_ok=True)
    (root / "prompts").mkdir(exist_ok=True)
    (root / "charters").mkdir(exist_ok=True)
    (root / "releases" / "triage.yaml").write_text(release, encoding="utf-8")
    prompt = {
        "kind": "prompt",
        "id": "support/triage",
        "version": "1.1.0",
        "model": "claude-haiku-4-5",
        "workload": "support",
        "system": "You triage support tickets.",
    }
    (root / "prompts" / "triage.yaml").write_text(yaml.safe_dump(prompt), encoding="utf-8")
    runaway: dict = {"multiplier": 15}
    if kill_switch_usd is not None:
        runaway["kill_switch_usd"] = kill_switch_usd
    charter = {
        "kind": "charter",
        "id": "support",
        "owner": "head-of-support",
        "scenarios": {"expected": {"calls_per_month": 1_000_000}, "runaway": runaway},
    }
    (root / "charters" / "support.yaml").write_text(yaml.safe_dump(charter), encoding="utf-8")
    return root
