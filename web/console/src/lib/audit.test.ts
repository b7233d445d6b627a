import { describe, expect, it } from 'vitest'
import {
  ACTION_OPTIONS,
  actionLabel,
  changeLines,
  detailLines,
  entrySubject,
  fieldLabel,
  formatValue,
  lineText,
  targetText,
} from './audit'

describe('audit log in Chinese', () => {
  it('names actions in Chinese and shows unknown codes as they are', () => {
    expect(actionLabel('login')).toBe('登录')
    expect(actionLabel('settings.update')).toBe('修改设置')
    expect(actionLabel('user.freeze')).toBe('冻结用户')
    expect(actionLabel('something.new')).toBe('something.new')
    expect(ACTION_OPTIONS.find((o) => o.value === 'withdrawal.reject')?.label).toBe('驳回提现')
  })

  it('names fields as the settings page does', () => {
    expect(fieldLabel('master_rate_bp')).toBe('徒弟群收益分成')
    expect(fieldLabel('per_minute')).toBe('每分钟发送上限')
    expect(fieldLabel('min_members')).toBe('最少群成员数')
    expect(fieldLabel('mystery')).toBe('mystery')
  })

  it('shows fen as ¥, basis points as %, switches and roles in words', () => {
    expect(formatValue('withdraw_min_fen', 100)).toBe('¥1.00')
    expect(formatValue('master_rate_bp', 1050)).toBe('10.5%')
    expect(formatValue('star_income_fen', [0, 10, 20])).toBe('¥0.00 / ¥0.10 / ¥0.20')
    expect(formatValue('merchant_low_balance_alert', true)).toBe('开启')
    expect(formatValue('disabled', false)).toBe('否')
    expect(formatValue('role', 'finance')).toBe('财务')
    expect(formatValue('starts_at', '2026-11-26T01:30:00Z')).toBe('2026-11-26 09:30')
    expect(formatValue('reason', '')).toBe('（空）')
    expect(formatValue('releases', [{ at: '00:00', share_pct: 70 }, { at: '12:00', share_pct: 30 }])).toBe(
      '00:00 释放 70% / 12:00 释放 30%',
    )
  })

  it('shows a change as 字段: 旧值 → 新值', () => {
    const lines = detailLines({ before: { master_rate_bp: 1000 }, after: { master_rate_bp: 1500 } })
    expect(lines.map(lineText)).toEqual(['徒弟群收益分成: 10% → 15%'])
  })

  it('shows other details as readable pairs', () => {
    expect(detailLines({ reason: '刷量' }).map(lineText)).toEqual(['原因: 刷量'])
    expect(detailLines({})).toEqual([])
    expect(detailLines(null)).toEqual([])
  })

  it('names the settings section a change was made to', () => {
    expect(targetText('settings.update', 'money')).toBe('资金')
    expect(targetText('settings.update', 'distribution')).toBe('分配策略')
    expect(targetText('user.freeze', '12')).toBe('用户 #12')
    expect(targetText('short_link.disable', 'aB3')).toBe('短链接 aB3')
    expect(targetText('unknown.thing', '7')).toBe('7')
    expect(targetText('login', null)).toBe('—')
  })

  it('lists exactly the fields that change', () => {
    const lines = changeLines(
      { withdraw_min_fen: 100, withdraw_max_fen: 20000, star_thresholds: [1, 2] },
      { withdraw_min_fen: 200, withdraw_max_fen: 20000, star_thresholds: [1, 3] },
    )
    expect(lines.map(lineText)).toEqual(['单笔提现下限: ¥1.00 → ¥2.00', '星级门槛（2–5 星，昨日会话数）: 1 / 2 → 1 / 3'])
  })

  it('names the robots actions, their targets and details', () => {
    expect(actionLabel('robot.quarantine')).toBe('隔离机器人')
    expect(actionLabel('robot.release')).toBe('解除隔离')
    expect(actionLabel('robot.replace_groups')).toBe('为群准备替换机器人')
    expect(ACTION_OPTIONS.some((o) => o.value === 'robot.replace_groups')).toBe(true)
    expect(targetText('robot.quarantine', '12')).toBe('机器人 #12')
    expect(targetText('settings.update', 'robots')).toBe('机器人与发送')
    expect(detailLines({ reason: '疑似被盗号' }).map(lineText)).toEqual(['原因: 疑似被盗号'])
    expect(detailLines({ groups: 5, prepared: 4, without_robot: 1 }).map(lineText)).toEqual([
      '正常群数: 5',
      '已准备替换的群: 4',
      '暂无可用机器人的群: 1',
    ])
  })

  it("names the robots' settings as their form does, with units, apart from the SMS ones", () => {
    expect(entrySubject('settings.update', 'robots')).toBe('robots')
    expect(entrySubject('robot.update', '7')).toBeUndefined()
    const change = {
      before: { send_gap_min_ms: 3000, per_minute: 10, group_daily_cap: 5, protect_days: 3 },
      after: { send_gap_min_ms: 4000, per_minute: 12, group_daily_cap: 6, protect_days: 2 },
    }
    expect(detailLines(change, 'robots').map(lineText)).toEqual([
      '发送间隔最短（毫秒）: 3000 → 4000',
      '每分钟发送上限（条）: 10 → 12',
      '每群每日群发+广告上限（条）: 5 → 6',
      '保障收益：最多保障天数（天）: 3 → 2',
    ])
    expect(changeLines({ silent_after_secs: 180 }, { silent_after_secs: 120 }, 'robots').map(lineText)).toEqual([
      '无心跳判定（秒）: 180 → 120',
    ])
    // The SMS settings keep their names.
    expect(detailLines({ before: { per_minute: 1 }, after: { per_minute: 2 } }, 'sms').map(lineText)).toEqual([
      '每分钟发送上限: 1 → 2',
    ])
    expect(fieldLabel('cooldown_max_secs')).toBe('风控冷却最长（秒）')
    expect(fieldLabel('send_gap_secs')).toBe('机器人发送间隔（秒）')
  })
})
