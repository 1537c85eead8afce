//! Shared helpers of the domain crate's tests: a small bundle builder on
//! `serde_json::json!` and an evaluation that returns the JSON output, so that
//! the tests check the documented contract (bundle.md, "Evaluation output").

#![allow(dead_code)]

use pantau_domain::{Options, Refused, evaluate, load};
use serde_json::{Value, json};

/// The Bekasi demo program's dates.
pub const START: &str = "2025-02-22";
pub const END: &str = "2025-05-20";

/// A bundle under construction: region Kota Bekasi, two clusters, four units
/// (BAPPEDA has no targets unless a test gives it some), two priorities and one
/// program `100HK` running 22 Feb - 20 May 2025 (Friday, 09:00, Asia/Jakarta).
#[derive(Debug, Clone)]
pub struct B {
    pub doc: Value,
}

impl Default for B {
    fn default() -> Self {
        B::new()
    }
}

impl B {
    pub fn new() -> B {
        B {
            doc: json!({
                "format": "pantau-bundle/1",
                "region": {"code": "3275", "name": "Kota Bekasi", "timezone": "Asia/Jakarta"},
                "clusters": [
                    {"code": "ASDA1", "name": "Asisten Pemerintahan dan Kesejahteraan Rakyat"},
                    {"code": "ASDA2", "name": "Asisten Perekonomian dan Pembangunan"}
                ],
                "units": [
                    {"code": "DP3A", "name": "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "cluster": "ASDA1"},
                    {"code": "DLH", "name": "Dinas Lingkungan Hidup", "cluster": "ASDA2"},
                    {"code": "DINKES", "name": "Dinas Kesehatan", "cluster": "ASDA1"},
                    {"code": "BAPPEDA", "name": "Badan Perencanaan Pembangunan Daerah", "cluster": "ASDA1"}
                ],
                "priorities": [
                    {"code": "P1", "name": "Peningkatan kualitas pelayanan publik"},
                    {"code": "P3", "name": "Pengelolaan lingkungan hidup"}
                ],
                "programs": [{
                    "code": "100HK",
                    "name": "Program 100 Hari Kerja",
                    "start": START,
                    "end": END,
                    "evaluation_weekday": "friday",
                    "deadline_time": "09:00",
                    "targets": [],
                    "entries": [],
                    "nil_reports": []
                }]
            }),
        }
    }

    /// The program object, to set any of its fields.
    pub fn program_mut(&mut self) -> &mut Value {
        &mut self.doc["programs"][0]
    }

    /// Set a field of the program (e.g. `start`, `end`, `thresholds`, `final_deadline`).
    pub fn set(mut self, field: &str, value: Value) -> B {
        self.program_mut()[field] = value;
        self
    }

    /// Set a field at the bundle's top level (e.g. `budget_flag_margin`).
    pub fn top(mut self, field: &str, value: Value) -> B {
        self.doc[field] = value;
        self
    }

    /// Add a target given whole.
    pub fn target_json(mut self, target: Value) -> B {
        self.program_mut()["targets"]
            .as_array_mut()
            .unwrap()
            .push(target);
        self
    }

    /// A `sum`, polarity `higher` target of a unit.
    pub fn sum(self, code: &str, unit: &str, baseline: f64, target: f64) -> B {
        self.target_json(json!({
            "code": code, "unit": unit, "name": format!("Target {code}"),
            "kind": "sum", "polarity": "higher", "baseline": baseline, "target": target
        }))
    }

    /// A `last` target with a polarity.
    pub fn last(self, code: &str, unit: &str, polarity: &str, baseline: f64, target: f64) -> B {
        self.target_json(json!({
            "code": code, "unit": unit, "name": format!("Target {code}"),
            "kind": "last", "polarity": polarity, "baseline": baseline, "target": target
        }))
    }

    /// A milestone, optionally with a due date.
    pub fn milestone(self, code: &str, unit: &str, due: Option<&str>) -> B {
        let mut t = json!({
            "code": code, "unit": unit, "name": format!("Target {code}"),
            "kind": "milestone", "polarity": "higher"
        });
        if let Some(due) = due {
            t["due"] = json!(due);
        }
        self.target_json(t)
    }

    /// Add an entry given whole.
    pub fn entry_json(mut self, entry: Value) -> B {
        self.program_mut()["entries"]
            .as_array_mut()
            .unwrap()
            .push(entry);
        self
    }

    /// A verified entry.
    pub fn entry(self, target: &str, activity_date: &str, submitted_at: &str, value: f64) -> B {
        self.entry_s(target, activity_date, submitted_at, value, "verified")
    }

    /// An entry with a status.
    pub fn entry_s(
        self,
        target: &str,
        activity_date: &str,
        submitted_at: &str,
        value: f64,
        status: &str,
    ) -> B {
        self.entry_json(json!({
            "target": target, "activity_date": activity_date,
            "submitted_at": submitted_at, "value": value, "status": status
        }))
    }

    /// A nil report.
    pub fn nil(mut self, unit: &str, date: &str, submitted_at: &str) -> B {
        self.program_mut()["nil_reports"]
            .as_array_mut()
            .unwrap()
            .push(json!({"unit": unit, "date": date, "submitted_at": submitted_at, "reason": "Tidak ada kegiatan"}));
        self
    }

    /// A budget given whole.
    pub fn budget(mut self, budget: Value) -> B {
        if self.doc.get("budgets").is_none() {
            self.doc["budgets"] = json!([]);
        }
        self.doc["budgets"].as_array_mut().unwrap().push(budget);
        self
    }

    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Load the bundle, panicking with every problem if it is refused.
    pub fn region(&self) -> pantau_domain::model::Region {
        match load(&self.text()) {
            Ok(region) => region,
            Err(refused) => panic!("bundle refused: {:#?}", refused.problems),
        }
    }

    /// Load and expect a refusal.
    pub fn refused(&self) -> Refused {
        match load(&self.text()) {
            Ok(_) => panic!("bundle accepted, expected a refusal:\n{:#}", self.doc),
            Err(refused) => refused,
        }
    }

    /// Evaluate the (single) program at `as_of` (a date or an RFC 3339 moment).
    pub fn eval(&self, as_of: &str) -> Value {
        self.eval_with(as_of, Options::default())
    }

    pub fn eval_verified_only(&self, as_of: &str) -> Value {
        self.eval_with(
            as_of,
            Options {
                verified_only: true,
            },
        )
    }

    pub fn eval_with(&self, as_of: &str, options: Options) -> Value {
        eval_text(&self.text(), as_of, options)
    }
}

/// Load bundle text, evaluate its first program at `as_of`, return the JSON output.
pub fn eval_text(text: &str, as_of: &str, options: Options) -> Value {
    let region = match load(text) {
        Ok(region) => region,
        Err(refused) => panic!("bundle refused: {:#?}", refused.problems),
    };
    eval_region(&region, as_of, options)
}

/// Evaluate the first program of an already loaded region.
pub fn eval_region(region: &pantau_domain::model::Region, as_of: &str, options: Options) -> Value {
    let program = &region.programs[0];
    let as_of = program
        .calendar
        .parse_as_of(as_of)
        .unwrap_or_else(|e| panic!("bad as_of: {e}"));
    let evaluation = evaluate(region, program, &as_of, options);
    serde_json::to_value(&evaluation).expect("the evaluation serializes")
}

fn find<'a>(list: &'a Value, code: &str, what: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array"))
        .iter()
        .find(|x| x["code"] == code)
        .unwrap_or_else(|| panic!("no {what} with code {code}"))
}

