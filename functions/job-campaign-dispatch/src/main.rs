fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_campaign_dispatch::Parts, _, _>(env!("CARGO_PKG_NAME"), job_campaign_dispatch::run)
}
