"""Providers: one module per provider, one shape (`complete(request) -> ProviderResult`).

`PROVIDERS` maps the name used in config and reports to the module that implements it.
"""

from __future__ import annotations

PROVIDERS: dict[str, str] = {
    "anthropic": "promptops.evals.providers.anthropic:AnthropicProvider",
    "openai-compatible": "promptops.evals.providers.openai_compatible:OpenAICompatibleProvider",
}
