//! The service layer: what the application does, called by the pages and the
//! API alike. Handlers parse a request, call one of these with the capability
//! the user's role grants, and render the result; the rules live here (and in
//! the domain), not in a handler.

pub mod budgets;
pub mod entries;
pub mod feedback;
pub mod figures;
pub mod lists;
pub mod meetings;
pub mod reports;
pub mod rollup;
