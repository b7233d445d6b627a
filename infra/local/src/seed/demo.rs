//! The demo `make dev` shows, as data: its operators, the sandbox's demo users and the owners
//! added beside them, a month of the platform's history, the robots and their groups, what the
//! owners sent, and the money. `seed.rs` plays it into a database. Times are relative to when
//! it is seeded (hours or days before it, negative hours after it).

use Ending::{Active, Cancelled, Left, Refused};
use gpet::operators::Role;

/// The console's operators, all with the demo's admin password.
pub const OPERATORS: [(&str, Role); 3] =
    [("admin", Role::Admin), ("yunying", Role::Operator), ("caiwu", Role::Finance)];

/// The sandbox's demo users: 张伟 invited 李娜 and 王芳, 李娜 invited 刘洋 (apprentice, master).
pub const REFERRALS: [(&str, &str); 3] =
    [("o_demo_lina", "o_demo_zhangwei"), ("o_demo_wangfang", "o_demo_zhangwei"), ("o_demo_liuyang", "o_demo_lina")];
pub const REFERRALS_DAYS_AGO: i64 = 20;

/// Demo users with a phone bound, and 张伟 with his identity (name, masked ID number) too.
pub struct Verified {
    pub openid: &'static str,
    pub phone: &'static str,
    pub identity: Option<(&'static str, &'static str)>,
}

pub const VERIFIED: [Verified; 2] = [
    Verified { openid: "o_demo_zhangwei", phone: "13800138000", identity: Some(("张伟", "110105********002X")) },
    Verified { openid: "o_demo_lina", phone: "13900139000", identity: None },
];

/// Owners beside the demo users, joined over the last 30 days: `o_seed_000` (群主001, the
/// newest) to `o_seed_059` (群主060), one every 12 hours, the newest 3 hours ago. Owner n's
/// master is MORE_OWNERS_MASTERS[n % 3] (bound when they joined).
pub const MORE_OWNERS: i64 = 60;
pub const MORE_OWNERS_EVERY_HOURS: i64 = 12;
pub const NEWEST_OWNER_HOURS_AGO: i64 = 3;
pub const MORE_OWNERS_MASTERS: [Option<&str>; 3] = [Some("o_demo_zhangwei"), Some("o_demo_lina"), None];

/// Daily active users, as the rollup stored them: yesterday's first, then each day before.
pub const DAILY_ACTIVE_USERS: [i32; 30] = [
    54, 45, 58, 49, 40, 53, 44, 58, 48, 39, 53, 43, 57, 48, 38, 52, 43, 56, 47, 38, 51, 42, 33, 46, 37, 51, 41, 32, 46,
    36,
];

/// The H5 app's notices, shown from `from_hours_ago` to `until_hours_ago`, made by admin.
pub struct Marquee {
    pub text: &'static str,
    pub from_hours_ago: i64,
    pub until_hours_ago: i64,
}

pub const MARQUEES: [Marquee; 3] = [
    Marquee {
        text: "欢迎来到群宠！邀请好友一起养群，师徒收益天天到账。",
        from_hours_ago: 3 * 24,
        until_hours_ago: -30 * 24,
    },
    Marquee {
        text: "本周六 02:00–04:00 系统升级，期间结算顺延，收益不受影响。",
        from_hours_ago: 1,
        until_hours_ago: -5 * 24,
    },
    Marquee {
        text: "双十二活动预告：活跃群组额外奖励。", from_hours_ago: -10 * 24, until_hours_ago: -17 * 24
    },
];

/// Added by admin in one go.
pub const SENSITIVE_WORDS: [&str; 6] = ["代开发票", "刷单", "赌博", "加微信", "高额返利", "VX"];

/// Made by admin through the domain, then visited this many times.
pub const SHORT_LINKS: [(&str, i64); 2] =
    [("https://example.com/activity/double12", 318), ("https://example.com/help/withdraw", 76)];

