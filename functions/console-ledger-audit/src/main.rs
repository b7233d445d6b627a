fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_ledger_audit::Parts, _, _>(env!("CARGO_PKG_NAME"), console_ledger_audit::handle)
}
