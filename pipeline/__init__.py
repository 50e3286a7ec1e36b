"""cnbudget: Chinese local-government fiscal reports to traceable Parquet tables."""

__version__ = "0.1.0"
