"""Travel-time surfaces and what is drawn from them: isochrones, GeoTIFF rasters, H3 cells."""
