fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main(env!("CARGO_PKG_NAME"), job_outbox_relay::NEEDS, job_outbox_relay::run)
}
