fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_launch_sync::Parts, _, _>(env!("CARGO_PKG_NAME"), job_launch_sync::run)
}
