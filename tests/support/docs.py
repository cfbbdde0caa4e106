"""Small, valid documents for tests, as YAML text."""

from __future__ import annotations

CHARTER = """
kind: charter
id: support
owner: jane@example.com
scenarios:
  expected: {calls_per_month: 1000000, cache_hit_rate: 0.8, output_tokens: 300}
budgets:
  monthly_usd: {expected: 5000, stretch: 12000}
"""

TOOL = """
kind: tool
id: lookup_order
version: 1.0.0
description: Look up an order by its id and return status and items.
input_schema:
  type: object
  properties:
    order_id: {type: string, description: The order id.}
  required: [order_id]
"""

PROMPT = """
kind: prompt
id: support/triage
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
agent: {max_steps: 4}
tools: [lookup_order]
system:
  - text: |
      You are a support agent for Acme. Follow the policy below.
      POLICY_TEXT
    cache: true
messages:
  - role: user
    content: "Ticket: {{ ticket }}"
variables:
  ticket: {expected_tokens: 500}
"""

# A static policy long enough (5,000 cl100k tokens) to clear Haiku's 4,096-token cache minimum.
POLICY_TEXT = "x" + " x" * 4999
PROMPT = PROMPT.replace("POLICY_TEXT", POLICY_TEXT)
