//! Evaluation meetings: the agenda built from an evaluation as of a period's
//! deadline, follow-up (tindak lanjut) states, and the minutes (berita acara)
//! that a closed meeting freezes.