/// The distribution strategy: every free place released at 00:00, so that a demo owner can
/// always be offered a robot.
pub const DISTRIBUTION: &str = r#"{"releases": [{"at": "00:00", "share_pct": 100}], "amount": 1, "display_rate": 3}"#;

/// The robots (`wxid_demo_robot_{n}`, platform id `demo-{n}`, n from 1 in this order), added
/// 30 days ago, with two weeks of use: the free places of each day's snapshot and the displays
/// counted (a third of them activated), yesterday's first.
pub struct Robot {
    pub nickname: &'static str,
    pub capacity: i32,
    pub enabled: bool,
    pub free_places: &'static [i32],
    pub displayed: &'static [i32],
}

pub const ROBOTS: [Robot; 5] = [
    Robot {
        nickname: "小宠一号",
        capacity: 200,
        enabled: true,
        free_places: &[156, 152, 148, 144, 140, 136, 132, 128, 124, 120, 116, 112, 108, 104],
        displayed: &[16, 11, 18, 13, 20, 15, 10, 17, 12, 19, 14, 9, 16, 11],
    },
    Robot {
        nickname: "小宠二号",
        capacity: 200,
        enabled: true,
        free_places: &[126, 122, 118, 114, 110, 106, 102, 98, 94, 90, 86, 82, 78, 74],
        displayed: &[19, 14, 9, 16, 11, 18, 13, 20, 15, 10, 17, 12, 19, 14],
    },
    Robot {
        nickname: "小宠三号",
        capacity: 100,
        enabled: true,
        free_places: &[96, 92, 88, 84, 80, 76, 72, 68, 64, 60, 56, 52, 48, 44],
        displayed: &[10, 17, 12, 19, 14, 9, 16, 11, 18, 13, 20, 15, 10, 17],
    },
    Robot { nickname: "备用机器人", capacity: 50, enabled: false, free_places: &[], displayed: &[] },
    Robot {
        nickname: "小宠五号",
        capacity: 100,
        enabled: true,
        free_places: &[99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99],
        displayed: &[3, 5, 2, 4, 6, 3, 5, 2, 4, 6, 3, 5, 2, 4],
    },
];

/// Robot health (issue 16): WeChat banned robot BANNED_ROBOT BANNED_HOURS_AGO; its groups have
/// been out since (no session after the ban, their income protected at their stars before it),
/// and the sandbox keeps it banned. The robots' risk events before that, newest last.
pub const BANNED_ROBOT: usize = 5;
pub const BANNED_HOURS_AGO: i64 = 30;

pub struct RiskEvent {
    pub robot: usize,
    pub kind: &'static str,
    pub detail: Option<&'static str>,
    pub hours_ago: i64,
}

pub const RISK_EVENTS: [RiskEvent; 7] = [
    RiskEvent {
        robot: 3, kind: "quarantined", detail: Some("群主投诉回复过快，人工检查"), hours_ago: 5 * 24
    },
    RiskEvent { robot: 3, kind: "released", detail: None, hours_ago: 5 * 24 - 3 },
    RiskEvent { robot: 5, kind: "restricted", detail: None, hours_ago: 3 * 24 },
    RiskEvent { robot: 5, kind: "online", detail: None, hours_ago: 3 * 24 - 5 },
    RiskEvent {
        robot: 5, kind: "rate_limited", detail: Some("平台风控拒绝发送，暂停 60 秒"), hours_ago: 40
    },
    RiskEvent {
        robot: 1, kind: "rate_limited", detail: Some("平台风控拒绝发送，暂停 60 秒"), hours_ago: 20
    },
    RiskEvent { robot: 5, kind: "banned", detail: None, hours_ago: BANNED_HOURS_AGO },
];

/// How a group's story ended (or not yet): its state, when it left and why.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Active,
    /// Cancelled 2 days ago for too few sessions, quiet for its last 4 days.
    Cancelled,
    /// Left 1 day ago when the launch switch was turned off.
    Left,
    /// Refused when it joined: too few members.
    Refused,
}

