# reminders: texts of the reminders pages (en).
