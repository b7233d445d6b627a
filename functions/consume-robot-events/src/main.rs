fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::sqs_main::<consume_robot_events::Parts, _, _>(env!("CARGO_PKG_NAME"), consume_robot_events::handle)
}