impl Ending {
    pub fn state(self) -> &'static str {
        match self {
            Ending::Active => "active",
            Ending::Cancelled => "cancelled",
            Ending::Left => "left",
            Ending::Refused => "refused",
        }
    }

    /// Why it ended, and how many hours ago (None: when it joined).
    pub fn exit(self) -> Option<(&'static str, Option<i64>)> {
        match self {
            Ending::Active => None,
            Ending::Cancelled => Some(("会话不足", Some(2 * 24))),
            Ending::Left => Some(("投放开关已关闭，机器人自动退群", Some(24))),
            Ending::Refused => Some(("群成员不足 20 人（现有 14 人）", None)),
        }
    }
}

/// An owner with groups: paired with a robot as `wxid_{openid}` 20 days ago.
pub struct GroupOwner {
    pub openid: &'static str,
    pub paired_with: usize,
    pub groups: &'static [Group],
}

/// A group of the demo. Groups are numbered from 1 in the order listed here; group n is
/// `{40000000 + n}@chatroom`, and its sessions move around `sessions_a_day` with n and the
/// day (see `seed::sessions`).
pub struct Group {
    pub name: &'static str,
    /// The robot in it (1 to 5).
    pub robot: usize,
    /// Joined this many days and 2 hours ago.
    pub joined_days_ago: i64,
    pub ending: Ending,
    pub members: i32,
    pub sessions_a_day: i32,
}

const fn group(
    name: &'static str,
    robot: usize,
    joined_days_ago: i64,
    ending: Ending,
    members: i32,
    sessions_a_day: i32,
) -> Group {
    Group { name, robot, joined_days_ago, ending, members, sessions_a_day }
}

