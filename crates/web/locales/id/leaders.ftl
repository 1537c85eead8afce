# leaders: texts of the leaders pages (id).
