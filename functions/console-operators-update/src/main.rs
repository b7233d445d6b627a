fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_operators_update::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_operators_update::handle,
    )
}
