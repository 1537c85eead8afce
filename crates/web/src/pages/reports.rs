//! Reports: XLSX, CSV and PDF downloads, the final evaluation, and the spreadsheet templates and their import.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
