"""Exports of a rule set to formats other tools read: XLSForm for field data collection."""

from carepath.export.xlsform import missing_labels, relevance, write_xlsform, xlsform_rows

__all__ = ["missing_labels", "relevance", "write_xlsform", "xlsform_rows"]
