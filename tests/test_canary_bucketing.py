"""Deterministic bucketing (`promptops.runtime`): stable across processes, accurate shares,
monotone ramp."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from promptops.runtime import bucket, bucket_of_text, in_canary, weight_threshold
from tests.support.cli import REPO_ROOT

SALT = "triage-rollout"
GOLDEN = {"user-1": 66081, "user-2": 37293, "tenant:acme": 20386, "üser": 92318}


def test_golden_vectors() -> None:
    assert {key: bucket(SALT, key) for key in GOLDEN} == GOLDEN


@pytest.mark.parametrize(
    ("text", "fraction"),
    # LaunchDarkly's published vectors for flag hashKey, salt saltyA (same SHA-1 construction)
    [
        ("hashKey.saltyA.userKeyA", 0.42157587),
        ("hashKey.saltyA.userKeyB", 0.6708485),
        ("hashKey.saltyA.userKeyC", 0.10343106),
    ],
)
def test_hash_construction_matches_launchdarkly_vectors(text: str, fraction: float) -> None:
    assert bucket_of_text(text) == int(fraction * 100_000)


def test_same_key_same_version_across_processes() -> None:
    keys = [f"user-{i}" for i in range(2000)]
    script = (
        "import json, sys\n"
        "from promptops.runtime import bucket\n"
        "keys = json.load(sys.stdin)\n"
        f"print(json.dumps([bucket({SALT!r}, k) for k in keys]))\n"
    )
    outputs = []
    for hash_seed in ("0", "12345"):  # a different str-hash seed must not matter
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(keys),
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT), "PYTHONHASHSEED": hash_seed},
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] == [bucket(SALT, k) for k in keys]


@pytest.mark.parametrize("weight", [1, 5, 25, 50, 99])
def test_shares_within_one_point_over_100k_keys(weight: float) -> None:
    share = sum(in_canary(SALT, f"user-{i}", weight) for i in range(100_000)) / 1000
    assert abs(share - weight) <= 1.0


def test_every_key_in_canary_at_5_is_still_in_it_at_25() -> None:
    keys = [f"session-{i}" for i in range(100_000)]
    at_5 = {k for k in keys if in_canary(SALT, k, 5)}
    at_25 = {k for k in keys if in_canary(SALT, k, 25)}
    assert at_5 and at_5 <= at_25
    assert len(at_25) > 4 * len(at_5)


def test_salt_reshuffles_cohorts() -> None:
    keys = [f"user-{i}" for i in range(20_000)]
    a = {k for k in keys if in_canary("release-a", k, 10)}
    b = {k for k in keys if in_canary("release-b", k, 10)}
    overlap = len(a & b) / len(a)
    assert 0.05 < overlap < 0.15  # independent cohorts overlap by about the weight


def test_edge_weights() -> None:
    assert not in_canary(SALT, "anyone", 0)
    assert in_canary(SALT, "anyone", 100)
    assert weight_threshold(2.5) == 2500
    with pytest.raises(ValueError):
        weight_threshold(101)
