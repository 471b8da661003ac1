"""`python -m grading …` runs the `grade` commands."""

from grading.cli import grade

if __name__ == "__main__":
    grade(prog_name="grade")
