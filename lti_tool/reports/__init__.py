"""Reports on a workshop's progress (情况通报, seed 002: tutors and county admins report at least
twice a week), from the same facts the grade engine reads (`grades/facts.py`)."""
