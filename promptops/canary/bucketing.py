"""Deterministic percentage bucketing: which callers get the canary version.

A caller's stable key (user, tenant or session id) is hashed together with a salt (the release
id by default) into one of 100,000 buckets. The caller is in the canary iff its bucket is below
``weight * 1000``. Because a key's bucket never changes and only the threshold moves, a caller
in the canary at 5 % is still in it at 25 % (monotone ramp), and every process, on every
machine, in every language that hashes the same bytes, agrees. Changing the salt reshuffles
everyone: that is the "re-randomise" switch.

SHA-1 over ``"{salt}:{key}"`` (UTF-8), first 15 hex digits (60 bits) scaled to the bucket range,
the same construction LaunchDarkly's SDKs use; stdlib only, no per-request randomness.
"""

from __future__ import annotations

import hashlib

BUCKETS = 100_000
_HASH_BITS = 60  # 15 hex digits


def bucket(salt: str, key: str) -> int:
    """The bucket in [0, 100000) of ``key`` under ``salt``."""
    return bucket_of_text(f"{salt}:{key}")


def bucket_of_text(text: str) -> int:
    """The bucket of an already salted string: SHA-1, 60 bits, scaled to 100,000 buckets."""
    digest = hashlib.sha1(text.encode()).hexdigest()
    return (int(digest[:15], 16) * BUCKETS) >> _HASH_BITS


def weight_threshold(weight_pct: float) -> int:
    """Buckets below this number are in the canary; ``weight_pct`` is 0..100 (e.g. 2.5)."""
    if not 0 <= weight_pct <= 100:
        raise ValueError(f"canary weight must be between 0 and 100, got {weight_pct}")
    return round(weight_pct * (BUCKETS // 100))


def in_canary(salt: str, key: str, weight_pct: float) -> bool:
    """True when ``key`` falls in the canary cohort at ``weight_pct`` percent."""
    threshold = weight_threshold(weight_pct)
    if threshold == 0:
        return False
    if threshold >= BUCKETS:
        return True
    return bucket(salt, key) < threshold
