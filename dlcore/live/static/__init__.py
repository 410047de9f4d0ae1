"""Static figures for the notebooks: ax-first functions that draw one figure."""
