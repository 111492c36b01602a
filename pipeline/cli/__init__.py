"""The commands (`fasd …`): options parsed, French printed, the engine and the catalogue called.

May import: every other package of pipeline/.
"""
