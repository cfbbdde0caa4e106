"""Cost history across git: every commit that changed a prompt or charter, priced."""
