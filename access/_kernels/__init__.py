"""Flat-array kernels (numba): shortest paths and RAPTOR, below both networks and routing.

Kernels take and return ``np.ndarray``s and import nothing else of the project, so
:mod:`access.network` (transfers, stop links) and :mod:`access.routing` can share them.
"""
