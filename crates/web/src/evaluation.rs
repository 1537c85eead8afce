//! The engine's input and output for a region, cached per app server and
//! checked against the region's version counters on every request, so that a
//! change made through any server is seen at once while unchanged data is not
//! read or evaluated twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pantau_domain::model::Region;
use pantau_domain::{AsOf, Evaluation, Options};
use pantau_store::{RegionVersion, Store};

use crate::error::PageError;

/// How many evaluations a server keeps (dashboards at a handful of dates).
const EVALUATIONS_KEPT: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EvaluationKey {
    region: String,
    version: RegionVersion,
    program: usize,
    as_of: chrono::DateTime<chrono::Utc>,
    verified_only: bool,
}

#[derive(Default)]
pub struct Cache {
    regions: Mutex<HashMap<String, (RegionVersion, Arc<Region>)>>,
    evaluations: Mutex<HashMap<EvaluationKey, Arc<Evaluation>>>,
    /// One reload at a time: when the data changes under many readers, the
    /// first reloads and the others wait for its result instead of each reading.
    reload: tokio::sync::Mutex<()>,
}

impl Cache {
    fn cached(&self, code: &str) -> Option<(RegionVersion, Arc<Region>)> {
        self.regions.lock().expect("cache lock").get(code).cloned()
    }

    async fn load(
        &self,
        store: &dyn Store,
        code: &str,
        version: RegionVersion,
    ) -> Result<Arc<Region>, PageError> {
        let _one_at_a_time = self.reload.lock().await;
        if let Some((cached, region)) = self.cached(code)
            && cached == version
        {
            return Ok(region);
        }
        // Read the version again under the lock: the model is then at least as new.
        let version = store.region_version(code).await?;
        let bundle = store.region_bundle(code).await?;
        let region = Arc::new(
            pantau_domain::validate_with(&bundle, store.limits()).map_err(|refused| {
                PageError::Internal(format!("stored region {code} does not validate: {refused}"))
            })?,
        );
        self.regions
            .lock()
            .expect("cache lock")
            .insert(code.to_owned(), (version, region.clone()));
        Ok(region)
    }

    /// The validated model of a region as it stands now, with its version.
    pub async fn current(
        &self,
        store: &dyn Store,
        code: &str,
    ) -> Result<(RegionVersion, Arc<Region>), PageError> {
        let version = store.region_version(code).await?;
        match self.cached(code) {
            Some((cached, region)) if cached == version => Ok((version, region)),
            _ => Ok((version, self.load(store, code, version).await?)),
        }
    }

    /// The validated model of a region as it stands now.
    pub async fn region(&self, store: &dyn Store, code: &str) -> Result<Arc<Region>, PageError> {
        Ok(self.current(store, code).await?.1)
    }

    /// A model with the region's current plan (units, programs, targets),
    /// whatever its reports: enough to check a new report against, without
    /// reloading every entry each time one arrives.
    pub async fn plan(&self, store: &dyn Store, code: &str) -> Result<Arc<Region>, PageError> {
        let version = store.region_version(code).await?;
        match self.cached(code) {
            Some((cached, region)) if cached.plan == version.plan => Ok(region),
            _ => self.load(store, code, version).await,
        }
    }

    /// The engine's evaluation of a program, computed once per data version
    /// and moment.
    pub fn evaluation(
        &self,
        code: &str,
        version: RegionVersion,
        region: &Region,
        program: usize,
        as_of: &AsOf,
    ) -> Arc<Evaluation> {
        let key = EvaluationKey {
            region: code.to_owned(),
            version,
            program,
            as_of: as_of.instant,
            verified_only: false,
        };
        if let Some(found) = self.evaluations.lock().expect("cache lock").get(&key) {
            return found.clone();
        }
        let evaluation = Arc::new(pantau_domain::evaluate(
            region,
            &region.programs[program],
            as_of,
            Options::default(),
        ));
        let mut evaluations = self.evaluations.lock().expect("cache lock");
        if evaluations.len() >= EVALUATIONS_KEPT {
            evaluations.clear();
        }
        evaluations.insert(key, evaluation.clone());
        evaluation
    }
}
