"""How values become text, for every layer that writes any: money and numbers, terminal-safe
strings (`formatting`), the JSON view with decimal money (`json_view`), Markdown escaping of
repository text (`markdown_text`) and fitting a comment into GitHub's limit (`markdown_fit`).

Standard library only: pricing, the compute packages and the renderers in `promptops.report`
all import it, so it sits at the bottom.
"""
