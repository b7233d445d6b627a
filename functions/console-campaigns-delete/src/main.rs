fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_campaigns_delete::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_campaigns_delete::handle,
    )
}
