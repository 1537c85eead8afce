//! Evaluation meetings (one per cluster per period, and a final one per program), their notes, status overrides, follow-ups (tindak lanjut) and frozen minutes.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `meeting_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

#[async_trait::async_trait]
pub trait MeetingStore: Send + Sync {}

macro_rules! meeting_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::meetings::MeetingStore for $store {}
    };
}
