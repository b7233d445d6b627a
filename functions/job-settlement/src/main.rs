fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_settlement::Parts, _, _>(env!("CARGO_PKG_NAME"), job_settlement::run)
}
