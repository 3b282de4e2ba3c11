//! The one integration-test binary (see matklad, "Delete Cargo Integration
//! Tests"): one module per feature.

mod cli_validate;
mod responses;
mod scenarios;
mod validation_props;
mod validation_rules;
