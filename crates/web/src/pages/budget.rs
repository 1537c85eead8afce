//! Budget absorption (serapan anggaran): the region's absorption, units ranked, a unit's plan against actual, and the finance role's entry and import.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
