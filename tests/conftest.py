"""Shared test settings: hypothesis profiles (no deadlines: timing is measured in benchmarks/, never
asserted in tests; derandomized under CI so a run is reproducible)."""
import os

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
