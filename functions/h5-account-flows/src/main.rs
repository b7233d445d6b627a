fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<h5_account_flows::Parts, _, _>(env!("CARGO_PKG_NAME"), h5_account_flows::handle)
}
