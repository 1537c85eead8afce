//! The engine's input for a region, cached per app server and checked against
//! the region's version on every request, so that a change made through any
//! server is seen at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pantau_domain::model::Region;
use pantau_store::Store;

use crate::error::PageError;

#[derive(Default)]
pub struct Cache {
    regions: Mutex<HashMap<String, (i64, Arc<Region>)>>,
}

impl Cache {
    /// The validated model of a region as it stands now.
    pub async fn region(&self, store: &dyn Store, code: &str) -> Result<Arc<Region>, PageError> {
        let version = store.region_version(code).await?;
        if let Some((cached, region)) = self.regions.lock().expect("cache lock").get(code)
            && *cached == version
        {
            return Ok(region.clone());
        }
        let bundle = store.region_bundle(code).await?;
        let region = Arc::new(pantau_domain::validate(&bundle).map_err(|refused| {
            PageError::Internal(format!("stored region {code} does not validate: {refused}"))
        })?);
        self.regions
            .lock()
            .expect("cache lock")
            .insert(code.to_owned(), (version, region.clone()));
        Ok(region)
    }
}
