# meetings: texts of the meetings pages (en).
