"""``python -m nengo_fashion.predict``: the command is `nengo_fashion.commands.predict`.

A module, not a package, so that importing it never happens by accident and the name
``nengo_fashion.predict`` stays the function `nengo_fashion.predict` (the API lives in
`nengo_fashion.classify`).
"""

if __name__ == "__main__":
    import sys

    from nengo_fashion.commands.predict import main

    sys.exit(main())
