"""HOW BIG: sizing the bubble (Wicksellian deficit, revenue gap, debt mix, circularity, ...)."""
