fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_dau_rollup::Parts, _, _>(env!("CARGO_PKG_NAME"), job_dau_rollup::run)
}
