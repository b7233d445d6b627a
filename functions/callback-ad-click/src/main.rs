fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<callback_ad_click::Parts, _, _>(env!("CARGO_PKG_NAME"), callback_ad_click::handle)
}
