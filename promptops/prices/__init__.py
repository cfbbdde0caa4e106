"""The dated price table: each model's list prices (maintained by genai-prices, completed by
promptops' sourced `facts.json`), the config's overrides and the snapshot a run pins.

Data, like the configuration: the documents layer checks model ids against it (PO003), so it
sits below documents; the cost model that multiplies prices by token counts is
`promptops.pricing`, above tokens.
"""
