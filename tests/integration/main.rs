//! The integration tests: one crate, so that `cargo test` links one test
//! binary against the whole dependency tree instead of sixteen. Each module
//! is one area; run one with `cargo test --test integration cli::`.

mod aws_adapter;
mod bench_report;
mod bin_modules;
mod cli;
mod docs;
mod files;
mod inputs;
mod json_schema;
mod lab;
mod montecarlo;
mod plots;
mod props;
mod regression;
mod secrets;
mod sim;
mod vectors;
