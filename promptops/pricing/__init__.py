"""The cost model: what a call costs from its token counts and the price table (input,
cache reads and writes, output, thinking, batch), and the economics of prompt caching."""
