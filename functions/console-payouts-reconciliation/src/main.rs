fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_payouts_reconciliation::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_payouts_reconciliation::handle,
    )
}
