//! Budget figures and absorption over the API.

use axum::Router;
use utoipa::OpenApi;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi()]
pub struct Doc;
