# reminders: texts of the reminders pages (id).