/// 张伟 and 李娜 with four groups each, 20 of the added owners with one or two.
#[rustfmt::skip]
pub const GROUP_OWNERS: &[GroupOwner] = &[
    //     name, robot, joined days ago, ending, members, sessions a day
    GroupOwner {
        openid: "o_demo_zhangwei",
        paired_with: 1,
        groups: &[
            group("猫咪之家1", 1, 10, Active, 42, 240),
            group("狗狗乐园2", 2, 17, Active, 59, 60),
            group("水族爱好者3", 3, 8, Active, 76, 12),
            group("萌宠日常4", 1, 15, Active, 93, 0),
        ],
    },
    GroupOwner {
        openid: "o_demo_lina",
        paired_with: 2,
        groups: &[
            group("宠物交流5", 2, 6, Active, 110, 0),
            group("猫咪之家6", 3, 13, Active, 127, 620),
            group("狗狗乐园7", 1, 4, Active, 144, 240),
            group("水族爱好者8", 2, 11, Active, 161, 60),
        ],
    },
    GroupOwner {
        openid: "o_seed_000",
        paired_with: 3,
        groups: &[
            group("萌宠日常9", 3, 18, Cancelled, 178, 60),
        ],
    },
    GroupOwner {
        openid: "o_seed_001",
        paired_with: 1,
        groups: &[
            group("宠物交流10", 1, 9, Active, 195, 0),
            group("猫咪之家11", 2, 16, Left, 212, 620),
        ],
    },
    GroupOwner {
        openid: "o_seed_002",
        paired_with: 2,
        groups: &[
            group("狗狗乐园12", 2, 7, Active, 229, 12),
        ],
    },
    GroupOwner {
        openid: "o_seed_003",
        paired_with: 3,
        groups: &[
            group("水族爱好者13", 3, 14, Refused, 14, 620),
            group("萌宠日常14", 1, 5, Active, 263, 240),
        ],
    },
    GroupOwner {
        openid: "o_seed_004",
        paired_with: 1,
        groups: &[
            group("宠物交流15", 1, 12, Active, 280, 0),
        ],
    },
    GroupOwner {
        openid: "o_seed_005",
        paired_with: 2,
        groups: &[
            group("猫咪之家16", 2, 3, Active, 297, 240),
            group("狗狗乐园17", 3, 10, Active, 314, 60),
        ],
    },
    GroupOwner {
        openid: "o_seed_006",
        paired_with: 3,
        groups: &[
            group("水族爱好者18", 3, 17, Cancelled, 31, 620),
        ],
    },
    GroupOwner {
        openid: "o_seed_007",
        paired_with: 1,
        groups: &[
            group("萌宠日常19", 1, 8, Active, 48, 60),
            group("宠物交流20", 2, 15, Active, 65, 12),
        ],
    },
    GroupOwner {
        openid: "o_seed_008",
        paired_with: 2,
        groups: &[
            group("猫咪之家21", 2, 6, Active, 82, 240),
        ],
    },
    GroupOwner {
        openid: "o_seed_009",
        paired_with: 3,
        groups: &[
            group("狗狗乐园22", 3, 13, Left, 99, 12),
            group("水族爱好者23", 1, 4, Active, 116, 0),
        ],
    },
    GroupOwner {
        openid: "o_seed_010",
        paired_with: 1,
        groups: &[
            group("萌宠日常24", 1, 11, Active, 133, 60),
        ],
    },
    GroupOwner {
        openid: "o_seed_011",
        paired_with: 2,
        groups: &[
            group("宠物交流25", 2, 18, Active, 150, 0),
            group("猫咪之家26", 3, 9, Refused, 14, 620),
        ],
    },
    GroupOwner {
        openid: "o_seed_012",
        paired_with: 3,
        groups: &[
            group("狗狗乐园27", 3, 16, Cancelled, 184, 12),
        ],
    },
    GroupOwner {
        openid: "o_seed_013",
        paired_with: 1,
        groups: &[
            group("水族爱好者28", 1, 7, Active, 201, 620),
            group("萌宠日常29", 2, 14, Active, 218, 240),
        ],
    },
    GroupOwner {
        openid: "o_seed_014",
        paired_with: 2,
        groups: &[
            group("宠物交流30", 2, 5, Active, 235, 0),
        ],
    },
    GroupOwner {
        openid: "o_seed_015",
        paired_with: 3,
        groups: &[
            group("猫咪之家31", 3, 12, Active, 252, 240),
            group("狗狗乐园32", 1, 3, Active, 269, 60),
        ],
    },
    GroupOwner {
        openid: "o_seed_016",
        paired_with: 1,
        groups: &[
            group("水族爱好者33", 1, 10, Left, 286, 620),
        ],
    },
    GroupOwner {
        openid: "o_seed_017",
        paired_with: 2,
        groups: &[
            group("萌宠日常34", 2, 17, Active, 303, 60),
            group("宠物交流35", 3, 8, Active, 320, 12),
        ],
    },
    GroupOwner {
        openid: "o_seed_018",
        paired_with: 3,
        groups: &[
            group("猫咪之家36", 3, 15, Cancelled, 37, 240),
        ],
    },
    GroupOwner {
        openid: "o_seed_019",
        paired_with: 1,
        groups: &[
            group("狗狗乐园37", 1, 6, Active, 54, 12),
            group("水族爱好者38", 2, 13, Active, 71, 0),
        ],
    },
    // 张伟's parrot group, on the robot WeChat banned (listed last: the numbers above stay).
    GroupOwner {
        openid: "o_demo_zhangwei",
        paired_with: 1,
        groups: &[
            group("鹦鹉之家", 5, 12, Active, 88, 120),
        ],
    },
];

/// 张伟's keyword replies (keyword, reply).
pub const KEYWORDS_OWNER: &str = "o_demo_zhangwei";
pub const KEYWORDS: [(&str, &str); 2] = [
    ("签到", "签到成功！每天来群里聊聊，群会越来越旺 🐾"),
    ("规则", "本群规则：\n1. 友善交流\n2. 禁止广告\n3. 晒宠欢迎"),
];

