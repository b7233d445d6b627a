//! The fund-flow bill (资金账单) as WeChat Pay publishes it: the header line, one line per fund
//! movement, then a summary header and the summary line. Every value of the detail and summary
//! lines starts with a backtick; values are separated by commas.
//!
//! WeChat Pay's samples disagree on the header's parentheses (`收支金额(元)` or `收支金额（元）`),
//! so columns are taken by position (11 of them, in the published order), never by name; the
//! header only has to be an 11-column line starting with 记账时间. A detail line is split on
//! "comma followed by backtick", so that a comma inside a remark does not shift the columns.
//! Amounts are yuan with at most two decimals and are read into fen exactly (no floats). The
//! summary's counts and totals must agree with the lines, or the file is malformed.

use chrono::NaiveDateTime;
use serde::Serialize;

/// The number of columns of a detail line.
const COLUMNS: usize = 11;
/// The number of columns of the summary line.
const SUMMARY_COLUMNS: usize = 5;

/// Which way money moved (收支类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 收入
    Income,
    /// 支出
    Expense,
}

/// One fund movement of the bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFlow {
    /// 记账时间, Beijing time.
    pub time: NaiveDateTime,
    /// 微信支付业务单号.
    pub business_no: String,
    /// 资金流水单号.
    pub flow_no: String,
    /// 业务名称 (企业付款, 退款, 充值/提现, …).
    pub business_name: String,
    /// 业务类型.
    pub business_type: String,
    pub direction: Direction,
    /// 收支金额, in fen.
    pub amount_fen: i64,
    /// 账户结余 after the movement, in fen.
    pub balance_fen: i64,
    /// 资金变更提交申请人 (may be empty).
    pub applicant: String,
    /// 备注 (may be empty).
    pub remark: String,
    /// 业务凭证号: for a transfer, our order number (out_bill_no).
    pub voucher_no: String,
}

/// The summary line: counts and totals of the bill.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FundFlowSummary {
    /// 资金流水总笔数.
    pub flows: u64,
    /// 收入笔数 and 收入金额 (fen).
    pub income_count: u64,
    pub income_fen: i64,
    /// 支出笔数 and 支出金额 (fen).
    pub expense_count: u64,
    pub expense_fen: i64,
}

/// A day's fund-flow bill, downloaded, its SHA-1 checked and its summary agreeing with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFlowBill {
    pub flows: Vec<FundFlow>,
    pub summary: FundFlowSummary,
    /// The SHA-1 of the plain file (lower-case hex), as WeChat Pay announced and we checked.
    pub sha1: String,
}

/// Yuan with at most two decimals (`0.29`, `12`, `-3.5`) as fen, exactly.
pub fn yuan_to_fen(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
        return None;
    }
    if digits.ends_with('.') {
        return None;
    }
    let cents = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse::<i64>().ok()?,
    };
    let fen = whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -fen } else { fen })
}

/// A count of the summary: `3`, or `3.0` as WeChat Pay's own sample writes it.
fn count(text: &str) -> Option<u64> {
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') => whole,
        Some(_) => return None,
        None => text,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// The values of a backtick-prefixed line, each without its backtick.
fn values(line: &str) -> Option<Vec<&str>> {
    let rest = line.strip_prefix('`')?;
    Some(rest.split(",`").collect())
}

/// Reads a plain (decompressed) fund-flow bill; the error says what is wrong, in Chinese, with
/// the line number.
pub fn parse(text: &str) -> Result<(Vec<FundFlow>, FundFlowSummary), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    if lines.len() < 3 {
        return Err(format!("只有 {} 行，应至少有表头、汇总表头与汇总行", lines.len()));
    }
    let (header_no, header) = lines[0];
    let header_fields: Vec<&str> = header.split(',').map(str::trim).collect();
    if header_fields.len() != COLUMNS || header_fields[0] != "记账时间" {
        return Err(format!("第 {header_no} 行不是资金账单的表头（应为以“记账时间”开头的 {COLUMNS} 列）"));
    }
    let (summary_header_no, summary_header) = lines[lines.len() - 2];
    let summary_header_fields: Vec<&str> = summary_header.split(',').map(str::trim).collect();
    if summary_header_fields.len() != SUMMARY_COLUMNS || summary_header_fields[0] != "资金流水总笔数" {
        return Err(format!(
            "第 {summary_header_no} 行不是汇总表头（应为以“资金流水总笔数”开头的 {SUMMARY_COLUMNS} 列）"
        ));
    }
    let mut flows = Vec::with_capacity(lines.len() - 3);
    for &(no, line) in &lines[1..lines.len() - 2] {
        flows.push(flow(line).map_err(|problem| format!("第 {no} 行{problem}"))?);
    }
    let (summary_no, summary_line) = lines[lines.len() - 1];
    let summary = summary(summary_line).map_err(|problem| format!("第 {summary_no} 行（汇总）{problem}"))?;
    check(&flows, &summary)?;
    Ok((flows, summary))
}

