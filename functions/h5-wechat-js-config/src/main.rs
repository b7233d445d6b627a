fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<h5_wechat_js_config::Parts, _, _>(env!("CARGO_PKG_NAME"), h5_wechat_js_config::handle)
}
