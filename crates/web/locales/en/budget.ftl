# budget: texts of the budget pages (en).
