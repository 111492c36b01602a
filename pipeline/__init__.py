"""FASD batch pipeline: training offers in bulk, from spreadsheets and LHÉO to SOFI."""

__version__ = "0.1.0"
