"""Fast pickling of frozen dataclasses with slots.

For a frozen dataclass with `slots=True`, Python 3.11 pickles the field values and
restores them through `dataclasses._dataclass_setstate`, which calls `fields()` for
every object. The cached rule set holds tens of thousands of such objects (the
syntax tree and the plan), and that loop was most of the time to load it. Reduced
to `cls(*values)`, an object is rebuilt by its own `__init__` instead: the same
object, several times faster to load.
"""

from __future__ import annotations


def _reduce(self):
    return type(self), tuple([getattr(self, name) for name in self.__slots__])


def fast_pickle(cls):
    """Class decorator (outside `@dataclass(frozen=True, slots=True)`): pickle as `cls(*fields)`.

    Only for classes whose fields are all `__init__` arguments, in the order of `__slots__`,
    with no `__post_init__`."""
    if "__post_init__" in cls.__dict__ or not all(
            f.init for f in cls.__dataclass_fields__.values()) or tuple(cls.__dataclass_fields__) != cls.__slots__:
        raise TypeError(f"{cls.__name__}: fast_pickle needs every field to be an __init__ argument")
    cls.__reduce__ = _reduce
    return cls
