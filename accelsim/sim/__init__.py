"""The SimPy engine: plan tasks run on bus, matrix and vector resources; a Trace comes out."""
