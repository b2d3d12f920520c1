"""`python app.py` does what `policyqa serve` does: chat UI, REST API and widget on one server."""

import sys

from policyqa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
