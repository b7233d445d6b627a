fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_group_rating::Parts, _, _>(env!("CARGO_PKG_NAME"), job_group_rating::run)
}
