"""Writers: the output folder of `fasd import` / `fasd check`, each file written atomically.

May import: model/, lheo/, readers/, reference/, validators/.
"""
