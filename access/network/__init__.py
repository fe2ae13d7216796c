"""Routable networks: streets per mode (and, later, transit), built once and cached."""

from access.network.multimodal import Network, build_network
from access.network.street import StreetNetwork

__all__ = ["Network", "StreetNetwork", "build_network"]
