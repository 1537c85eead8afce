//! Pantau's domain: the bundle format, the validated model, the calendar, the
//! evaluation engine and its output. Pure: no IO, no SQL, no HTTP.
//!
//! The rules are `shared/spec/domain.md`; the formats `shared/spec/bundle.md`.

pub mod account;
pub mod budget;
pub mod bundle;
pub mod calendar;
pub mod document;
pub mod engine;
pub mod evaluation;
pub mod feedback;
pub mod meeting;
pub mod model;
pub mod plausibility;
pub mod rating;
pub mod region_code;
pub mod reminder;
pub mod role;
pub mod rollup;
pub mod rules;
pub mod validate;
pub mod workdays;

pub use calendar::{AsOf, Calendar, Period};
pub use engine::{Options, evaluate};
pub use evaluation::Evaluation;
pub use region_code::{RegionCode, RegionCodeError, RegionLevel};
pub use validate::{Limits, Problem, ProblemKind, Refused, load, parse, validate, validate_with};
