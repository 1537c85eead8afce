# reports: texts of the reports pages (en).
