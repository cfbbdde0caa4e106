"""The one cache store of promptops (`store`), its folder (`folder`) and its salt (`salt`).

Every cache that promptops keeps — parsed documents and lint results (`content_store`), token
counts, the document index and priced figures of `diff`, the parsed tokenizer ranks, the price
snapshot, eval responses — is written and read through `store`: content-addressed, atomic,
checksummed, salted with a hash of promptops's own source (a code change is a miss, never a
stale result), and a folder that cannot be written costs one warning, never the run.
"""
