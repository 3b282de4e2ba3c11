//! The thirteen usage scenarios of the reference: each validates clean and
//! round-trips through the types to the same JSON.

use seedance_core::{GenerationRequest, validate_json};
use seedance_tests::scenario_files;
use serde_json::Value;

#[test]
fn there_is_one_fixture_per_documented_scenario() {
    assert_eq!(scenario_files().len(), 13);
}

#[test]
fn every_scenario_validates_clean_and_round_trips() {
    for path in scenario_files() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let report = validate_json(&value);
        assert!(report.errors.is_empty(), "{name}: {:#?}", report.errors);
        assert!(report.warnings.is_empty(), "{name}: {:#?}", report.warnings);
        let (request, _) = GenerationRequest::from_json(&value).unwrap();
        assert!(request.validate().is_valid(), "{name}");
        assert_eq!(
            request.to_json(),
            value,
            "{name}: round trip changed the JSON"
        );
        insta::assert_json_snapshot!(format!("scenario_{name}"), request);
    }
}
