//! Evaluation meetings (rapat evaluasi): the agenda built from the engine, notes, status overrides, follow-ups and the frozen minutes (berita acara).

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
