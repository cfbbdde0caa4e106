"""The GitHub Action's Python half: the step entry point (`python -m promptops.action.steps`)
and the reader of the report a step publishes (Markdown as is, or a JSON report rendered).

Why a package of its own, above `promptops.report`: these steps render reports (Markdown,
paths as GitHub shows them), while `promptops.github` is a low platform layer (REST client,
event payload, refs, workflow commands, sticky comment) that compute packages such as
governance import and that report renderers use to escape annotations. Kept in
`promptops.github`, they would make the platform layer reach up into the renderers and close an
import cycle.
"""
