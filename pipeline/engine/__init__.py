"""The engine: the one sequence of a run (read → normalise → check → resolve → decide → write).

May import: model/, lheo/, readers/, reference/, validators/, writers/, catalogue/.
"""
