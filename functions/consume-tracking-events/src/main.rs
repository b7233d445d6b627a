fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::sqs_main(env!("CARGO_PKG_NAME"), consume_tracking_events::NEEDS, consume_tracking_events::handle)
}
