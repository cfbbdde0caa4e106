"""The `anthropic` provider: Claude through the official SDK.

The SDK does the retries (429, 5xx and 529 overloaded, exponential backoff honouring
`retry-after`) and the wire format. promptops adds what the SDK cannot promise:

- a total deadline per call (`timeout_s`: every attempt and the whole body; the SDK's read
  timeout starts again with every byte), through `promptops.net.http.run_with_deadline`;
- credentials on one origin: the SDK's httpx client refuses any request (a redirect hop, a
  batch's `results_url`) to an origin other than the configured base URL's, so `x-api-key`
  never leaves it (httpx itself drops only `Authorization` across origins);
- answers validated at the boundary: the raw JSON is parsed here (content blocks, usage as
  non-negative integers); anything else is one clear per-case error, never a traceback;
- redaction of known secrets from everything the server sends back.

The base URL comes from the command line or `ANTHROPIC_BASE_URL`, never from the repository's
config. Usage (cache reads and 5m/1h writes included) is priced with the one cost model,
`pricing.cost.cost_of`, on the price table's prices for the request's model (config `prices:`
applied). `complete_batch` runs many requests through the Message Batches API, priced at the
model's batch rates (`batch=True`).
"""

from __future__ import annotations

import inspect
import json
import os
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.errors import PromptopsError, ProviderUnreachable, UserError
from promptops.evals.providers.base import (
    MalformedAnswer,
    ProviderRequestError,
    ProviderResult,
    Usage,
    token_count,
)
from promptops.net.http import HttpError, run_with_deadline, sdk_http_client, validate_base_url
from promptops.net.redact import redact

if TYPE_CHECKING:
    from promptops.pricing.table import PriceTable

NAME = "anthropic"
DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 4
BATCH_POLL_INTERVAL_S = 10.0
BATCH_TIMEOUT_S = 24 * 3600.0


def _optional_count(data: dict[str, Any], name: str, prefix: str = "") -> int:
    value = data.get(name)
    return 0 if value is None else token_count(value, prefix + name)


def usage_from_response(usage: Any) -> Usage:
    """A Messages API `usage` object as promptops' Usage; ValueError unless every count is a
    non-negative integer. Without the 5m/1h split every cache write is a 5-minute write."""
    if not isinstance(usage, dict):
        raise ValueError(f"usage must be an object, got {usage!r:.60}")
    creation_total = _optional_count(usage, "cache_creation_input_tokens")
    split = usage.get("cache_creation")
    if split is not None:
        if not isinstance(split, dict):
            raise ValueError(f"usage.cache_creation must be an object, got {split!r:.60}")
        write_5m = _optional_count(split, "ephemeral_5m_input_tokens", "cache_creation.")
        write_1h = _optional_count(split, "ephemeral_1h_input_tokens", "cache_creation.")
    else:
        write_5m, write_1h = creation_total, 0
    return Usage(
        input_tokens=token_count(usage.get("input_tokens"), "input_tokens"),
        output_tokens=token_count(usage.get("output_tokens"), "output_tokens"),
        cache_read_input_tokens=_optional_count(usage, "cache_read_input_tokens"),
        cache_write_5m_input_tokens=write_5m,
        cache_write_1h_input_tokens=write_1h,
    )


