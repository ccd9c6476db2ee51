"""Claude: the Messages API wrapper, prices, and the usage and spend of every call."""
