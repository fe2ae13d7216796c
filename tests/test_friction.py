"""Friction a new user meets (issue 17 item 7): short reprs, words not column names, one
line per fact, plurals, nothing printed that does not apply to the network at hand."""

from __future__ import annotations


def test_street_network_repr_is_one_short_line_with_its_size_and_extent(poa_network):
    street = poa_network.street("walk")
    text = repr(street)
    assert "\n" not in text and len(text) < 160 and "array" not in text
    assert f"{street.n_nodes:,} nodes" in text and f"{street.n_edges:,} edges" in text
    west, south, east, north = street.bounds()
    # Porto Alegre's extract (README of ../shared/data: lon -51.3 .. -51.1, lat -30.1 .. -30.0)
    assert -51.35 < west < east < -51.05 and -30.25 < south < north < -29.9
    assert f"lon {west:.4f}..{east:.4f}" in text
    assert repr(poa_network).count("StreetNetwork") == 0 and len(repr(poa_network)) < 300
