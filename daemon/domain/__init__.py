"""The pure core: facts in, decisions out. No IO, no clock, no third-party IO libraries.

``tests/unit/test_domain_is_pure.py`` walks the imports of this package and fails if any
module reaches for mail/, store/, services/ or an IO library.
"""
