"""The `openai-compatible` provider: local models behind Ollama, llama.cpp server, vLLM.

It converts promptops' Anthropic-shaped request into a Chat Completions body, posts it with
the standard library (a timeout on every call, backoff on 429/5xx), and maps `usage` back
(`prompt_tokens` includes cached tokens, unlike Anthropic's `input_tokens`). A local model is
priced only when the config prices it (`prices:` under its model id, through the one price
table and `pricing.cost.cost_of`); otherwise its cost is None, "not priced", never $0.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.errors import ProviderUnreachable
from promptops.evals.providers.base import ProviderRequestError, ProviderResult, Usage

if TYPE_CHECKING:
    from promptops.pricing.table import ModelPrices

NAME = "openai-compatible"
CONVERTER_VERSION = 1  # bump when the request conversion changes (part of the cache key)
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 3
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
PASSTHROUGH_PARAMS = ("temperature", "top_p", "seed")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content if block.get("type") == "text")


def _convert_message(message: dict[str, Any]) -> list[dict[str, Any]]:
    """One Anthropic message -> one or more Chat Completions messages (tool turns included)."""
    role, content = message["role"], message["content"]
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    converted: list[dict[str, Any]] = []
    tool_calls = [
        {
            "id": block["id"],
            "type": "function",
            "function": {"name": block["name"], "arguments": json.dumps(block.get("input", {}))},
        }
        for block in content
        if block.get("type") == "tool_use"
    ]
    for block in content:
        if block.get("type") == "tool_result":
            converted.append(
                {
                    "role": "tool",
                    "tool_call_id": block["tool_use_id"],
                    "content": _text_of(block.get("content", "")),
                }
            )
    text = _text_of(content)
    if text or tool_calls:
        entry: dict[str, Any] = {"role": role, "content": text}
        if tool_calls:
            entry["tool_calls"] = tool_calls
        converted.append(entry)
    return converted


def to_chat_completions(request: dict[str, Any], model: str) -> dict[str, Any]:
    """Anthropic Messages request body -> OpenAI Chat Completions body for `model`."""
    messages: list[dict[str, Any]] = []
    system = request.get("system")
    if system:
        messages.append({"role": "system", "content": _text_of(system)})
    for message in request.get("messages", []):
        messages.extend(_convert_message(message))
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": False}
    if "max_tokens" in request:
        body["max_tokens"] = request["max_tokens"]
    for param in PASSTHROUGH_PARAMS:
        if param in request:
            body[param] = request[param]
    if request.get("stop_sequences"):
        body["stop"] = list(request["stop_sequences"])
    if request.get("tools"):
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool["name"],
                    "description": tool.get("description", ""),
                    "parameters": tool.get("input_schema", {"type": "object"}),
                },
            }
            for tool in request["tools"]
        ]
    return body


def usage_from_chat_completion(usage: dict[str, Any] | None) -> Usage:
    usage = usage or {}
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    prompt = usage.get("prompt_tokens") or 0
    return Usage(
        input_tokens=max(prompt - cached, 0),
        output_tokens=usage.get("completion_tokens") or 0,
        cache_read_input_tokens=cached,
    )


class OpenAICompatibleProvider:
    """Any server answering `POST {base_url}/chat/completions` (base_url ends in `/v1`)."""

    name = NAME

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        prices: ModelPrices | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        initial_backoff_s: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._prices = prices
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.initial_backoff_s = initial_backoff_s

    def identity(self) -> dict[str, Any]:
        return {
            "provider": NAME,
            "base_url": self.base_url,
            "model": self.model,
            "converter": CONVERTER_VERSION,
        }

    def price(self, usage: Usage, batch: bool = False, model: str = "") -> Decimal | None:
        """Cost at the configured prices of the local model; None when it has none."""
        if self._prices is None:
            return None
        from promptops.pricing.cost import cost_of

        return cost_of(usage.billed(), self._prices).total

    def complete(self, request: dict[str, Any]) -> ProviderResult:
        body = json.dumps(to_chat_completions(request, self.model)).encode()
        started = time.perf_counter()
        payload = self._post("/chat/completions", body)
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            choice = payload["choices"][0]
            message = choice.get("message") or {}
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderRequestError(f"malformed chat completion: {payload!r:.200}") from exc
        usage = usage_from_chat_completion(payload.get("usage"))
        tool_calls = tuple(
            {
                "id": call.get("id"),
                "name": (call.get("function") or {}).get("name"),
                "input": (call.get("function") or {}).get("arguments"),
            }
            for call in message.get("tool_calls") or ()
        )
        return ProviderResult(
            text=message.get("content") or "",
            usage=usage,
            cost_usd=self.price(usage),
            latency_ms=latency_ms,
            model=str(payload.get("model") or self.model),
            stop_reason=choice.get("finish_reason"),
            tool_calls=tool_calls,
        )

    def _post(self, path: str, body: bytes) -> dict[str, Any]:
        url = self.base_url + path
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                detail = exc.read()[:500].decode("utf-8", "replace")
                if exc.code in RETRY_STATUSES and attempt < self.max_retries:
                    time.sleep(self._backoff_s(attempt, exc.headers.get("Retry-After")))
                    attempt += 1
                    continue
                if exc.code in RETRY_STATUSES:
                    raise ProviderUnreachable(
                        f"{url} kept failing after {attempt} retries (HTTP {exc.code}): {detail}"
                    ) from exc
                raise ProviderRequestError(f"HTTP {exc.code} from {url}: {detail}") from exc
            except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
                raise ProviderUnreachable(f"{url} could not be reached: {exc}") from exc
            except json.JSONDecodeError as exc:
                raise ProviderRequestError(f"{url} answered with invalid JSON") from exc

    def _backoff_s(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), 60.0)
            except ValueError:
                pass
        return self.initial_backoff_s * (2**attempt) * (0.75 + random.random() / 4)
