# reports: texts of the reports pages (id).
