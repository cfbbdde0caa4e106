"""The `anthropic` provider: Claude through the official SDK.

The SDK does the retries (429, 5xx and 529 overloaded, exponential backoff honouring
`retry-after`), the timeouts and the wire format; this module maps its answers and errors onto
promptops' shapes and prices the returned `usage` (cache reads and 5m/1h writes included) with
the one cost model, `pricing.cost.cost_of`, on the price table's prices for the request's model
(config `prices:` applied). `complete_batch` runs many requests through the Message Batches API,
priced at the model's batch rates (`batch=True`).
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.errors import ProviderUnreachable, UserError
from promptops.evals.providers.base import ProviderRequestError, ProviderResult, Usage

if TYPE_CHECKING:
    from promptops.pricing.table import PriceTable

NAME = "anthropic"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 4
BATCH_POLL_INTERVAL_S = 10.0
BATCH_TIMEOUT_S = 24 * 3600.0


def usage_from_response(usage: Any) -> Usage:
    """Normalise the SDK's `Usage` (or a plain dict) into promptops' `Usage`."""
    get = usage.get if isinstance(usage, dict) else lambda name, d=None: getattr(usage, name, d)
    creation_total = get("cache_creation_input_tokens") or 0
    split = get("cache_creation")
    if split is not None:
        split_get = split.get if isinstance(split, dict) else lambda n, d=None: getattr(split, n, d)
        write_5m = split_get("ephemeral_5m_input_tokens") or 0
        write_1h = split_get("ephemeral_1h_input_tokens") or 0
    else:  # older responses: every write is a 5-minute write
        write_5m, write_1h = creation_total, 0
    return Usage(
        input_tokens=get("input_tokens") or 0,
        output_tokens=get("output_tokens") or 0,
        cache_read_input_tokens=get("cache_read_input_tokens") or 0,
        cache_write_5m_input_tokens=write_5m,
        cache_write_1h_input_tokens=write_1h,
    )


def _content_of(message: Any) -> tuple[str, tuple[dict[str, Any], ...]]:
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in message.content:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use":
            tool_calls.append({"id": block.id, "name": block.name, "input": block.input})
    return "".join(texts), tuple(tool_calls)


class AnthropicProvider:
    """Claude via the Messages API; `base_url` points it at any server speaking that API."""

    name = NAME

    def __init__(
        self,
        prices: PriceTable | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        batch_poll_interval_s: float = BATCH_POLL_INTERVAL_S,
        batch_timeout_s: float = BATCH_TIMEOUT_S,
    ) -> None:
        self._prices = prices  # None: the table without config, built on first use
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self._api_key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.batch_poll_interval_s = batch_poll_interval_s
        self.batch_timeout_s = batch_timeout_s
        self._client: Any = None

    # -- the Provider shape ------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        return {"provider": NAME, "base_url": self.base_url or "https://api.anthropic.com"}

    def price(self, usage: Usage, batch: bool = False, model: str = "") -> Decimal:
        """Cost of `usage` on `model`; an unknown model is an error with a fix, never $0."""
        from promptops.pricing.cost import cost_of

        return cost_of(usage.billed(), self.price_table().get(model), batch=batch).total

    def price_table(self) -> PriceTable:
        if self._prices is None:
            from promptops.pricing.table import PriceTable

            self._prices = PriceTable.from_config(None)
        return self._prices

    def complete(self, request: dict[str, Any]) -> ProviderResult:
        self._check_priced([request])
        client = self._get_client()
        anthropic = _sdk()
        started = time.perf_counter()
        known, extra = _split_request(request, client.messages.create)
        try:
            message = client.messages.create(**known, extra_body=extra or None)
        except Exception as exc:
            raise _map_error(exc, anthropic, self.identity()["base_url"]) from exc
        latency_ms = (time.perf_counter() - started) * 1000
        return self._result(message, request, latency_ms=latency_ms, batch=False)

    # -- Message Batches ---------------------------------------------------------------
    def complete_batch(
        self, requests: Sequence[dict[str, Any]]
    ) -> list[ProviderResult | ProviderRequestError]:
        """Run requests as one Message Batch; results come back in request order."""
        if not requests:
            return []
        self._check_priced(requests)
        client = self._get_client()
        anthropic = _sdk()
        base_url = self.identity()["base_url"]
        try:
            batch = client.messages.batches.create(
                requests=[
                    {"custom_id": f"r{index}", "params": request}
                    for index, request in enumerate(requests)
                ]
            )
            deadline = time.monotonic() + self.batch_timeout_s
            while batch.processing_status != "ended":
                if time.monotonic() > deadline:
                    raise ProviderUnreachable(
                        f"message batch {batch.id} did not end within {self.batch_timeout_s:.0f}s"
                    )
                time.sleep(self.batch_poll_interval_s)
                batch = client.messages.batches.retrieve(batch.id)
            outcomes: dict[str, Any] = {
                entry.custom_id: entry.result for entry in client.messages.batches.results(batch.id)
            }
        except ProviderUnreachable:
            raise
        except Exception as exc:
            raise _map_error(exc, anthropic, base_url) from exc
        results: list[ProviderResult | ProviderRequestError] = []
        for index, request in enumerate(requests):
            outcome = outcomes.get(f"r{index}")
            if outcome is None:
                results.append(ProviderRequestError("no result returned by the batch"))
            elif outcome.type == "succeeded":
                results.append(self._result(outcome.message, request, latency_ms=None, batch=True))
            else:
                detail = getattr(getattr(outcome, "error", None), "error", None)
                message = getattr(detail, "message", None) or outcome.type
                results.append(ProviderRequestError(f"batch request {outcome.type}: {message}"))
        return results

    # -- internals ---------------------------------------------------------------------
    def _check_priced(self, requests: Sequence[dict[str, Any]]) -> None:
        """An unknown model fails before the call is paid for, with the table's fix."""
        table = self.price_table()
        for model in {str(r["model"]) for r in requests if r.get("model")}:
            table.get(model)

    def _result(
        self, message: Any, request: dict[str, Any], latency_ms: float | None, batch: bool
    ) -> ProviderResult:
        usage = usage_from_response(message.usage)
        model = str(request.get("model") or message.model)
        text, tool_calls = _content_of(message)
        return ProviderResult(
            text=text,
            usage=usage,
            cost_usd=self.price(usage, batch=batch, model=model),
            latency_ms=latency_ms,
            model=str(message.model),
            stop_reason=message.stop_reason,
            tool_calls=tool_calls,
        )

    def _get_client(self) -> Any:
        if self._client is None:
            if not self._api_key:
                raise UserError(
                    "ANTHROPIC_API_KEY is not set: the `assigned` target calls the Anthropic API"
                    " (use --target local for an OpenAI-compatible server)"
                )
            self._client = _sdk().Anthropic(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout_s,
                max_retries=self.max_retries,
            )
        return self._client


