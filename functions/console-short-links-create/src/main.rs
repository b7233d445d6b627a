fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_short_links_create::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_short_links_create::handle,
    )
}
