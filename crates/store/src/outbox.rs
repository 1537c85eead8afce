//! The persistent outbox of reminders and notices: each message is written once, claimed by one sender, retried with backoff, and marked sent so nothing goes out twice.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `outbox_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

#[async_trait::async_trait]
pub trait OutboxStore: Send + Sync {}

macro_rules! outbox_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::outbox::OutboxStore for $store {}
    };
}
