"""`python -m ratings`."""

from ratings.cli import main

main()