/// 张伟's mass messages, to his active groups (the first `groups` of them when given), at
/// the minute `hours_ago` hours ago.
pub struct Broadcast {
    pub content: &'static str,
    pub hours_ago: i64,
    pub groups: Option<usize>,
    /// Sent, 3 seconds apart: one delivery failed (which, its code and reason); else pending.
    pub sent: Option<(usize, i32, &'static str)>,
}

pub const BROADCASTS_OWNER: &str = "o_demo_zhangwei";
pub const BROADCASTS: [Broadcast; 2] = [
    Broadcast {
        content: r#"{"kind": "text", "text": "各位铲屎官晚上好！\n今晚 8 点群里抽奖，送猫粮 3 袋\n\n记得准时来哦"}"#,
        hours_ago: 24,
        groups: None,
        sent: Some((1, 1602, "机器人平台暂时无法访问")),
    },
    Broadcast {
        content: r#"{"kind": "link", "title": "双十二宠物用品特卖", "desc": "全场 5 折起，限时三天", "url": "https://example.com/activity/double12"}"#,
        hours_ago: -24,
        groups: Some(2),
        sent: None,
    },
];

/// Ad campaigns made by admin, starting `hours_ago` hours ago; a done one was sent then to
/// every active group of `min_stars` or more.
pub struct Campaign {
    pub name: &'static str,
    pub content: &'static str,
    pub min_stars: i16,
    pub hours_ago: i64,
    pub done: bool,
}

pub const CAMPAIGNS: [Campaign; 2] = [
    Campaign {
        name: "萌宠体检推广",
        content: r#"{"kind": "miniprogram", "title": "萌宠体检 9.9 元", "appid": "wx0123456789abcdef", "pagepath": "pages/checkup/index"}"#,
        min_stars: 3,
        hours_ago: 2 * 24,
        done: true,
    },
    Campaign {
        name: "冬季驱虫",
        content: r#"{"kind": "text", "text": "【宠物医院】冬季驱虫季，到店立减 30 元"}"#,
        min_stars: 2,
        hours_ago: -24,
        done: false,
    },
];

/// Money: the active groups' ad clicks of the last AD_CLICK_DAYS days and today (see
/// `seed::money`), each of those days settled as the job settles it.
pub const AD_CLICK_DAYS: u64 = 14;

/// Past withdrawals of 张伟 and the first added owners with at least WITHDRAWING_MIN_FEN
/// available after the settlements (WITHDRAWING_OWNERS in all): each a `1/share` of that
/// balance (at most WITHDRAWAL_MAX_FEN), made `days_ago` days ago (a day more for every other
/// owner) at 10:00, 11:00 and 12:00, paid or failed.
pub struct PastWithdrawal {
    pub days_ago: u64,
    pub share: i64,
    pub failed: bool,
}

pub const WITHDRAWING_OWNERS: i64 = 8;
pub const WITHDRAWING_MIN_FEN: i64 = 400;
pub const WITHDRAWAL_MAX_FEN: i64 = 50_000;
pub const PAST_WITHDRAWALS: [PastWithdrawal; 3] = [
    PastWithdrawal { days_ago: 9, share: 4, failed: false },
    PastWithdrawal { days_ago: 5, share: 5, failed: true },
    PastWithdrawal { days_ago: 2, share: 5, failed: false },
];
/// Why the failed ones failed: our result code, WeChat Pay's fail code, the reason shown.
pub const FAILED_PAYOUT: (i32, &str, &str) = (3001, "NAME_NOT_CORRECT", "实名信息与微信实名不一致");

/// Today's withdrawal, through the product to the sandbox's WeChat Pay (waiting for the owner
/// to confirm it): a quarter of what is available (from TODAY_AMOUNT_MIN_FEN to
/// WITHDRAWAL_MAX_FEN), when that is at least TODAY_MIN_FEN.
pub const TODAY_WITHDRAWER: &str = "o_demo_zhangwei";
pub const TODAY_MIN_FEN: i64 = 200;
pub const TODAY_SHARE: i64 = 4;
pub const TODAY_AMOUNT_MIN_FEN: i64 = 100;
