"""The Model Bill of Materials: every model, prompt, tool and workload the repository runs, with
its cost, owner and review state (collect, model). Its views (markdown, html, CycloneDX, JSON)
are renderers in `promptops.report` (`mbom_*`), with every other report's."""
