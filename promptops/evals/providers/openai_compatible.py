"""The `openai-compatible` provider: local models behind Ollama, llama.cpp server, vLLM.

It converts promptops' Anthropic-shaped request into a Chat Completions body, posts it through
the one HTTP helper (`promptops.net.http`: a total deadline per call, retries with backoff on
429/5xx inside it, the configured origin only), validates the answer at the boundary (content
as a string or as content parts, tool calls, usage as non-negative integers; anything else is
one clear per-case error) and maps `usage` back (`prompt_tokens` includes cached tokens, unlike
Anthropic's `input_tokens`). A local model is priced only when the config prices it (`prices:`
under its model id, through the one price table and `pricing.cost.cost_of`); otherwise its cost
is None, "not priced", never $0. It never sees the Anthropic key: only the key configured for
the local server, if any, is sent.
"""

from __future__ import annotations

import json
import math
import random
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.errors import ProviderUnreachable, UserError
from promptops.evals.providers.base import (
    MalformedAnswer,
    ProviderRequestError,
    ProviderResult,
    Usage,
    token_count,
)
from promptops.net.http import HttpClient, HttpError, HttpResponse

if TYPE_CHECKING:
    from promptops.pricing.table import ModelPrices

NAME = "openai-compatible"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 3
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
PASSTHROUGH_PARAMS = ("temperature", "top_p", "seed")
MAX_RETRY_AFTER_S = 60.0
TEXT_PART_TYPES = ("text", "output_text")


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


def usage_from_chat_completion(usage: Any) -> Usage:
    """`usage` of a chat completion as promptops' Usage; ValueError unless every count is a
    non-negative integer and the cached tokens are part of the prompt tokens."""
    if not isinstance(usage, dict):
        raise ValueError(f"usage must be an object, got {usage!r:.60}")
    prompt = token_count(usage.get("prompt_tokens"), "prompt_tokens")
    completion = token_count(usage.get("completion_tokens"), "completion_tokens")
    details = usage.get("prompt_tokens_details")
    cached = 0
    if details is not None:
        if not isinstance(details, dict):
            raise ValueError(f"usage.prompt_tokens_details must be an object, got {details!r:.60}")
        if details.get("cached_tokens") is not None:
            cached = token_count(details["cached_tokens"], "prompt_tokens_details.cached_tokens")
    if cached > prompt:
        raise ValueError(f"usage: {cached} cached tokens but only {prompt} prompt tokens")
    return Usage(
        input_tokens=prompt - cached, output_tokens=completion, cache_read_input_tokens=cached
    )


