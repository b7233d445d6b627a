//! b. VmHWM of one instance of each function after WARM_INVOCATIONS invocations, against
//!    lambda-hello's.

use anyhow::Context as _;
use serde::Serialize;

use crate::figures::{Table, ratio, times};
use crate::functions::{self, Events, HELLO, check_answer};
use crate::stack::Stack;

/// Invocations of one instance before its peak RSS is read.
const WARM_INVOCATIONS: usize = 10;
/// What the functions are deployed with.
const LAMBDA_MEMORY_MB: u32 = 128;

#[derive(Serialize)]
pub struct PeakRss {
    anchor: &'static str,
    invocations: usize,
    lambda_memory_mb: u32,
    functions: Vec<Peak>,
}

#[derive(Serialize)]
struct Peak {
    function: &'static str,
    kib: u64,
    ratio_to_hello: Option<f64>,
}

pub async fn measure(stack: &Stack, events: &Events) -> anyhow::Result<PeakRss> {
    eprintln!("peak RSS after {WARM_INVOCATIONS} invocations");
    let mut peaks = Vec::new();
    for name in functions::names() {
        let function = functions::spawn(stack, name).await?;
        for _ in 0..WARM_INVOCATIONS {
            let outcome = function.invoke(&events.for_function(name)?).await?;
            check_answer(name, outcome).with_context(|| function.output())?;
        }
        let kib = function.peak_rss_kib().with_context(|| format!("no VmHWM for {name}"))?;
        function.stop().await;
        peaks.push((name, kib));
    }
    let hello = peaks[0].1;
    let functions = peaks
        .into_iter()
        .map(|(function, kib)| Peak { function, kib, ratio_to_hello: ratio(kib as f64, hello as f64) })
        .collect();
    Ok(PeakRss { anchor: HELLO, invocations: WARM_INVOCATIONS, lambda_memory_mb: LAMBDA_MEMORY_MB, functions })
}

impl PeakRss {
    pub fn table(&self) -> Table {
        let mut table = Table::new(format!(
            "b. Peak RSS (VmHWM) after {} invocations (Lambda memory {} MB; aim ≤ 2x hello)",
            self.invocations, self.lambda_memory_mb
        ))
        .left("function", 26)
        .right("MiB", 10)
        .right("vs hello", 9);
        for f in &self.functions {
            table.row([f.function.to_owned(), format!("{:.1}", f.kib as f64 / 1024.0), times(f.ratio_to_hello)]);
        }
        table
    }
}
