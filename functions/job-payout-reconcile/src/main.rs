fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_payout_reconcile::Parts, _, _>(env!("CARGO_PKG_NAME"), job_payout_reconcile::run)
}
