//! `lambda-hello`: answers `{"hello":"world"}` to any event. What gpet-bench compares our
//! functions' cold start, memory and size with.

use lambda_runtime::{Error, LambdaEvent, service_fn};

fn main() -> Result<(), Error> {
    // As gpet_lambda's `block_on`: one thread, since an instance serves one event at a time.
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(lambda_runtime::run(service_fn(
        |_: LambdaEvent<serde_json::Value>| async { Ok::<_, Error>(serde_json::json!({"hello": "world"})) },
    )))
}
