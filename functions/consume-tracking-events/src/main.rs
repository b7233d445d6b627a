fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::sqs_main::<consume_tracking_events::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        consume_tracking_events::handle,
    )
}
