"""Hostile data: a generated corpus of mutated entries beside good ones, read by every reader."""
