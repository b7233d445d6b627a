fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_broadcast_dispatch::Parts, _, _>(env!("CARGO_PKG_NAME"), job_broadcast_dispatch::run)
}
