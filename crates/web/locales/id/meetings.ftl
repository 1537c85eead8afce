# meetings: texts of the meetings pages (id).
