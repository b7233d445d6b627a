fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main(env!("CARGO_PKG_NAME"), h5_auth_wechat_authorize::NEEDS, h5_auth_wechat_authorize::handle)
}
