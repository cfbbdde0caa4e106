"""Charter governance: which changes relax a charter, who must approve them, CODEOWNERS."""
