"""`fasd serve`: the web page for data-entry teams (issue 16).

People who fill the spreadsheets drop them on a page and read the report there; the page
calls the same core as the command line (`pipeline.engine.run.run` and the writers of
`pipeline.writers.output`), in a background process so the server stays responsive.

May import: every stage but cli/ (the engine runs the uploads, the catalogue applies them).
"""
