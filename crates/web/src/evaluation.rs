//! The engine's input and output for a region, cached per app server and
//! checked against the region's version counters on every request, so that a
//! change made through any server is seen at once while unchanged data is not
//! read or evaluated twice.
//!
//! A report (a new, edited, reviewed or deleted entry, a nil report) does not
//! reload the region: the cache reads the rows changed since its version and
//! puts them into its model in place, in the order a whole load would give.
//! A plan change reloads the region whole.
//!
//! With a read replica the store a request passes is the replica or the
//! main database ([`crate::reads`]); the cache keeps the newest model it has
//! read from either, and never a version newer than the rows it read (each
//! load takes the version and the rows from the same store).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pantau_domain::model::{self, Region};
use pantau_domain::{AsOf, Evaluation, Options};
use pantau_store::{DataChanges, ProgramRowIds, RegionVersion, Store};

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

/// A region's model as of a version, with the row ids of its programs'
/// entries and nil reports (in the model's order) to apply changes by.
#[derive(Clone)]
struct Cached {
    version: RegionVersion,
    region: Arc<Region>,
    ids: Arc<Vec<ProgramRowIds>>,
}

/// A cached model with the tick of its last use, for eviction.
struct Kept {
    cached: Cached,
    used: u64,
}

/// The region models a server keeps, the least recently used going first
/// when there are more than `limit`: a national server cannot hold every
/// region's entries, and one that is evicted is loaded again when read.
struct Models {
    kept: HashMap<String, Kept>,
    tick: u64,
    limit: usize,
}

/// How many region models a server keeps unless told otherwise: a nation's
/// 552 regions of a few thousand entries each fit in a few hundred MiB.
pub const DEFAULT_REGIONS_KEPT: usize = 1024;

/// The program summaries of one region, each program at its moment: a
/// closed program's default moment is its final deadline, the same at every
/// request, so its summaries are not computed again each minute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RegionSummariesKey {
    region: String,
    version: RegionVersion,
    moments: Vec<chrono::DateTime<chrono::Utc>>,
}

/// A region's programs' calendars, in plan order.
pub type Calendars = Arc<Vec<pantau_domain::Calendar>>;

/// A region's programs (code, name) with their summaries.
pub type RegionSummaries = Arc<Vec<(String, String, Arc<ProgramSummary>)>>;

pub struct Cache {
    models: Mutex<Models>,
    evaluations: Mutex<HashMap<EvaluationKey, Arc<Evaluation>>>,
    /// Program summaries for roll-ups across regions, kept apart from the
    /// evaluations so that a national view over hundreds of regions does not
    /// push the dashboards' evaluations out.
    summaries: Mutex<HashMap<EvaluationKey, Arc<ProgramSummary>>>,
    /// Every program's summary of a region at a moment, by version: a
    /// roll-up finds an unchanged region here without its model, so the
    /// models may be evicted and a national view still costs no reload.
    region_summaries: Mutex<HashMap<RegionSummariesKey, RegionSummaries>>,
    /// Each region's programs' calendars by plan version: enough to tell the
    /// moments a roll-up reads a region at without its model.
    calendars: Mutex<HashMap<String, (RegionVersion, Calendars)>>,
    /// One reload of a region at a time: when its data changes under many
    /// readers, the first reloads and the others wait for its result instead
    /// of each reading. Per region, so that regions do not queue behind each
    /// other (a national view loads hundreds).
    reloads: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache::keeping(DEFAULT_REGIONS_KEPT)
    }
}

/// How many program summaries a server keeps: every program of a nation's
/// regions at a few moments.
const SUMMARIES_KEPT: usize = 8192;

/// A program's summary with the reporting record its rates were taken of:
/// what a roll-up across regions reads of a region.
#[derive(Debug, Clone)]
pub struct ProgramSummary {
    pub summary: pantau_domain::evaluation::Summary,
    pub tally: pantau_domain::evaluation::ComplianceTally,
    /// The same record by calendar week, for the heat strips.
    pub weeks: Vec<pantau_domain::rollup::WeekTally>,
}

