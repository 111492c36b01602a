"""Validators: field rules (pandera schemas), cross-record rules, certification
resolution, and the rejection cascade.

May import: model/, lheo/, readers/, reference/.
"""