def _content_text(content: Any) -> str:
    """`message.content`: a string, null, or content parts (`[{type: text, text}]`)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ValueError(
            f"message.content must be a string or a list of parts, got {content!r:.60}"
        )
    texts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            raise ValueError(f"a content part must be an object, got {part!r:.60}")
        kind = part.get("type")
        if kind in TEXT_PART_TYPES or (kind is None and "text" in part):
            text = part.get("text")
            if not isinstance(text, str):
                raise ValueError(f"a text part needs a string `text`, got {text!r:.60}")
            texts.append(text)
        elif kind == "refusal" and isinstance(part.get("refusal"), str):
            texts.append(part["refusal"])
        # other parts (images, audio, reasoning) carry no answer text
    return "".join(texts)


def _tool_calls(calls: Any) -> tuple[dict[str, Any], ...]:
    if calls is None:
        return ()
    if not isinstance(calls, list):
        raise ValueError(f"message.tool_calls must be a list, got {calls!r:.60}")
    parsed = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise ValueError(f"a tool call needs function.name, got {call!r:.80}")
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str | dict):
            raise ValueError(f"tool call arguments must be a JSON string, got {arguments!r:.60}")
        call_id = call.get("id")
        parsed.append(
            {
                "id": call_id if isinstance(call_id, str) else None,
                "name": function["name"],
                "input": arguments,
            }
        )
    return tuple(parsed)


def parse_chat_completion(
    payload: Any,
) -> tuple[str, tuple[dict[str, Any], ...], Usage, str | None, str | None]:
    """(text, tool calls, usage, model, finish reason) of a chat completion body, or
    ValueError saying what is wrong with it."""
    if not isinstance(payload, dict):
        raise ValueError(f"the answer must be a JSON object, got {type(payload).__name__}")
    choices = payload.get("choices")
    if choices is None and payload.get("error") is not None:
        error = payload["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise ValueError(f"the server sent an error with a 2xx status: {message!s:.300}")
    if not isinstance(choices, list) or not choices:
        raise ValueError(f"`choices` must be a non-empty list, got {choices!r:.60}")
    choice = choices[0]
    if not isinstance(choice, dict):
        raise ValueError(f"choices[0] must be an object, got {choice!r:.60}")
    message = choice.get("message")
    if message is None and isinstance(choice.get("text"), str):  # completions-style servers
        message = {"content": choice["text"]}
    if not isinstance(message, dict):
        raise ValueError(f"choices[0].message must be an object, got {message!r:.60}")
    text = _content_text(message.get("content"))
    if not text and isinstance(message.get("refusal"), str):
        text = message["refusal"]
    tool_calls = _tool_calls(message.get("tool_calls"))
    if payload.get("usage") is None:
        raise ValueError("the answer has no `usage`: its tokens and cost cannot be known")
    usage = usage_from_chat_completion(payload["usage"])
    finish = choice.get("finish_reason")
    if finish is not None and not isinstance(finish, str):
        raise ValueError(f"finish_reason must be a string, got {finish!r:.60}")
    model = payload.get("model")
    return text, tool_calls, usage, model if isinstance(model, str) and model else None, finish


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
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = HttpClient(
            self.base_url, headers=headers, timeout_s=timeout_s, what="the local server's base URL"
        )

    def identity(self) -> dict[str, Any]:
        return {
            "provider": NAME,
            "base_url": self.base_url,
            "model": self.model,
        }  # a change to the request conversion is a new cache salt (`cache.salt`)

    def price(self, usage: Usage, batch: bool = False, model: str = "") -> Decimal | None:
        """Cost at the configured prices of the local model; None when it has none."""
        if self._prices is None:
            return None
        from promptops.pricing.cost import cost_of

        return cost_of(usage.billed(), self._prices).total

    def complete(self, request: dict[str, Any]) -> ProviderResult:
        body = json.dumps(to_chat_completions(request, self.model)).encode()
        started = time.perf_counter()
        url = self.base_url + "/chat/completions"
        response = self._post(url, body)
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            payload = response.json()
        except UnicodeDecodeError as exc:
            raise MalformedAnswer(
                f"{url} answered HTTP {response.status} with a body that is "
                f"not UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None
        except ValueError:
            raise MalformedAnswer(
                f"{url} answered HTTP {response.status} with a body that is not JSON: "
                f"{response.snippet(200)}"
            ) from None
        try:
            text, tool_calls, usage, model, finish = parse_chat_completion(payload)
        except ValueError as exc:
            raise MalformedAnswer(f"malformed chat completion from {url}: {exc}") from None
        return ProviderResult(
            text=text,
            usage=usage,
            cost_usd=self.price(usage),
            latency_ms=latency_ms,
            model=model or self.model,
            stop_reason=finish,
            tool_calls=tool_calls,
        ).redacted()

    def _post(self, url: str, body: bytes) -> HttpResponse:
        """POST with retries on 429/5xx, all within one total deadline of `timeout_s`."""
        deadline = time.monotonic() + self.timeout_s
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    "POST", url, content=body, timeout_s=deadline - time.monotonic()
                )
            except HttpError as exc:
                raise ProviderUnreachable(f"{exc.url} could not be reached: {exc.reason}") from None
            status = response.status
            if 200 <= status < 300:
                return response
            detail = response.snippet()
            if status in (401, 403):
                raise UserError(
                    f"the local server at {url} rejected the credentials (HTTP {status}): {detail}"
                    " — check eval.api_key for that server"
                )
            if status in RETRY_STATUSES:
                delay = self._backoff_s(attempt, response.headers.get("Retry-After"))
                if attempt < self.max_retries and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    attempt += 1
                    continue
                raise ProviderUnreachable(
                    f"{url} kept failing after {attempt} retries (HTTP {status}): {detail}"
                )
            if 300 <= status < 400:
                raise ProviderUnreachable(
                    f"{url} answered with a redirect (HTTP {status}) that was not followed: "
                    "set the base URL to where the server really is"
                )
            raise ProviderRequestError(f"HTTP {status} from {url}: {detail}")

    def _backoff_s(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = math.nan
            if math.isfinite(seconds) and seconds >= 0:
                return min(seconds, MAX_RETRY_AFTER_S)
        return self.initial_backoff_s * (2**attempt) * (0.75 + random.random() / 4)
