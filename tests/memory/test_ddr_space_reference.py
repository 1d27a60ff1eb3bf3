"""DDR homes (`memory.ddr.DdrSpace`) against a byte map written here: each new home takes the
lowest 64-byte-aligned address where its rounded-up size is free (every byte at or above the
highest address handed out is free), an activation's home frees once the layer of its last
reader is planned, and `end` is the highest address ever handed out."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from accelsim.memory.ddr import ALIGN, DdrSpace


def _lowest_fit(taken: dict[str, tuple[int, int]], size: int) -> int:
    """The lowest address where [address, address + size) overlaps no taken range."""
    for address in sorted({0, *(a + s for a, s in taken.values())}):
        if all(address + size <= a or a + s <= address for a, s in taken.values()):
            return address
    raise AssertionError("above every range is always free")


def test_random_homes_match_the_byte_map():
    rng = random.Random(17)
    for _ in range(200):
        layers = 6
        names = [f"b{i}" for i in range(8)]
        readers = {name: rng.randint(0, layers - 1) for name in names if rng.random() < 0.8}
        program = SimpleNamespace(layers=[
            SimpleNamespace(index=i, reads=tuple(n for n, last in readers.items() if last == i))
            for i in range(layers)
        ])  # fmt: skip
        space = DdrSpace(1 << 30, program, lambda a, b: a | b)  # type: ignore[arg-type]
        taken: dict[str, tuple[int, int]] = {}
        kinds: dict[str, str] = {}
        end = 0
        pending = list(names)
        rng.shuffle(pending)
        for layer in range(layers):
            for name in pending[: rng.randint(0, 3)]:
                kind = rng.choice(("activation", "activation", "weight"))
                size = rng.choice((0, 1, 63, 64, 65, 100, 128, 200, 640))
                rounded = -(-max(size, 1) // ALIGN) * ALIGN  # an empty buffer: one block
                address = _lowest_fit(taken, rounded)
                got = space.home(name, size, kind)
                assert (got.address, got.size, got.kind) == (address, size, kind), (name, taken)
                taken[name], kinds[name] = (address, rounded), kind
                end = max(end, address + rounded)
                assert space.end == end
                # asked again while live: the same home
                assert space.home(name, size, kind).address == address
            pending = [n for n in pending if n not in taken]
            space.end_layer(layer)
            for name in [n for n in taken if kinds[n] == "activation"]:
                if readers.get(name, -1) <= layer:  # its last reader is planned (or it has none)
                    del taken[name]


def test_a_home_is_freed_after_its_last_readers_layer_not_before():
    # layers 0..2; a read by layers 0 and 2: live until layer 2 is planned
    program = SimpleNamespace(layers=[SimpleNamespace(index=i, reads=("a",) if i != 1 else ())
                                      for i in range(3)])  # fmt: skip
    space = DdrSpace(1 << 20, program, lambda a, b: a | b)  # type: ignore[arg-type]
    assert space.home("a", 64, "activation").address == 0
    space.end_layer(0)
    space.end_layer(1)
    assert space.home("b", 64, "activation").address == 64  # a still live
    space.end_layer(2)
    # a's bytes are free now, and b's (read by no layer: freed at the first end_layer after)
    assert space.home("c", 64, "activation").address == 0
    assert space.home("w", 64, "weight").address == 64
    space.end_layer(5)  # c is freed, the weight w never
    assert space.home("d", 128, "activation").address == 128
    assert space.home("e", 0, "activation").address == 0  # 0 B still take a 64 B block
    assert space.home("f", 64, "activation").address == 256


def test_the_first_transfer_into_reused_bytes_waits_for_the_previous_owners_transfers():
    program = SimpleNamespace(layers=[SimpleNamespace(index=0, reads=("a",)),
                                      SimpleNamespace(index=1, reads=("b",))])  # fmt: skip
    space = DdrSpace(1 << 20, program, lambda a, b: a | b)  # type: ignore[arg-type]
    space.home("a", 64, "activation")
    assert space.touch("a", 3) == frozenset() and space.touch("a", 4) == frozenset()
    assert space.waits("a") == frozenset()
    space.end_layer(0)  # a's home [0, 64) is free after transfers 3 and 4
    space.home("b", 10, "activation")  # takes it
    assert space.waits("b") == {3, 4}
    assert space.touch("b", 9) == {3, 4}
    assert space.waits("b") == {9} and space.touch("b", 11) == {9}
    space.touched("b", [12, 13, 14])  # a run of transfers: the next waits for its last
    assert space.waits("b") == {14}


def test_both_parts_of_a_split_hole_wait_for_its_previous_owners_transfers():
    # a's 128 B home [0, 128) is freed after transfers 3 and 4. b (64 B) takes its first half;
    # the 64 B left, [64, 128), still holds bytes a's transfers moved, so c, taking them next,
    # waits for 3 and 4 as well, not for nothing.
    program = SimpleNamespace(layers=[SimpleNamespace(index=0, reads=("a",)),
                                      SimpleNamespace(index=1, reads=("b", "c"))])  # fmt: skip
    space = DdrSpace(1 << 20, program, lambda a, b: a | b)  # type: ignore[arg-type]
    space.home("a", 128, "activation")
    space.touch("a", 3)
    space.touch("a", 4)
    space.end_layer(0)
    assert space.home("b", 64, "activation").address == 0 and space.waits("b") == {3, 4}
    assert space.home("c", 64, "activation").address == 64 and space.waits("c") == {3, 4}


@pytest.mark.parametrize("first_freed", ["a", "b"])
def test_a_hole_merged_with_its_neighbour_waits_for_both_owners_transfers(first_freed):
    # a [0, 64) moved by transfer 3, b [64, 128) by 5; whichever is freed first, the two holes
    # merge into [0, 128), and d, 128 B, taking it waits for 3 and 5
    order = [first_freed, "b" if first_freed == "a" else "a"]
    program = SimpleNamespace(layers=[SimpleNamespace(index=i, reads=(name,))
                                      for i, name in enumerate(order)])  # fmt: skip
    space = DdrSpace(1 << 20, program, lambda a, b: a | b)  # type: ignore[arg-type]
    assert space.home("a", 64, "activation").address == 0
    assert space.home("b", 64, "activation").address == 64
    space.home("w", 64, "weight")  # [128, 192): the holes below it are not at the end
    space.touch("a", 3)
    space.touch("b", 5)
    space.end_layer(0)
    space.end_layer(1)
    assert space.home("d", 128, "activation").address == 0 and space.waits("d") == {3, 5}
