"""The CycloneDX 1.6 view of the MBOM (JSON), following the ML-BOM conventions.

- every model a prompt uses or a charter allows: a component of type `machine-learning-model`
  (with a minimal model card and its prices as properties);
- every prompt: a `data` component holding `configuration` (its version, SHA-256 of its file);
- every tool definition: a `data` component holding a `definition`;
- every workload (charter): a service, with owner, signers, TRAM cell, limits, review topology,
  kill criteria, budgets and projected monthly costs as properties;
- dependencies: workload → its prompts; prompt → its model and tools.

Properties are namespaced `promptops:`. The output is deterministic: the timestamp is the
newest git change of any document (or SOURCE_DATE_EPOCH, or the as-of date), and the serial
number is a UUID derived from the BOM's content, so the same repo state gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from decimal import Decimal
from typing import Any

from promptops import __version__
from promptops.mbom.last_change import UNKNOWN, latest
from promptops.mbom.model import Mbom, ModelEntry, PromptEntry, ToolEntry, WorkloadEntry
from promptops.text.json_view import decimal_str

SPEC_VERSION = "1.6"
SCHEMA_URL = "http://cyclonedx.org/schema/bom-1.6.schema.json"
NS = "promptops:"
# A fixed namespace so serial numbers are stable across machines.
SERIAL_NAMESPACE = uuid.UUID("6f6d6f62-7072-6f6d-7074-6f7073000001")


def _value(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _props(*pairs: tuple[str, Any]) -> list[dict[str, str]]:
    """`promptops:`-namespaced properties, skipping empty values."""
    return [
        {"name": NS + name, "value": _value(value)}
        for name, value in pairs
        if value is not None and value != ""
    ]


def _timestamp(mbom: Mbom) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    else:
        dates = [p.last_changed for p in mbom.prompts] + [t.last_changed for t in mbom.tools]
        dates += [w.charter_last_changed for w in mbom.workloads]
        newest = latest(dates)
        if newest == UNKNOWN:
            moment = dt.datetime.fromisoformat(mbom.as_of + "T00:00:00+00:00")
        else:
            moment = dt.datetime.fromisoformat(newest).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def model_ref(model: str) -> str:
    return f"model:{model}"


def _model(m: ModelEntry) -> dict[str, Any]:
    prices = m.prices or {}
    pairs: list[tuple[str, Any]] = [("kind", "model")]
    for name in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read"):
        if name in prices:
            pairs.append((f"price:{name}_usd_per_mtok", prices[name]))
    for name, value in (prices.get("effective") or {}).items():
        if name in ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h"):
            pairs.append((f"price:effective:{name}_usd_per_mtok", value))
    pairs += [
        ("price:source", prices.get("source")),
        ("priced", bool(prices)),
        ("context_window_tokens", prices.get("context_window")),
        ("max_output_tokens", prices.get("max_output_tokens")),
        ("min_cacheable_tokens", prices.get("min_cacheable_tokens")),
        ("retired", m.retired),
    ]
    pairs += [("used_by", p) for p in m.used_by]
    pairs += [("allowed_by", w) for w in m.allowed_by]
    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": model_ref(m.id),
        "name": m.id,
    }
    if m.id.startswith("claude-"):
        component["supplier"] = {"name": "Anthropic"}
    component["modelCard"] = {
        "modelParameters": {
            "task": "text-generation",
            "inputs": [{"format": "text"}],
            "outputs": [{"format": "text"}],
        }
    }
    component["properties"] = _props(*pairs)
    return component


def _prompt(p: PromptEntry) -> dict[str, Any]:
    pairs: list[tuple[str, Any]] = [
        ("kind", "prompt"),
        ("path", p.path),
        ("model", p.model),
        ("workload", p.workload),
        ("input_tokens", p.input_tokens),
        ("cached_input_tokens", p.cached_tokens),
        ("output_tokens", p.output_tokens),
        ("max_output_tokens", p.max_output_tokens),
        ("thinking_budget_tokens", p.thinking_budget_tokens),
        ("cost_per_call_usd", p.cost_per_call_usd),
        ("not_priced", p.error),
        ("last_changed", p.last_changed),
    ]
    pairs += [(f"agent:{k}", v) for k, v in p.agent.items()]
    pairs += [("tool", f"{t.id}@{t.version}" if t.version else t.id) for t in p.tools]
    for s in p.scenarios:
        pairs.append((f"cost:monthly_usd:{s.name}", s.monthly_usd))
        if s.effective_monthly_usd is not None:
            pairs.append((f"cost:effective_monthly_usd:{s.name}", s.effective_monthly_usd))
    for r in p.cache_cliff:
        pairs += [
            (
                f"cache_cliff:{r.ttl}:break_even_calls_per_month",
                round(r.break_even_calls_per_month, 1),
            ),
            (f"cache_cliff:{r.ttl}:calls_per_month", r.calls_per_month),
            (f"cache_cliff:{r.ttl}:margin", r.margin),
            (f"cache_cliff:{r.ttl}:verdict", r.verdict),
        ]
    component: dict[str, Any] = {
        "type": "data",
        "bom-ref": f"prompt:{p.id}",
        "name": p.id,
    }
    if p.version:
        component["version"] = p.version
    component["hashes"] = [{"alg": "SHA-256", "content": p.content_hash}]
    component["data"] = [{"type": "configuration", "name": p.id}]
    component["properties"] = _props(*pairs)
    return component


def _tool(t: ToolEntry) -> dict[str, Any]:
    component: dict[str, Any] = {"type": "data", "bom-ref": f"tool:{t.id}", "name": t.id}
    if t.version:
        component["version"] = t.version
    if t.description:
        component["description"] = t.description
    component["hashes"] = [{"alg": "SHA-256", "content": t.content_hash}]
    component["data"] = [{"type": "definition", "name": t.id}]
    component["properties"] = _props(
        ("kind", "tool"),
        ("path", t.path),
        ("last_changed", t.last_changed),
        *(("used_by", p) for p in t.used_by),
    )
    return component


def _service(w: WorkloadEntry) -> dict[str, Any]:
    pairs: list[tuple[str, Any]] = [
        ("kind", "workload"),
        ("path", w.path),
        ("owner", w.owner),
        ("orphaned", ", ".join(w.orphaned) if w.orphaned else None),
        *((f"signer:{role}", name) for role, name in w.signers.items()),
        ("alpha", w.alpha),
        *((f"tram:{axis}", level) for axis, level in w.tram.items()),
        *(("model:allowed", m) for m in w.models_allowed),
        ("model:default", w.model_default),
        *(("model:used", m) for m in w.models_used),
        *((f"agent:{k}", v) for k, v in w.agent.items()),
        *((f"thinking:{k}", v) for k, v in w.thinking.items()),
        *((f"review:{k}", v) for k, v in w.review.items()),
        ("review:overdue", w.review_status.overdue),
        ("review:status", w.review_status.reason),
        *((f"transparency:{k}", v) for k, v in w.transparency.items()),
        *(
            (
                "kill_criterion",
                f"{k.get('metric')} {k.get('op')} {k.get('value')} -> {k.get('action', 'alert')}",
            )
            for k in w.kill_criteria
        ),
        ("last_changed", w.last_changed),
    ]
    for name, value in w.budgets.items():
        if isinstance(value, dict):
            pairs += [(f"budget:{name}:{k}", v) for k, v in value.items()]
        else:
            pairs.append((f"budget:{name}", value))
    for s in w.scenarios:
        pairs += [
            (f"scenario:{s.name}:calls_per_month", s.calls_per_month),
            (f"cost:monthly_usd:{s.name}", s.monthly_usd),
            (f"cost:effective_monthly_usd:{s.name}", s.effective_monthly_usd),
        ]
    pairs += [("over_budget", name) for name in w.over_budget]
    service: dict[str, Any] = {"bom-ref": f"workload:{w.id}", "name": w.id}
    if w.purpose:
        service["description"] = w.purpose
    service["properties"] = _props(*pairs)
    return service


def _dependencies(mbom: Mbom) -> list[dict[str, Any]]:
    deps = []
    tool_ids = {t.id for t in mbom.tools}
    for w in mbom.workloads:
        deps.append({"ref": f"workload:{w.id}", "dependsOn": [f"prompt:{p}" for p in w.prompts]})
    for p in mbom.prompts:
        refs = [model_ref(p.model)] if p.model else []
        refs += [f"tool:{t.id}" for t in p.tools if t.id in tool_ids]
        deps.append({"ref": f"prompt:{p.id}", "dependsOn": list(dict.fromkeys(refs))})
    return deps


def mbom_cyclonedx(mbom: Mbom) -> dict[str, Any]:
    """The BOM as a JSON-ready dict (CycloneDX 1.6)."""
    prov = mbom.provenance
    body: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "timestamp": _timestamp(mbom),
            "tools": {
                "components": [{"type": "application", "name": "promptops", "version": __version__}]
            },
            "component": {
                "type": "application",
                "bom-ref": f"repository:{mbom.repository}",
                "name": mbom.repository,
            },
            "properties": _props(
                ("as_of", mbom.as_of),
                ("price_table_date", prov.price_table_date),
                ("tokenizer", prov.tokenizer),
                ("token_counts", prov.counts),
                ("prices_overridden", prov.prices_overridden),
                ("subsidy:exposed_share", mbom.subsidy.share),
                *(("subsidy:exposed", w) for w in mbom.subsidy.exposed_workloads),
                *(("flag:orphaned", w) for w in mbom.orphaned),
                *(("flag:review_overdue", w) for w in mbom.review_overdue),
            ),
        },
        "components": [
            *(_model(m) for m in mbom.models),
            *(_prompt(p) for p in mbom.prompts),
            *(_tool(t) for t in mbom.tools),
        ],
        "services": [_service(w) for w in mbom.workloads],
        "dependencies": _dependencies(mbom),
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    serial = uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(canonical).hexdigest())
    return {
        "$schema": body.pop("$schema"),
        "bomFormat": body.pop("bomFormat"),
        "specVersion": body.pop("specVersion"),
        "serialNumber": f"urn:uuid:{serial}",
        **body,
    }


def render_mbom_cyclonedx(mbom: Mbom) -> str:
    return json.dumps(mbom_cyclonedx(mbom), indent=2, ensure_ascii=False) + "\n"
