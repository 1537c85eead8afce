//! A written evaluation reads back to the same document: the frozen minutes
//! and the final evaluation keep the figures as they stood.

use pantau_domain::Evaluation;

#[test]
fn a_written_evaluation_reads_back_unchanged() {
    let region = pantau_domain::load(include_str!("../../../examples/bekasi-100hk.json"))
        .expect("the sample bundle is valid");
    for program in &region.programs {
        for as_of in ["2025-03-10", "2025-04-25", "2025-06-30"] {
            let as_of = program.calendar.parse_as_of(as_of).expect("a date");
            let evaluation = pantau_domain::evaluate(&region, program, &as_of, Default::default());
            let written = serde_json::to_value(&evaluation).expect("serializes");
            let read: Evaluation = serde_json::from_value(written.clone()).expect("reads back");
            assert_eq!(serde_json::to_value(&read).expect("serializes"), written);
            assert!(
                written.to_string().contains("\"budget\""),
                "the sample has budgets"
            );
        }
    }
}
