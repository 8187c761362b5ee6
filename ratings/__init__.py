"""probation-ratings: HM Inspectorate of Probation ratings as a reproducible league table.

The pipeline, one module per stage: load -> validate -> table (rank) -> site / export.
"""

__version__ = "0.1.0"
