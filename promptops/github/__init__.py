"""GitHub integration: the event payload, a small REST client, the sticky PR comment and the
workflow commands (annotations, outputs, job summary) the Action relies on.

Everything here speaks GitHub's real wire formats and reads its base URLs from the environment
(`GITHUB_API_URL`, `GITHUB_GRAPHQL_URL`), so GitHub Enterprise Server and the loopback test
server work unchanged.

A low platform layer: compute packages (governance) and report renderers import it, so it
imports nothing above git, net, errors and text. The Action's steps, which render reports, live
in `promptops.action`.
"""
