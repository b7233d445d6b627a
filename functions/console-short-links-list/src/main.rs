fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_short_links_list::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_short_links_list::handle,
    )
}
