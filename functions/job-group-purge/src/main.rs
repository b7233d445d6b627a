fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_group_purge::Parts, _, _>(env!("CARGO_PKG_NAME"), job_group_purge::run)
}
