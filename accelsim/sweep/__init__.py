"""Hardware what-if sweeps: grids of `--set` values, executors (local pool, Dask), a SQLite
store with resume, Pareto fronts and exports. Modules are imported on demand (nothing here)."""
