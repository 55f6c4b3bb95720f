"""plain(): what a filter's models receive instead of Ansible's lazy containers."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain, plain_arguments


class Lazy(Mapping):
    """A mapping that is not a dict, like Ansible's lazy template dict."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


class Tagged(str):
    pass


class TaggedInt(int):
    pass


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Lazy({"a": Lazy({"b": (1, 2)})}), {"a": {"b": [1, 2]}}),
        ([Lazy({"name": Tagged("studio")})], [{"name": "studio"}]),
        ((True, False, None, 1.5), [True, False, None, 1.5]),
        (TaggedInt(7), 7),
        ({Tagged("k"): [Tagged("v")]}, {"k": ["v"]}),
    ],
    ids=["nested-mapping", "tagged-string", "scalars", "int-subclass", "tagged-key"],
)
def test_plain(given, expected):
    out = plain(given)
    assert out == expected
    assert_plain(out)


def assert_plain(value):
    """VALUE holds only dicts, lists, str, numbers, booleans and None, none of them subclasses."""
    stack = [value]
    while stack:
        item = stack.pop()
        assert type(item) in (dict, list, str, int, float, bool, type(None)), type(item)
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def test_plain_arguments_converts_positional_and_keyword_arguments():
    seen = []

    @plain_arguments
    def model(sites, **settings):
        seen.append((sites, settings))
        return len(sites)

    assert model((Lazy({"name": "a"}),), users=Lazy({"x": (1,)})) == 1
    assert seen == [([{"name": "a"}], {"users": {"x": [1]}})]
    assert_plain(list(seen[0]))
    assert model.__name__ == "model"
