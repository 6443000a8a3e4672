"""Readers of regulators' register exports: one adapter per regulator format, plus the
documented generic format (GENERIC_FORMAT.md). ``registry.FORMATS`` lists them all."""
