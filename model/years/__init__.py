"""Years, not a year: the same households followed year by year (incomes, illness, poverty status, dated rules)."""
