"""`promptops diff`: the token and cost impact of a change between two git refs."""
