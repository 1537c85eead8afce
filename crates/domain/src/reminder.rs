//! When reminders fall due: offsets before each period's deadline, in the
//! program's local time, and who has not reported for a period.
