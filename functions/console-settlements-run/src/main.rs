fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_settlements_run::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_settlements_run::handle,
    )
}
