"""units.selectors.split_figures walks the figures in path order; the rule it keeps, written the
plain way (a figure counts below its child when no unit between them has one), is the reference."""

from hypothesis import given
from hypothesis import strategies as st

from tests.property_count import counted
from units.paths import STEPLEN
from units.selectors import split_figures


def reference(figures, child_length):
    own, below = {}, {}
    for path, members in figures.items():
        if len(path) < child_length:
            continue
        child = path[:child_length]
        if path == child:
            own[child] = members
        elif not any(path[:end] in figures for end in range(child_length + STEPLEN, len(path), STEPLEN)):
            below[child] = below.get(child, 0) + members
    return own, below


steps = st.sampled_from(["0001", "0002", "0003"])
tree_paths = st.lists(st.integers(1, 4).flatmap(lambda depth: st.lists(steps, min_size=depth, max_size=depth)))


@given(
    paths=tree_paths,
    members=st.lists(st.integers(0, 500), min_size=60, max_size=60),
)
@counted
def test_the_walk_in_path_order_keeps_the_rule(paths, members):
    figures = {"".join(steps_): members[index % 60] for index, steps_ in enumerate(paths)}
    assert split_figures(figures, STEPLEN) == reference(figures, STEPLEN)
