//! Budget figures per unit and fiscal year: pagu, monthly plan (anggaran kas), realised spending and physical progress, entered or imported by the finance role (BPKAD) or a unit.
//!
//! The trait is part of [`crate::Store`]; its SQL is shared by both backends,
//! instantiated by `budget_store_impl!` in `backend.rs`.

#[allow(unused_imports)]
use crate::*;

#[async_trait::async_trait]
pub trait BudgetStore: Send + Sync {}

macro_rules! budget_store_impl {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::budgets::BudgetStore for $store {}
    };
}
