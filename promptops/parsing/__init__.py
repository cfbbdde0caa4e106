"""Reading what users write, below every other layer: YAML with positions and limits
(`yaml_source`) and the fast "certainly valid?" JSON-Schema checks (`schema_check`).

Both the configuration (`promptops.config`) and the documents (`promptops.documents`) are read
with them, so they sit beneath both.
"""
