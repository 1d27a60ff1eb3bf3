"""`python -m accelsim` runs the command line (tests use it without an install)."""

from accelsim.cli import main

raise SystemExit(main())
