"""Errors a user can cause. The CLI turns each into one stderr line and exit code 2."""

from __future__ import annotations


class AccelsimError(Exception):
    """Base class: bad input from the user, never a bug in accelsim."""


class ConfigError(AccelsimError):
    """A hardware or sweep file is missing, malformed or fails the schema."""


class WorkloadError(AccelsimError):
    """A model file is missing, is not ONNX, or has shapes we cannot resolve."""


class UnsupportedOpError(WorkloadError):
    """The model uses an ONNX op_type with no cost rule."""


class PlanError(AccelsimError):
    """The memory planner cannot fit a layer even at the smallest tile."""


class DataError(AccelsimError):
    """A training data set is missing or corrupt, or a training option is out of range."""