impl Cache {
    /// A cache that keeps at most `regions` region models (at least one).
    pub fn keeping(regions: usize) -> Cache {
        Cache {
            models: Mutex::new(Models {
                kept: HashMap::new(),
                tick: 0,
                limit: regions.max(1),
            }),
            evaluations: Mutex::default(),
            summaries: Mutex::default(),
            region_summaries: Mutex::default(),
            calendars: Mutex::default(),
            reloads: Mutex::default(),
        }
    }

    /// How many region models are in memory now.
    pub fn regions_kept(&self) -> usize {
        self.models.lock().expect("cache lock").kept.len()
    }

    fn cached(&self, code: &str) -> Option<Cached> {
        let mut models = self.models.lock().expect("cache lock");
        models.tick += 1;
        let tick = models.tick;
        models.kept.get_mut(code).map(|kept| {
            kept.used = tick;
            kept.cached.clone()
        })
    }

    fn keep(&self, code: &str, cached: Cached) {
        let mut models = self.models.lock().expect("cache lock");
        models.tick += 1;
        let used = models.tick;
        models.kept.insert(code.to_owned(), Kept { cached, used });
        while models.kept.len() > models.limit {
            // A scan is enough: it runs only when a region is loaded, which
            // reads thousands of rows anyway.
            let oldest = models
                .kept
                .iter()
                .min_by_key(|(_, kept)| kept.used)
                .map(|(code, _)| code.clone());
            match oldest {
                Some(oldest) => {
                    models.kept.remove(&oldest);
                }
                None => break,
            }
        }
    }

    /// Bring the cached region up to `version` at least: from the rows
    /// changed since the cached version when only reports changed, whole
    /// otherwise.
    async fn load(
        &self,
        store: &dyn Store,
        code: &str,
        version: RegionVersion,
    ) -> Result<Cached, PageError> {
        let lock = self
            .reloads
            .lock()
            .expect("cache lock")
            .entry(code.to_owned())
            .or_default()
            .clone();
        let _one_at_a_time = lock.lock().await;
        let cached = self.cached(code);
        if let Some(cached) = &cached
            && covers(cached.version, version)
        {
            return Ok(cached.clone());
        }
        if let Some(cached) = cached
            && cached.version.plan == version.plan
            && let Some(changes) = store.data_changes_since(code, cached.version).await?
        {
            let mut region = Arc::unwrap_or_clone(cached.region);
            let mut ids = Arc::unwrap_or_clone(cached.ids);
            match apply_changes(&mut region, &mut ids, &changes) {
                Ok(()) => {
                    let updated = Cached {
                        version: changes.version,
                        region: Arc::new(region),
                        ids: Arc::new(ids),
                    };
                    self.keep(code, updated.clone());
                    return Ok(updated);
                }
                Err(why) => tracing::warn!(region = code, why, "reloading the region whole"),
            }
        }
        let snapshot = store.region_snapshot(code).await?;
        let region =
            pantau_domain::validate_with(&snapshot.bundle, store.limits()).map_err(|refused| {
                PageError::Internal(format!("stored region {code} does not validate: {refused}"))
            })?;
        let loaded = Cached {
            version: snapshot.version,
            region: Arc::new(region),
            ids: Arc::new(snapshot.ids),
        };
        self.keep(code, loaded.clone());
        Ok(loaded)
    }

    /// The validated model of a region as it stands now, with its version.
    pub async fn current(
        &self,
        store: &dyn Store,
        code: &str,
    ) -> Result<(RegionVersion, Arc<Region>), PageError> {
        let version = store.region_version(code).await?;
        let cached = match self.cached(code) {
            // Newer than asked is fine: a read replica is read a moment
            // behind the main database, and the cache may have been brought
            // up from the main database for a caller's own write.
            Some(cached) if covers(cached.version, version) => cached,
            _ => self.load(store, code, version).await?,
        };
        Ok((cached.version, cached.region))
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
            Some(cached) if cached.version.plan == version.plan => Ok(cached.region),
            _ => Ok(self.load(store, code, version).await?.region),
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
        self.evaluation_with(code, version, region, program, as_of, Options::default())
    }

