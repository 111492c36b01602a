"""The model: fields, enumerations, finding codes, tables and records — what every stage shares.

May import: nothing of pipeline/ outside model/.
"""
