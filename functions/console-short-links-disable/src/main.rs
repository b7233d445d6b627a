fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_short_links_disable::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_short_links_disable::handle,
    )
}
