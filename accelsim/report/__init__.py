"""Views of a RunResult for people and machines: rich tables, the timeline, JSON, traces, plots."""