fn flow(line: &str) -> Result<FundFlow, String> {
    let fields = values(line).ok_or("的值应以 ` 开头")?;
    if fields.len() != COLUMNS {
        return Err(format!("应有 {COLUMNS} 列，实有 {} 列", fields.len()));
    }
    let time = NaiveDateTime::parse_from_str(fields[0], "%Y-%m-%d %H:%M:%S")
        .map_err(|_| format!("的记账时间“{}”不是 yyyy-MM-dd HH:mm:ss", fields[0]))?;
    let direction = match fields[5] {
        "收入" => Direction::Income,
        "支出" => Direction::Expense,
        other => return Err(format!("的收支类型“{other}”应为收入或支出")),
    };
    let amount_fen = yuan_to_fen(fields[6]).ok_or_else(|| format!("的收支金额“{}”不是两位小数的元", fields[6]))?;
    if amount_fen < 0 {
        return Err(format!("的收支金额“{}”为负数", fields[6]));
    }
    let balance_fen = yuan_to_fen(fields[7]).ok_or_else(|| format!("的账户结余“{}”不是两位小数的元", fields[7]))?;
    Ok(FundFlow {
        time,
        business_no: fields[1].to_owned(),
        flow_no: fields[2].to_owned(),
        business_name: fields[3].to_owned(),
        business_type: fields[4].to_owned(),
        direction,
        amount_fen,
        balance_fen,
        applicant: fields[8].to_owned(),
        remark: fields[9].to_owned(),
        voucher_no: fields[10].to_owned(),
    })
}

fn summary(line: &str) -> Result<FundFlowSummary, String> {
    let fields = values(line).ok_or("的值应以 ` 开头")?;
    if fields.len() != SUMMARY_COLUMNS {
        return Err(format!("应有 {SUMMARY_COLUMNS} 列，实有 {} 列", fields.len()));
    }
    let number = |i: usize, what: &str| count(fields[i]).ok_or_else(|| format!("的{what}“{}”不是整数", fields[i]));
    let money = |i: usize, what: &str| yuan_to_fen(fields[i]).ok_or_else(|| format!("的{what}“{}”不是金额", fields[i]));
    Ok(FundFlowSummary {
        flows: number(0, "资金流水总笔数")?,
        income_count: number(1, "收入笔数")?,
        income_fen: money(2, "收入金额")?,
        expense_count: number(3, "支出笔数")?,
        expense_fen: money(4, "支出金额")?,
    })
}

