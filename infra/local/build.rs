//! Every function of template.yaml, compiled into the local host: a function crate is one file
//! (`functions/<binary>/src/main.rs`), which the host takes as its module `functions::<binary>`,
//! and `functions::entries()` lists them in the template's order. Adding a function to the
//! template is all the host needs; a template function without its crate fails the build here.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("../..").canonicalize().expect("the repository's root");
    let template = root.join("template.yaml");
    println!("cargo::rerun-if-changed={}", template.display());
    let text = std::fs::read_to_string(&template).expect("template.yaml is readable");

    let mut modules = String::new();
    let mut entries = String::new();
    // Every function's build names its binary: `BuildProperties: Binary: <name>`.
    for binary in text.lines().filter_map(|line| line.trim().strip_prefix("Binary:")).map(str::trim) {
        let file = root.join("functions").join(binary).join("src/main.rs");
        assert!(
            file.is_file(),
            "template.yaml names the function {binary}, which has no crate: functions/{binary}/src/main.rs"
        );
        let module = binary.replace('-', "_");
        writeln!(modules, "#[path = {:?}]\npub mod {module};", file.display().to_string()).unwrap();
        writeln!(entries, "        {module}::entry({binary:?}),").unwrap();
    }
    let code = format!(
        "{modules}\n/// Every function of template.yaml, in its order.\npub fn entries() -> Vec<gpet_lambda::function::Entry> {{\n    vec![\n{entries}    ]\n}}\n"
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("functions.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
