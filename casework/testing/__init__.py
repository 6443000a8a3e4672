"""Test support shared by every app's tests: personas and factories."""
