//! Data that is made, not kept: the demo organisation (`demo_data`, what solo mode starts
//! with) and the synthetic million-ticket load of the seed's scale (`synthetic`, for the
//! benchmarks). Apart from `db/`, which holds the queries the app runs.

pub mod demo_data;
pub mod synthetic;
