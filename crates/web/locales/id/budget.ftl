# budget: texts of the budget pages (id).
