fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_distribution_get::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_distribution_get::handle,
    )
}
