//! The one integration-test binary (see matklad, "Delete Cargo Integration
//! Tests"): one module per feature.

mod architecture;
mod ark_provider;
mod cli_api;
mod cli_ark;
mod cli_requests;
mod cli_validate;
mod cli_workflows;
mod client_download;
mod client_retry;
mod client_wait;
mod fault_matrix;
mod hostile_input;
mod idempotency;
mod iteration;
mod loopback_faults;
mod media_check;
mod media_store;
mod moderation;
mod money_safety;
mod poll_props;
mod process;
mod read_recovery;
mod real_service;
mod responses;
mod scenarios;
mod secrets;
mod service_agreement;
mod storyboard;
mod terminal;
mod torture;
mod transport_conformance;
mod validation_props;
mod validation_rules;
mod workflows_batch;
mod workflows_chain;
