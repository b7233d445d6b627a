fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_ledger_audit::Parts, _, _>(env!("CARGO_PKG_NAME"), job_ledger_audit::run)
}
