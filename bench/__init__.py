"""Load generator and scenarios; results in docs/performance.md."""
