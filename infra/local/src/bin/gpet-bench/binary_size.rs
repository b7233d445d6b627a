//! c. Every function crate's release binary (the package name, which names its binary),
//!    against lambda-hello's.

use anyhow::Context as _;
use gpet_local::stack::project_root;
use serde::Serialize;

use crate::figures::{Table, ratio, times};
use crate::functions::{HELLO, binaries_dir};

#[derive(Serialize)]
pub struct BinarySizes {
    anchor: &'static str,
    binaries: Vec<Size>,
}

#[derive(Serialize)]
struct Size {
    binary: String,
    /// None when it is not built (bench.sh builds the measured ones; GPET_BENCH_ALL=1 all).
    bytes: Option<u64>,
    ratio_to_hello: Option<f64>,
}

pub fn measure() -> anyhow::Result<BinarySizes> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(project_root().join("functions"))? {
        let dir = entry?.path();
        let manifest = dir.join("Cargo.toml");
        if !dir.join("src/main.rs").is_file() || !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)?;
        let name = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')))
            .with_context(|| format!("no package name in {}", manifest.display()))?;
        names.push(name.to_owned());
    }
    names.sort();
    let dir = binaries_dir()?;
    let size = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len()).ok();
    let hello = size(HELLO).with_context(|| format!("{HELLO} is not built"))?;
    let mut binaries = vec![Size { binary: HELLO.to_owned(), bytes: Some(hello), ratio_to_hello: Some(1.0) }];
    for binary in names {
        let bytes = size(&binary);
        binaries.push(Size { binary, bytes, ratio_to_hello: bytes.and_then(|b| ratio(b as f64, hello as f64)) });
    }
    Ok(BinarySizes { anchor: HELLO, binaries })
}

impl BinarySizes {
    pub fn table(&self) -> Table {
        let mut table = Table::new("c. Release binary size (stripped, no LTO: Cargo.toml's release profile)")
            .left("binary", 26)
            .right("MiB", 10)
            .right("vs hello", 9);
        for b in &self.binaries {
            let size = b.bytes.map_or("not built".to_owned(), |n| format!("{:.2}", n as f64 / 1024.0 / 1024.0));
            table.row([b.binary.clone(), size, times(b.ratio_to_hello)]);
        }
        table
    }
}
