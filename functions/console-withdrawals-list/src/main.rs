fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_withdrawals_list::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_withdrawals_list::handle,
    )
}