def parse_message(
    payload: Any,
) -> tuple[str, tuple[dict[str, Any], ...], Usage, str | None, str | None]:
    """(text, tool calls, usage, model, stop reason) of a Messages API answer, or ValueError
    saying what is wrong with it. Blocks other than text and tool_use (thinking, server tool
    results) carry no answer text and are skipped."""
    if not isinstance(payload, dict):
        raise ValueError(f"the answer must be a JSON object, got {type(payload).__name__}")
    if payload.get("type") == "error":
        error = payload.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        raise ValueError(f"the API sent an error with a 2xx status: {message!s:.300}")
    content = payload.get("content")
    if not isinstance(content, list):
        raise ValueError(f"`content` must be a list of blocks, got {content!r:.60}")
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in content:
        if not isinstance(block, dict):
            raise ValueError(f"a content block must be an object, got {block!r:.60}")
        kind = block.get("type")
        if kind == "text":
            if not isinstance(block.get("text"), str):
                raise ValueError(f"a text block needs a string `text`, got {block!r:.80}")
            texts.append(block["text"])
        elif kind == "tool_use":
            if not isinstance(block.get("name"), str):
                raise ValueError(f"a tool_use block needs a `name`, got {block!r:.80}")
            call_id = block.get("id")
            tool_calls.append(
                {
                    "id": call_id if isinstance(call_id, str) else None,
                    "name": block["name"],
                    "input": block.get("input"),
                }
            )
    if payload.get("usage") is None:
        raise ValueError("the answer has no `usage`: its tokens and cost cannot be known")
    usage = usage_from_response(payload["usage"])
    stop = payload.get("stop_reason")
    if stop is not None and not isinstance(stop, str):
        raise ValueError(f"stop_reason must be a string, got {stop!r:.60}")
    model = payload.get("model")
    return (
        "".join(texts),
        tuple(tool_calls),
        usage,
        model if isinstance(model, str) and model else None,
        stop,
    )


