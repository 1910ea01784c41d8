"""``python -m vntp.cli``."""

from vntp.cli import main

main()
