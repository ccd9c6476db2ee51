"""Claude: the Messages API wrapper, prices and the usage record of every call."""
