"""The conformance runner: drives every registered implementation through the vectors (PROTOCOL.md)."""
