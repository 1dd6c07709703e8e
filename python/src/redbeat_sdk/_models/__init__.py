"""Pydantic models generated from schema/ by `make generate` (datamodel-code-generator). Do not edit."""
