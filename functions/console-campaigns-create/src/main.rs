fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_campaigns_create::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_campaigns_create::handle,
    )
}
