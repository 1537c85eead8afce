# leaders: texts of the leaders pages (en).