def _decode(raw: bytes, what: str) -> Any:
    """JSON from a 2xx body; MalformedAnswer for bad UTF-8 or anything that is not JSON."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedAnswer(
            f"{what}: the body is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    except ValueError:
        snippet = raw[:200].decode("utf-8", "replace").strip() or "(empty body)"
        raise MalformedAnswer(f"{what}: the body is not JSON: {snippet}") from None


class AnthropicProvider:
    """Claude via the Messages API; `base_url` points it at any server speaking that API
    (from the command line or ANTHROPIC_BASE_URL, never from the repository)."""

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
        url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self.base_url = validate_base_url(url, "ANTHROPIC_BASE_URL") if url else None
        self._api_key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.batch_poll_interval_s = batch_poll_interval_s
        self.batch_timeout_s = batch_timeout_s
        self._client: Any = None

    # -- the Provider shape ------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        return {"provider": NAME, "base_url": self.base_url or DEFAULT_BASE_URL}

    @property
    def endpoint(self) -> str:
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

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
        started = time.perf_counter()
        known, extra = _split_request(request, client.messages.create)

        def call() -> bytes:
            raw = client.messages.with_raw_response.create(**known, extra_body=extra or None)
            return bytes(raw.http_response.read())

        body = self._call(call, f"{self.endpoint}/v1/messages")
        latency_ms = (time.perf_counter() - started) * 1000
        return self._result(body, request, latency_ms=latency_ms, batch=False)

    # -- Message Batches ---------------------------------------------------------------
    def complete_batch(
        self, requests: Sequence[dict[str, Any]]
    ) -> list[ProviderResult | ProviderRequestError]:
        """Run requests as one Message Batch; results come back in request order."""
        if not requests:
            return []
        self._check_priced(requests)
        client = self._get_client()
        batches_url = f"{self.endpoint}/v1/messages/batches"
        batch = self._call(
            lambda: client.messages.batches.create(
                requests=[
                    {"custom_id": f"r{index}", "params": request}
                    for index, request in enumerate(requests)
                ]
            ),
            batches_url,
        )
        batch_id = getattr(batch, "id", None)
        if not isinstance(batch_id, str) or not batch_id:
            raise ProviderUnreachable(f"{batches_url} answered without a batch id")
        deadline = time.monotonic() + self.batch_timeout_s
        while getattr(batch, "processing_status", None) != "ended":
            if time.monotonic() > deadline:
                raise ProviderUnreachable(
                    f"message batch {batch_id} did not end within {self.batch_timeout_s:.0f}s"
                )
            time.sleep(self.batch_poll_interval_s)
            batch = self._call(
                lambda: client.messages.batches.retrieve(batch_id), f"{batches_url}/{batch_id}"
            )
        raw = self._call(
            lambda: bytes(
                client.messages.batches.with_raw_response.results(batch_id).http_response.read()
            ),
            f"{batches_url}/{batch_id}/results",
        )
        outcomes = self._batch_outcomes(raw, batch_id)
        results: list[ProviderResult | ProviderRequestError] = []
        for index, request in enumerate(requests):
            outcome = outcomes.get(f"r{index}")
            if outcome is None:
                results.append(ProviderRequestError("no result returned by the batch"))
                continue
            kind = outcome.get("type")
            if kind == "succeeded":
                try:
                    body = json.dumps(outcome.get("message")).encode()
                    results.append(self._result(body, request, latency_ms=None, batch=True))
                except ProviderRequestError as exc:
                    results.append(exc)
            else:
                error = outcome.get("error")
                detail = error.get("error") if isinstance(error, dict) else None
                message = detail.get("message") if isinstance(detail, dict) else None
                results.append(ProviderRequestError(f"batch request {kind}: {message or kind}"))
        return results

    def _batch_outcomes(self, raw: bytes, batch_id: str) -> dict[str, dict[str, Any]]:
        """custom_id -> result, from the results JSONL (a bad line is skipped: its request
        then reports 'no result returned')."""
        outcomes: dict[str, dict[str, Any]] = {}
        for line in raw.decode("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("result"), dict):
                outcomes[str(entry.get("custom_id"))] = entry["result"]
        return outcomes

    # -- internals ---------------------------------------------------------------------
    def _call(self, fn: Callable[[], Any], url: str) -> Any:
        """One SDK call under the total deadline, its errors mapped to promptops' shapes."""
        anthropic = _sdk()
        try:
            return run_with_deadline(fn, self.timeout_s, url)
        except HttpError as exc:
            raise ProviderUnreachable(f"Anthropic API at {exc.url}: {exc.reason}") from None
        except (PromptopsError, ProviderRequestError):
            raise
        except Exception as exc:  # the SDK's errors, and whatever else it lets through
            raise _map_error(exc, anthropic, self.endpoint) from None

    def _check_priced(self, requests: Sequence[dict[str, Any]]) -> None:
        """An unknown model fails before the call is paid for, with the table's fix."""
        table = self.price_table()
        for model in {str(r["model"]) for r in requests if r.get("model")}:
            table.get(model)

    def _result(
        self, body: bytes, request: dict[str, Any], latency_ms: float | None, batch: bool
    ) -> ProviderResult:
        what = f"Anthropic API at {self.endpoint}"
        payload = _decode(body, what)
        try:
            text, tool_calls, usage, answered_model, stop = parse_message(payload)
        except ValueError as exc:
            raise MalformedAnswer(f"malformed message from {what}: {exc}") from None
        model = str(request.get("model") or answered_model or "")
        return ProviderResult(
            text=text,
            usage=usage,
            cost_usd=self.price(usage, batch=batch, model=model),
            latency_ms=latency_ms,
            model=answered_model or model,
            stop_reason=stop,
            tool_calls=tool_calls,
        ).redacted()

    def _get_client(self) -> Any:
        if self._client is None:
            if not self._api_key:
                raise UserError(
                    "ANTHROPIC_API_KEY is not set: the `assigned` target calls the Anthropic API"
                    " (use --target local for an OpenAI-compatible server)"
                )
            anthropic = _sdk()
            self._client = anthropic.Anthropic(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout_s,
                max_retries=self.max_retries,
                http_client=sdk_http_client(self.endpoint, self.timeout_s, anthropic),
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
    cause = exc.__cause__
    while cause is not None and not isinstance(cause, HttpError):
        cause = cause.__cause__
    if isinstance(cause, HttpError):
        return ProviderUnreachable(f"Anthropic API at {cause.url}: {cause.reason}")
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
        if 300 <= status < 400:
            return ProviderUnreachable(
                f"Anthropic API at {base_url} answered with a redirect ({status}) that was not "
                "followed: set ANTHROPIC_BASE_URL to where the API really is"
            )
        return ProviderRequestError(f"Anthropic API error {status}: {detail}")
    return ProviderRequestError(f"Anthropic SDK error: {redact(str(exc)) or type(exc).__name__}")


def _error_message(exc: Any) -> str:
    """The API's error message (redacted: a server may echo the key), else the SDK's."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return redact(f"{error.get('type', 'error')}: {error['message']}")
    return redact(str(getattr(exc, "message", exc)))