    /// [`Cache::evaluation`] with the engine's options (the public pages
    /// count verified entries only).
    pub fn evaluation_with(
        &self,
        code: &str,
        version: RegionVersion,
        region: &Region,
        program: usize,
        as_of: &AsOf,
        options: Options,
    ) -> Arc<Evaluation> {
        let key = EvaluationKey {
            region: code.to_owned(),
            version,
            program,
            as_of: as_of.instant,
            verified_only: options.verified_only,
        };
        if let Some(found) = self.evaluations.lock().expect("cache lock").get(&key) {
            return found.clone();
        }
        let evaluation = Arc::new(pantau_domain::evaluate(
            region,
            &region.programs[program],
            as_of,
            options,
        ));
        let mut evaluations = self.evaluations.lock().expect("cache lock");
        if evaluations.len() >= EVALUATIONS_KEPT {
            evaluations.clear();
        }
        evaluations.insert(key, evaluation.clone());
        evaluation
    }
}

/// Whether a model at `cached` is at least as new as `asked`. Versions only
/// grow and a plan change bumps both counters, so this is "the same or later".
fn covers(cached: RegionVersion, asked: RegionVersion) -> bool {
    cached.plan >= asked.plan && cached.data >= asked.data
}

impl Cache {
    /// The summary of a program at a moment, computed once per data version
    /// and moment: a roll-up reads every region's through here, so a report
    /// in one region recomputes that region's alone.
    pub fn summary(
        &self,
        code: &str,
        version: RegionVersion,
        region: &Region,
        program: usize,
        as_of: &AsOf,
    ) -> Arc<ProgramSummary> {
        let key = EvaluationKey {
            region: code.to_owned(),
            version,
            program,
            as_of: as_of.instant,
            verified_only: false,
        };
        if let Some(found) = self.summaries.lock().expect("cache lock").get(&key) {
            return found.clone();
        }
        // An evaluation a dashboard already made is reused; one made here is
        // not kept, only its summary.
        let cached = self
            .evaluations
            .lock()
            .expect("cache lock")
            .get(&key)
            .cloned();
        let evaluation = cached.unwrap_or_else(|| {
            Arc::new(pantau_domain::evaluate(
                region,
                &region.programs[program],
                as_of,
                Options::default(),
            ))
        });
        let summary = Arc::new(ProgramSummary {
            summary: evaluation.summary.clone(),
            tally: evaluation.tally(),
            weeks: pantau_domain::rollup::weekly_tallies(&region.programs[program], &evaluation),
        });
        let mut summaries = self.summaries.lock().expect("cache lock");
        if summaries.len() >= SUMMARIES_KEPT {
            // Cleared whole, as the evaluations are: stale versions go with
            // it, and what is current is computed again once.
            summaries.clear();
        }
        summaries.insert(key, summary.clone());
        summary
    }

    /// Every program's summary of a region at these moments (one per
    /// program, in plan order), if a roll-up has asked for them before.
    pub fn region_summaries(
        &self,
        code: &str,
        version: RegionVersion,
        moments: &[chrono::DateTime<chrono::Utc>],
    ) -> Option<RegionSummaries> {
        let key = RegionSummariesKey {
            region: code.to_owned(),
            version,
            moments: moments.to_vec(),
        };
        self.region_summaries
            .lock()
            .expect("cache lock")
            .get(&key)
            .cloned()
    }

    /// Keep a region's summaries for [`Cache::region_summaries`].
    pub fn keep_region_summaries(
        &self,
        code: &str,
        version: RegionVersion,
        moments: Vec<chrono::DateTime<chrono::Utc>>,
        found: RegionSummaries,
    ) {
        let key = RegionSummariesKey {
            region: code.to_owned(),
            version,
            moments,
        };
        let mut kept = self.region_summaries.lock().expect("cache lock");
        if kept.len() >= SUMMARIES_KEPT {
            kept.clear();
        }
        kept.insert(key, found);
    }

