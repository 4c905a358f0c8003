"""`python -m model` runs the `hpa` command line."""

from model.cli import main

raise SystemExit(main())
