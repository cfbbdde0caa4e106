"""What a lint rule sees: the workspace, config, prices, token counter, per-prompt analyses
(rendered layout, cache breakpoints, token counts) computed once and shared by every rule that
asks for them, and the change against a base ref when the caller has one (`check`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from promptops.config import Config
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import UserError
from promptops.findings import Finding
from promptops.parsing.yaml_source import Span
from promptops.render import (
    Block,
    RenderedPrompt,
    TemplateRef,
    layout,
    template_refs,
)

if TYPE_CHECKING:  # only `check` builds a change (the base ref's rules)
    from promptops.lint.change import BaseChange


def make_finding(
    code: str, severity: str, doc: Document | str, span: Span, message: str, **extra: Any
) -> Finding:
    path = doc if isinstance(doc, str) else doc.path
    return Finding(
        code, severity, message, path, span.line, span.column, span.end_line, span.end_column, extra
    )


@dataclass
class PromptAnalysis:
    """One prompt rendered at its expected variable sizes, in cache-prefix order."""

    doc: Document
    charter: Document | None
    rendered: RenderedPrompt
    refs: list[TemplateRef]

    @property
    def blocks(self) -> list[Block]:
        return self.rendered.blocks

    @cached_property
    def breakpoints(self) -> list[int]:
        """Indexes of the blocks a cache breakpoint follows, in prefix order."""
        return [i for i, b in enumerate(self.blocks) if b.breakpoint]

    @property
    def last_breakpoint(self) -> int:
        return self.breakpoints[-1] if self.breakpoints else -1

    @property
    def declared(self) -> dict[str, Any]:
        return self.doc.data.get("variables") or {}

    def breakpoint_span(self, index: int) -> Span:
        """Where the breakpoint after block `index` is written: `cache:` or `tool_cache:`."""
        block = self.blocks[index]
        if block.part == "tools":
            return self.doc.key_span("tool_cache")
        return self.doc.key_span(*block.source_path[:-1], "cache")

    def ref_span(self, ref: TemplateRef) -> Span:
        """The `{{ ... }}` of one template occurrence, inside its scalar."""
        from promptops.template import TEMPLATE

        return self.doc.source.locate(ref.source_path, TEMPLATE, ref.occurrence)


@dataclass
class LintContext:
    workspace: Workspace
    enabled: frozenset[str] = frozenset()
    change: BaseChange | None = None  # supplied with `base` (see `lint.run`); None for lint
    _analyses: dict[str, PromptAnalysis | None] = field(default_factory=dict)
    _counts: dict[str, Any] = field(default_factory=dict)
    _stores: dict[str, Any] = field(default_factory=dict)
    _targeted: dict[str, list[Document]] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        return self.workspace.config

    @property
    def limits(self) -> dict[str, float]:
        return self.config.limits

    @cached_property
    def prices(self) -> Any:
        """The price table: the one the workspace's model ids were checked against, when it
        is one (it is built once per run: a snapshot read and every model's row)."""
        from promptops.pricing.table import PriceTable

        if isinstance(self.workspace.models, PriceTable):
            return self.workspace.models
        return PriceTable.from_config(self.config)

    @cached_property
    def counter(self) -> Any:
        from promptops.tokens.counting import TokenCounter

        return TokenCounter(self.config)

    def store(self, namespace: str) -> Any:
        """An on-disk memo keyed by content hash (`cache.content_store`), saved on close."""
        if namespace not in self._stores:
            from promptops.cache.content_store import ContentStore, cache_folder

            self._stores[namespace] = ContentStore(
                cache_folder(self.config), f"lint-{namespace}", str(self.config.root)
            )
        return self._stores[namespace]

    def close(self) -> None:
        if "counter" in self.__dict__:
            self.counter.close()
        for store in self._stores.values():
            store.save()

    def prefetch_tokens(self) -> None:
        """Start counting every text the token rules will ask for (each targeted prompt's
        blocks at expected sizes, long tool descriptions), in a second process when it pays
        off, while the other rules run (see `TokenCounter.prefetch`). Nothing targeted (a
        `check` whose change has no documents): no tokenizer is loaded at all."""
        if not self.targeted("prompt") and not self.targeted("tool"):
            return
        if self.counter.tokenizer == "anthropic":
            return  # exact counts come from the lock file
        texts: list[str] = []
        for doc in self.targeted("prompt"):
            analysis = self.analysis(doc)
            if analysis is not None and self.model_prices(doc) is not None:
                texts.extend(block.text for block in analysis.blocks)
        limit = int(self.limits["max_tool_description_tokens"])
        for tool in self.targeted("tool"):
            description = str(tool.data.get("description") or "")
            if len(description) > limit:
                texts.append(description)
        self.counter.prefetch(texts)

    def is_enabled(self, code: str) -> bool:
        return code in self.enabled

    def targeted(self, kind: str) -> list[Document]:
        """The targeted valid documents of `kind` (asked by most rules: listed once per run)."""
        if kind not in self._targeted:
            self._targeted[kind] = self.workspace.targeted(kind)
        return self._targeted[kind]

    def model_prices(self, doc: Document) -> Any:
        """The prompt's model prices, or None when the model is unknown (PO003 says so)."""
        model = str(doc.data.get("model", ""))
        return self.prices.get(model) if self.prices.knows(model) else None

    def analysis(self, doc: Document) -> PromptAnalysis | None:
        """The prompt's layout at expected sizes; None when it cannot render (PO003 reports)."""
        if doc.path not in self._analyses:
            try:
                rendered = layout(doc.data, self.workspace.tools_for(doc))
            except (UserError, KeyError, TypeError, ValueError):
                self._analyses[doc.path] = None
            else:
                self._analyses[doc.path] = PromptAnalysis(
                    doc, self.workspace.charter_for(doc), rendered, template_refs(doc.data)
                )
        return self._analyses[doc.path]

    def input_tokens(self, doc: Document) -> Any:
        """`cost.InputTokens` of the prompt at expected sizes, or None (unknown model)."""
        if doc.path not in self._counts:
            analysis = self.analysis(doc)
            prices = self.model_prices(doc)
            result = None
            if analysis is not None and prices is not None:
                from promptops.pricing.cost import count_layout

                result = count_layout(doc.data, analysis.blocks, self.counter, prices)
            self._counts[doc.path] = result
        return self._counts[doc.path]
