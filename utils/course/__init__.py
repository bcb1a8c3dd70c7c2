"""Course tooling: what instructors and maintainers run (not lesson helpers)."""