    /// The calendars of a region's programs, in plan order, when they are
    /// known for the plan of `version`.
    pub fn calendars(&self, code: &str, version: RegionVersion) -> Option<Calendars> {
        let kept = self.calendars.lock().expect("cache lock");
        kept.get(code)
            .filter(|(at, _)| at.plan == version.plan)
            .map(|(_, calendars)| calendars.clone())
    }

    /// Keep the calendars of a region's programs, read from its model at `version`.
    pub fn keep_calendars(&self, code: &str, version: RegionVersion, region: &Region) {
        let calendars = region.programs.iter().map(|p| p.calendar.clone()).collect();
        self.calendars
            .lock()
            .expect("cache lock")
            .insert(code.to_owned(), (version, Arc::new(calendars)));
    }
}

/// What becomes of one entry: its row as it now stands, or its deletion.
enum EntryFate<'a> {
    Stands(&'a pantau_store::ChangedEntry),
    Deleted,
}

/// Put the changed rows into the model, each at the place a whole load
/// gives it (ordered by id), so that the engine sees the same model; a
/// change the model cannot place (an unknown program, target or unit) is an
/// error, and the caller loads the region whole.
fn apply_changes(
    region: &mut Region,
    ids: &mut [ProgramRowIds],
    changes: &DataChanges,
) -> Result<(), String> {
    // The latest of an entry's changes wins: a row read after its own
    // deletion was recorded is newer than the deletion (an id used again).
    let mut fates: HashMap<i64, (i64, EntryFate)> = HashMap::new();
    for entry in &changes.entries {
        fates.insert(entry.id, (entry.changed_in, EntryFate::Stands(entry)));
    }
    for &(id, deleted_in) in &changes.deleted_entries {
        match fates.get(&id) {
            Some((changed_in, _)) if *changed_in > deleted_in => {}
            _ => {
                fates.insert(id, (deleted_in, EntryFate::Deleted));
            }
        }
    }
    let mut fates: Vec<_> = fates.into_iter().collect();
    fates.sort_by_key(|(id, _)| *id);
    for (id, (_, fate)) in fates {
        for (program, program_ids) in region.programs.iter_mut().zip(ids.iter_mut()) {
            if let Ok(at) = program_ids.entries.binary_search(&id) {
                program_ids.entries.remove(at);
                program.entries.remove(at);
            }
        }
        let EntryFate::Stands(row) = fate else {
            continue;
        };
        let p = program_index(region, &row.program)?;
        let program = &mut region.programs[p];
        let target = program
            .targets
            .iter()
            .position(|t| t.code == row.target)
            .ok_or_else(|| format!("unknown target {}/{}", row.program, row.target))?;
        let at = ids[p].entries.binary_search(&id).unwrap_or_else(|at| at);
        ids[p].entries.insert(at, id);
        program.entries.insert(
            at,
            model::Entry {
                target: target as model::TargetIx,
                activity_date: row.activity_date,
                submitted_at: row.submitted_at,
                value: row.value,
                status: row.status,
            },
        );
    }
    for nil in &changes.nil_reports {
        let p = program_index(region, &nil.program)?;
        let unit = region
            .units
            .iter()
            .position(|u| u.code == nil.unit)
            .ok_or_else(|| format!("unknown unit {}", nil.unit))?;
        let report = model::NilReport {
            unit: unit as model::UnitIx,
            date: nil.date,
            submitted_at: nil.submitted_at,
        };
        let program = &mut region.programs[p];
        match ids[p].nil_reports.binary_search(&nil.id) {
            Ok(at) => program.nil_reports[at] = report,
            Err(at) => {
                ids[p].nil_reports.insert(at, nil.id);
                program.nil_reports.insert(at, report);
            }
        }
    }
    Ok(())
}

fn program_index(region: &Region, code: &str) -> Result<usize, String> {
    region
        .programs
        .iter()
        .position(|p| p.code == code)
        .ok_or_else(|| format!("unknown program {code}"))
}
