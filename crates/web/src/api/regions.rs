//! The tree of regions over the API: the regions below a region with their
//! figures, for its supervisors (docs/rollup.md).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiFailure, ApiPath, ApiQuery, ApiUser};
use crate::AppState;
use crate::error::PageError;
use crate::service::rollup;

pub fn routes() -> Router<AppState> {
    Router::new().route("/regions/{code}/children", get(children))
}

/// This part's paths and schemas, merged into the API's document.
#[derive(OpenApi)]
#[openapi(
    paths(children),
    components(schemas(RegionChildren, RegionName, ChildRegion, ChildProgram))
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChildrenQuery {
    /// `YYYY-MM-DD` (the end of that local day in each program's time zone),
    /// an RFC 3339 moment, or `now`; default each program's default moment
    /// (now, or its final deadline once passed).
    as_of: Option<String>,
}

/// A region's code and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionName {
    /// Kemendagri code: `ID`, two or four digits.
    code: String,
    name: String,
}

/// A program of a region below, with its evaluation summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildProgram {
    /// The program's code; for a province in the nation's view, `*`: the
    /// roll-up of every program of its kab/kota.
    code: String,
    name: String,
    /// The `summary` object of the program's evaluation (bundle.md), unchanged;
    /// for a province, its roll-up (docs/rollup.md).
    #[schema(value_type = Object)]
    summary: serde_json::Value,
}

/// A region directly below.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildRegion {
    code: String,
    name: String,
    programs: Vec<ChildProgram>,
    /// The `budget` object of the evaluation summary (of the region's first
    /// program that has one; for a province, its kab/kota's summed), or null.
    #[schema(value_type = Option<Object>)]
    budget: Option<serde_json::Value>,
}

/// The regions directly below a region, with their figures at a moment.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionChildren {
    region: RegionName,
    /// The moment as asked, or now (RFC 3339, UTC) when none was.
    as_of: String,
    children: Vec<ChildRegion>,
}

fn json(value: impl Serialize) -> Result<serde_json::Value, ApiFailure> {
    serde_json::to_value(value).map_err(|err| PageError::internal(err).into())
}

/// The regions directly below a region (a province's kab/kota, the nation's
/// provinces, each with the roll-up of its kab/kota), for a supervisor of
/// that region or of one above it.
#[utoipa::path(
    get,
    path = "/api/v1/regions/{code}/children",
    params(("code" = String, Path, description = "Kemendagri code: ID, or a province's two digits"), ChildrenQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The regions below and their figures", body = RegionChildren),
        (status = 403, description = "Not a supervisor of this region or of one above it", body = ApiError),
        (status = 404, description = "No such region", body = ApiError),
        (status = 422, description = "An as_of that is neither a date nor an RFC 3339 moment", body = ApiError)
    )
)]
async fn children(
    State(state): State<AppState>,
    caller: ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<ChildrenQuery>,
) -> Result<Json<RegionChildren>, ApiFailure> {
    let found = match rollup::children(
        &state,
        &caller.user,
        &code,
        query.as_of.as_deref(),
        "all programs of its kab/kota",
    )
    .await
    {
        Err(PageError::Forbidden) => {
            return Err(
                crate::access::deny(&state, &caller.user, "api.region.children")
                    .await
                    .into(),
            );
        }
        other => other?,
    };
    let mut children = Vec::with_capacity(found.children.len());
    for child in found.children {
        let mut programs = Vec::with_capacity(child.programs.len());
        for program in child.programs {
            programs.push(ChildProgram {
                code: program.code,
                name: program.name,
                summary: json(&program.summary)?,
            });
        }
        children.push(ChildRegion {
            code: child.code,
            name: child.name,
            programs,
            budget: child.budget.as_ref().map(json).transpose()?,
        });
    }
    Ok(Json(RegionChildren {
        region: RegionName {
            code: found.code,
            name: found.name,
        },
        as_of: found.as_of,
        children,
    }))
}
