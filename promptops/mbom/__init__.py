"""The Model Bill of Materials: every model, prompt, tool and workload the repository runs, with
its cost, owner and review state (collect), and its views (markdown, html, CycloneDX, JSON)."""