/// The output of one target.
pub fn target<'a>(eval: &'a Value, code: &str) -> &'a Value {
    find(&eval["targets"], code, "target")
}

pub fn unit<'a>(eval: &'a Value, code: &str) -> &'a Value {
    find(&eval["units"], code, "unit")
}

pub fn priority<'a>(eval: &'a Value, code: &str) -> &'a Value {
    find(&eval["priorities"], code, "priority")
}

pub fn cluster<'a>(eval: &'a Value, code: &str) -> &'a Value {
    find(&eval["clusters"], code, "cluster")
}

/// A JSON number as f64, panicking with the field's name when it is not one.
pub fn num(value: &Value, field: &str) -> f64 {
    value[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number: {}", value[field]))
}

/// Assert a numeric field equals `expected` (output numbers are rounded to 2 decimals).
#[track_caller]
pub fn assert_num(value: &Value, field: &str, expected: f64) {
    let actual = num(value, field);
    assert!(
        (actual - expected).abs() < 1e-9,
        "{field}: expected {expected}, got {actual} in {value:#}"
    );
}

/// Assert a field is JSON null.
#[track_caller]
pub fn assert_null(value: &Value, field: &str) {
    assert!(
        value.get(field).is_some_and(Value::is_null),
        "{field}: expected null, got {:?} in {value:#}",
        value.get(field)
    );
}

/// The compliance states of a unit, in period order, e.g. `["on_time", "open"]`.
pub fn compliance(eval: &Value, unit_code: &str) -> Vec<(u64, String)> {
    unit(eval, unit_code)["compliance"]
        .as_array()
        .expect("compliance is an array")
        .iter()
        .map(|c| {
            (
                c["period"].as_u64().unwrap(),
                c["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The state of one period of a unit's compliance.
pub fn state(eval: &Value, unit_code: &str, period: u64) -> String {
    compliance(eval, unit_code)
        .into_iter()
        .find(|(p, _)| *p == period)
        .unwrap_or_else(|| panic!("period {period} not listed for {unit_code}"))
        .1
}
