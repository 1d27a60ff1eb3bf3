"""Why the run took as long as it did, read from the trace: where each layer's time went (stall
attribution) and which chain of tasks set the end time (the critical path, with slack)."""
