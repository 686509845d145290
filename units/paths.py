"""Materialised paths: a unit's `path` is its parent's path plus one step of STEPLEN characters.

The tree is queried through these strings (a subtree is `path LIKE 'prefix%'`, a unit's ancestors are
its path's prefixes), so the arithmetic lives here once. The values are treebeard's defaults, set
explicitly on Unit so that the two cannot drift apart.
"""

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE = len(ALPHABET)


def ancestor_paths(path, *, include_self=True):
    """The paths of a unit's ancestors, root first (and its own last when `include_self`)."""
    stop = len(path) + (1 if include_self else 1 - STEPLEN)
    return [path[:end] for end in range(STEPLEN, stop, STEPLEN)]


def parent_path(path):
    """The parent's path ("" for a root)."""
    return path[:-STEPLEN]


def step_number(path):
    """The position of a unit among its siblings, decoded from its last step (1 for the first child)."""
    number = 0
    for char in path[-STEPLEN:]:
        number = number * _BASE + ALPHABET.index(char)
    return number


def child_path(parent, number):
    """The path of the `number`-th child under the path `parent` ("" for a root)."""
    digits = ""
    while number:
        number, digit = divmod(number, _BASE)
        digits = ALPHABET[digit] + digits
    if len(digits) > STEPLEN:
        raise ValueError(f"more than {_BASE**STEPLEN - 1} units under one parent")
    return parent + digits.rjust(STEPLEN, ALPHABET[0])


def nearest(path, paths):
    """The longest prefix of `path` (itself included) that is in the set `paths`, or None."""
    return next((path[:end] for end in range(len(path), 0, -STEPLEN) if path[:end] in paths), None)
