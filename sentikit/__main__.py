"""`python -m sentikit` runs the command-line interface."""

from sentikit.cli import main

if __name__ == "__main__":
    main()
