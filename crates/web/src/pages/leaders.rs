//! The leaders' dashboard: summary, clusters, priorities, units ranked, the compliance heat map and trends, with a print view.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
