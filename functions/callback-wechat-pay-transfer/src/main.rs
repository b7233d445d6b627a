fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<callback_wechat_pay_transfer::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        callback_wechat_pay_transfer::handle,
    )
}
