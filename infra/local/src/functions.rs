//! Every function of template.yaml, each its crate's one file taken as a module here (written by
//! build.rs), so that the host runs the handlers the binaries run.

include!(concat!(env!("OUT_DIR"), "/functions.rs"));