/// The summary must count and total exactly the lines.
fn check(flows: &[FundFlow], summary: &FundFlowSummary) -> Result<(), String> {
    let mut counted = FundFlowSummary { flows: flows.len() as u64, ..FundFlowSummary::default() };
    for flow in flows {
        match flow.direction {
            Direction::Income => {
                counted.income_count += 1;
                counted.income_fen += flow.amount_fen;
            }
            Direction::Expense => {
                counted.expense_count += 1;
                counted.expense_fen += flow.amount_fen;
            }
        }
    }
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let disagreements: Vec<String> = [
        (summary.flows != counted.flows).then(|| format!("总笔数 {} ≠ 明细 {}", summary.flows, counted.flows)),
        (summary.income_count != counted.income_count)
            .then(|| format!("收入笔数 {} ≠ 明细 {}", summary.income_count, counted.income_count)),
        (summary.income_fen != counted.income_fen)
            .then(|| format!("收入金额 {} ≠ 明细合计 {}", yuan(summary.income_fen), yuan(counted.income_fen))),
        (summary.expense_count != counted.expense_count)
            .then(|| format!("支出笔数 {} ≠ 明细 {}", summary.expense_count, counted.expense_count)),
        (summary.expense_fen != counted.expense_fen)
            .then(|| format!("支出金额 {} ≠ 明细合计 {}", yuan(summary.expense_fen), yuan(counted.expense_fen))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if disagreements.is_empty() {
        Ok(())
    } else {
        Err(format!("汇总与明细不符：{}", disagreements.join("；")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bill as WeChat Pay writes it: backticks, a remark with a comma and a semicolon, CRLF,
    /// a BOM, counts written as `2.0`.
    const FULL_WIDTH: &str = "\u{feff}记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\r\n\
`2026-11-25 10:05:07,`1330000120261125000000000107,`1900000109202611250000000001,`企业付款,`企业付款,`支出,`0.29,`9999.71,`1900000109API,`gpet 群主收益提现,`GW7A1\r\n\
`2026-11-25 11:00:00,`1330000120261125000000000108,`1900000109202611250000000002,`退款,`退款,`支出,`12.30,`9987.41,`system,`退款总金额12.30元,含手续费0.00元;部分,`S20261125110000\r\n\
`2026-11-25 23:59:59,`50300806962026112505978994968,`1900000109202611250000000003,`充值/提现,`充值,`收入,`100,`10087.41,`,`,`\r\n\
资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\r\n\
`3.0,`1.0,`100.00,`2.0,`12.59\r\n";

    #[test]
    fn a_bill_with_full_width_parentheses_reads_by_position() {
        let (flows, summary) = parse(FULL_WIDTH).unwrap();
        assert_eq!(flows.len(), 3);
        let first = &flows[0];
        assert_eq!(first.time.to_string(), "2026-11-25 10:05:07");
        assert_eq!(
            (first.business_no.as_str(), first.flow_no.as_str()),
            ("1330000120261125000000000107", "1900000109202611250000000001")
        );
        assert_eq!((first.business_name.as_str(), first.business_type.as_str()), ("企业付款", "企业付款"));
        assert_eq!((first.direction, first.amount_fen, first.balance_fen), (Direction::Expense, 29, 999_971));
        assert_eq!(
            (first.applicant.as_str(), first.remark.as_str(), first.voucher_no.as_str()),
            ("1900000109API", "gpet 群主收益提现", "GW7A1")
        );
        assert_eq!(flows[1].remark, "退款总金额12.30元,含手续费0.00元;部分", "a comma inside a value stays in it");
        assert_eq!(flows[1].voucher_no, "S20261125110000");
        assert_eq!((flows[2].direction, flows[2].amount_fen), (Direction::Income, 10_000));
        assert_eq!((flows[2].applicant.as_str(), flows[2].voucher_no.as_str()), ("", ""));
        assert_eq!(
            summary,
            FundFlowSummary { flows: 3, income_count: 1, income_fen: 10_000, expense_count: 2, expense_fen: 1_259 }
        );
    }

    #[test]
    fn a_bill_with_ascii_parentheses_and_plain_counts_reads_the_same() {
        let ascii = FULL_WIDTH
            .replace('\u{feff}', "")
            .replace("（元）", "(元)")
            .replace("\r\n", "\n")
            .replace("`3.0,`1.0,`100.00,`2.0,`12.59", "`3,`1,`100.00,`2,`12.59");
        assert!(ascii.contains("收支金额(元),账户结余(元)"));
        assert_eq!(parse(&ascii).unwrap(), parse(FULL_WIDTH).unwrap());
    }

    #[test]
    fn a_bill_without_flows_is_only_its_headers_and_a_zero_summary() {
        let text = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号\n资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\n`0,`0,`0.00,`0,`0.00\n";
        assert_eq!(parse(text).unwrap(), (Vec::new(), FundFlowSummary::default()));
    }

    #[test]
    fn yuan_become_fen_exactly() {
        let cases = [
            ("0.29", Some(29)),
            ("0.1", Some(10)),
            ("1.10", Some(110)),
            ("12", Some(1_200)),
            ("0.07", Some(7)),
            ("-3.5", Some(-350)),
            ("92233720368547758.07", Some(i64::MAX)),
            ("92233720368547758.08", None),
            ("1.005", None),
            ("1.", None),
            (".5", None),
            ("", None),
            ("1,000.00", None),
            ("+1.00", None),
            (" 1.00", None),
            ("1e2", None),
        ];
        for (text, fen) in cases {
            assert_eq!(yuan_to_fen(text), fen, "{text:?}");
        }
        // What floats get wrong (0.29 × 100 is 28.999999999999996 in f64), every cent of a yuan:
        assert!((0..100).all(|c| yuan_to_fen(&format!("0.{c:02}")) == Some(c)));
        assert!((0..100).all(|c| yuan_to_fen(&format!("1234567.{c:02}")) == Some(123_456_700 + c)));
    }

    #[test]
    fn a_summary_that_disagrees_with_the_lines_is_malformed() {
        let cases = [
            ("`3.0,`1.0,`100.00,`2.0,`12.59", "`3.0,`1.0,`100.00,`2.0,`12.60", "支出金额 12.60 ≠ 明细合计 12.59"),
            ("`3.0,`1.0,`100.00,`2.0,`12.59", "`4,`1,`100.00,`2,`12.59", "总笔数 4 ≠ 明细 3"),
            ("`3.0,`1.0,`100.00,`2.0,`12.59", "`3,`2,`100.00,`1,`12.59", "收入笔数 2 ≠ 明细 1"),
            ("`3.0,`1.0,`100.00,`2.0,`12.59", "`3,`1,`99.99,`2,`12.59", "收入金额 99.99 ≠ 明细合计 100.00"),
        ];
        for (from, to, expected) in cases {
            let problem = parse(&FULL_WIDTH.replace(from, to)).unwrap_err();
            assert!(problem.contains("汇总与明细不符") && problem.contains(expected), "{to}: {problem}");
        }
    }

    #[test]
    fn lines_that_are_not_a_fund_flow_bill_are_refused_with_their_number() {
        let cases = [
            (FULL_WIDTH.replace("`支出,`0.29", "`支出,`0.299"), "第 2 行的收支金额“0.299”"),
            (FULL_WIDTH.replace("`支出,`0.29", "`出,`0.29"), "第 2 行的收支类型“出”"),
            (FULL_WIDTH.replace(",`GW7A1", ""), "第 2 行应有 11 列，实有 10 列"),
            (FULL_WIDTH.replace("`2026-11-25 10:05:07", "`2026/11/25 10:05:07"), "第 2 行的记账时间"),
            (FULL_WIDTH.replace("`2026-11-25 10:05:07,`", "2026-11-25 10:05:07,`"), "第 2 行的值应以 ` 开头"),
            (FULL_WIDTH.replace("记账时间,", "时间,"), "第 1 行不是资金账单的表头"),
            (FULL_WIDTH.replace("资金流水总笔数,", "总笔数,"), "第 5 行不是汇总表头"),
            (FULL_WIDTH.replace("`3.0,`1.0", "`3.5,`1.0"), "第 6 行（汇总）的资金流水总笔数“3.5”不是整数"),
            ("<html>系统繁忙</html>".to_owned(), "只有 1 行"),
            (String::new(), "只有 0 行"),
        ];
        for (text, expected) in cases {
            let problem = parse(&text).unwrap_err();
            assert!(problem.contains(expected), "expected {expected:?} in {problem:?}");
        }
    }
}
