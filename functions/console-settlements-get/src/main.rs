fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_settlements_get::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_settlements_get::handle,
    )
}
