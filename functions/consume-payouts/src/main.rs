fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::sqs_main::<consume_payouts::Parts, _, _>(env!("CARGO_PKG_NAME"), consume_payouts::handle)
}