def _split_request(
    request: dict[str, Any], create: Callable[..., Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keyword arguments the installed SDK knows, and the rest sent as `extra_body`: SDK
    releases drop or add parameters (2.x has no `temperature`), the wire body stays whole."""
    known = _create_parameters(create)
    return (
        {k: v for k, v in request.items() if k in known},
        {k: v for k, v in request.items() if k not in known},
    )


_PARAMETERS: dict[Any, frozenset[str]] = {}


def _create_parameters(create: Callable[..., Any]) -> frozenset[str]:
    func = getattr(create, "__func__", create)
    if func not in _PARAMETERS:
        names = inspect.signature(create).parameters
        _PARAMETERS[func] = frozenset(
            n for n in names if n not in ("extra_headers", "extra_query", "extra_body", "timeout")
        )
    return _PARAMETERS[func]


def _sdk() -> Any:
    import anthropic

    return anthropic


def _map_error(exc: Exception, anthropic: Any, base_url: str) -> Exception:
    """SDK errors -> unreachable (exit 3), bad credentials (exit 2) or a per-case error."""
    if isinstance(exc, anthropic.APIConnectionError):  # includes APITimeoutError
        return ProviderUnreachable(f"Anthropic API at {base_url} could not be reached: {exc}")
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        detail = _error_message(exc)
        if status in (401, 403):
            return UserError(f"Anthropic API rejected the credentials ({status}): {detail}")
        if status == 429 or status >= 500:
            return ProviderUnreachable(
                f"Anthropic API at {base_url} kept failing after retries ({status}): {detail}"
            )
        return ProviderRequestError(f"Anthropic API error {status}: {detail}")
    return exc


def _error_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return f"{error.get('type', 'error')}: {error['message']}"
    return str(getattr(exc, "message", exc))
