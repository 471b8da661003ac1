"""Grades in the product: the workshop's stored records fed to the pure engine in `grading/`,
the results kept with their explanations, shown to hosts, tutors and participants, exported for
credit registration and written back to the LMS gradebook (AGS).

Importing `routes` registers the pages on the workshop blueprint.
"""
