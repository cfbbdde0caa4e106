"""Allow `python -m promptops`."""

from promptops.cli import main

if __name__ == "__main__":
    main()
