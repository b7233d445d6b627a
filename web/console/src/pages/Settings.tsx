// 系统设置: SMS code limits, the short-link reuse window, the groups' settings (limits, the
// customer-service reply) and the robots' (the send governor, health), changed by admin and
// operator, with the star thresholds and incomes and the robots' income protection settlement
// pays by, changed by admin and finance (read-only to an operator); and 资金
// (commission rates, withdrawal limits, payout alerts), changed by admin and finance.
// Each form saves only its own sections (the PUT is partial) after a confirmation listing exactly
// what changes (旧值 → 新值); leaving with unsaved edits asks first.
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { App, Card, Col, Form, Input, Row, Switch, Typography } from 'antd'
import { charCount } from '@gpet/common/content'
import {
  canFinance,
  getSettings,
  putSettings,
  type MoneySettings,
  type Settings as AllSettings,
  type SettingsChange,
} from '../api'
import { useAuth } from '../auth'
import { Field, NumberField, ReadOnly, SaveBar } from '../components/form'
import { useLoad, useSubmit } from '../components/hooks'
import LeaveGuard from '../components/LeaveGuard'
import { LoadState } from '../components/LoadState'
import { changeLines, type DetailLine } from '../lib/audit'
import { fenToYuan } from '../lib/money'
import {
  GROUP_LABELS,
  GROUP_NUMBER_FIELDS,
  MAX_ALERT_AFTER,
  MAX_RATE_BP,
  MAX_REPLY_CHARS,
  MAX_WITHDRAW_FEN,
  MIN_ALERT_AFTER,
  MIN_WITHDRAW_FEN,
  RATE_FIELDS,
  ROBOT_FIELDS,
  SETTING_FIELDS,
  STAR_LEVELS,
  THRESHOLD_COUNT,
  contentAccess,
  fieldName,
  formToMoney,
  formToSettings,
  groupFieldName,
  incomeName,
  moneyToForm,
  robotFieldName,
  settingsToForm,
  starBands,
  thresholdName,
  type MoneyForm,
  type SettingsForm,
} from '../lib/settings'

const GROUPS = [...new Set(SETTING_FIELDS.map((f) => f.group))]

type Section = keyof AllSettings
interface Change extends DetailLine {
  section: Section
}

export default function Settings() {
  const { data, error, loading, reload, setData } = useLoad(getSettings, [])
  const [dirty, setDirty] = useState({ content: false, money: false })
  const onContentDirty = useCallback((content: boolean) => setDirty((d) => ({ ...d, content })), [])
  const onMoneyDirty = useCallback((money: boolean) => setDirty((d) => ({ ...d, money })), [])
  return (
    <>
      <div className="page-head">
        <div>
          <h1>系统设置</h1>
          <p className="muted">保存前会列出将要修改的内容供确认；保存后立即生效</p>
        </div>
      </div>
      <LeaveGuard dirty={dirty.content || dirty.money} what="设置修改" />
      {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
      {data && <ContentSettings data={data} onSaved={setData} onDirty={onContentDirty} />}
      {data?.money && <MoneySettingsForm money={data.money} onSaved={setData} onDirty={onMoneyDirty} />}
    </>
  )
}

/** Asks to confirm `changes` (or says there are none); `save` once confirmed. */
function useConfirmChanges() {
  const { modal, message } = App.useApp()
  return (changes: Change[], title: string, save: () => Promise<void>) => {
    if (changes.length === 0) {
      message.info({ content: <span data-testid="settings-nothing">没有需要保存的修改</span> })
      return
    }
    modal.confirm({
      title,
      width: 560,
      okText: '确认保存',
      cancelText: '再想想',
      okButtonProps: { 'data-testid': 'settings-confirm-ok' },
      cancelButtonProps: { 'data-testid': 'settings-confirm-cancel' },
      content: (
        <div data-testid="settings-confirm">
          <p>将修改以下 {changes.length} 项，保存后立即生效：</p>
          <ul className="change-list" data-testid="settings-changes">
            {changes.map((c) => (
              <li key={`${c.section}.${c.key}`} data-testid="settings-change">
                <Typography.Text type="secondary">{GROUP_LABELS[c.section]} · </Typography.Text>
                {c.label}：<Typography.Text delete>{c.before}</Typography.Text> → <Typography.Text strong>{c.after}</Typography.Text>
              </li>
            ))}
          </ul>
        </div>
      ),
      onOk: save,
    })
  }
}

const sectionChanges = (sections: Section[], before: AllSettings, after: SettingsChange): Change[] =>
  sections.flatMap((section) =>
    after[section as keyof SettingsChange] === undefined
      ? []
      : changeLines(before[section] as object, after[section as keyof SettingsChange] as object, section).map(
          (line) => ({ ...line, section }),
        ),
  )

/**
 * A form of some sections of the settings, with its sending (useSubmit): its values as `toForm`
 * makes them of what was loaded, made again when `saved` (those sections, as JSON) change on the
 * server; `reset` puts them back; `dirty` while they differ (told to `onDirty`).
 */
function useSectionForm<F>(toForm: () => F, saved: string, onDirty: (dirty: boolean) => void) {
  const [form, setForm] = useState<F>(toForm)
  useEffect(() => {
    setForm(toForm())
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saved])
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const dirty = JSON.stringify(form) !== JSON.stringify(toForm())
  useEffect(() => onDirty(dirty), [dirty, onDirty])
  const sending = useSubmit()
  const reset = () => {
    setForm(toForm())
    sending.setProblem('')
  }
  return { form, setForm, reset, dirty, ...sending }
}

/**
 * The content sections: SMS, short links, groups, robots (admin and operator; the stars and the
 * robots' protection admin and finance).
 */
function ContentSettings({
  data,
  onSaved,
  onDirty,
}: {
  data: AllSettings
  onSaved: (settings: AllSettings) => void
  onDirty: (dirty: boolean) => void
}) {
  const { operator } = useAuth()
  const access = contentAccess(operator?.role)
  const writable = access.content || access.stars
  const confirm = useConfirmChanges()
  // Put back when these sections change on the server, not when the money form saves.
  const { form, setForm, reset, dirty, problem, setProblem, busy, submit } = useSectionForm(
    () => settingsToForm(data),
    JSON.stringify([data.sms, data.short_links, data.groups, data.robots]),
    onDirty,
  )

  const onSubmit = () => {
    const parsed = formToSettings(form, data)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    const changes = sectionChanges(['sms', 'short_links', 'groups', 'robots'], data, parsed.settings)
    confirm(changes, '确认修改系统设置', () =>
      submit(() => putSettings(parsed.settings), { done: '设置已保存', then: onSaved }),
    )
  }

  return (
    <Form layout="vertical" onFinish={onSubmit} data-testid="settings-form" className="settings-form">
      {!writable && <ReadOnly />}
      {GROUPS.map((group) => (
        <Card key={group} title={GROUP_LABELS[group]} size="small" style={{ marginBottom: 16 }}>
          <Row gutter={24}>
            {SETTING_FIELDS.filter((f) => f.group === group).map((f) => (
              <Col key={fieldName(f)} xs={24} md={12} xl={8}>
                <Field label={f.label} hint={f.hint}>
                  <NumberField
                    unit={f.unit}
                    label={f.label}
                    value={form[fieldName(f)] ?? ''}
                    disabled={!access.content || busy}
                    testId={`settings-${f.group}-${f.key}`}
                    onChange={(value) => setForm((prev) => ({ ...prev, [fieldName(f)]: value }))}
                  />
                </Field>
              </Col>
            ))}
          </Row>
        </Card>
      ))}
      {data.groups && (
        <GroupSettingsFields
          form={form}
          disabled={!access.content || busy}
          starsDisabled={!access.stars || busy}
          starsNote={writable && !access.stars}
          onChange={(key, value) => setForm((prev) => ({ ...prev, [key]: value }))}
        />
      )}
      {data.robots && (
        <RobotSettingsFields
          form={form}
          disabled={!access.content || busy}
          moneyDisabled={!access.stars || busy}
          moneyNote={writable && !access.stars}
          onChange={(key, value) => setForm((prev) => ({ ...prev, [key]: value }))}
        />
      )}
      <div className="save-bar">
        <SaveBar problem={problem} busy={busy} writable={writable} dirty={dirty} onReset={reset} testId="settings" />
      </div>
    </Form>
  )
}

/** 资金: the commission rates in percent (sent as basis points), the withdrawal limits in yuan (sent as fen), the alerts (admin and finance). */
function MoneySettingsForm({
  money,
  onSaved,
  onDirty,
}: {
  money: MoneySettings
  onSaved: (settings: AllSettings) => void
  onDirty: (dirty: boolean) => void
}) {
  const { operator } = useAuth()
  const writable = canFinance(operator?.role)
  const confirm = useConfirmChanges()
  const { form, setForm, reset, dirty, problem, setProblem, busy, submit } = useSectionForm(
    () => moneyToForm(money),
    JSON.stringify(money),
    onDirty,
  )
  const disabled = !writable || busy
  const set = (patch: Partial<MoneyForm>) => setForm((prev) => ({ ...prev, ...patch }))

  const onSubmit = () => {
    const parsed = formToMoney(form, money)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    const changes = changeLines(money, parsed.money).map((line) => ({ ...line, section: 'money' as const }))
    confirm(changes, '确认修改资金设置', () =>
      submit(() => putSettings({ money: parsed.money }), { done: '资金设置已保存', then: onSaved }),
    )
  }

  const yuanRange = `${fenToYuan(MIN_WITHDRAW_FEN)}–${fenToYuan(MAX_WITHDRAW_FEN)} 元`
  // The rates in percent and the limits in yuan, to two decimals.
  const decimals: Array<{
    key: Exclude<keyof MoneyForm, 'merchant_low_balance_alert'>
    label: string
    unit: string
    hint: string
  }> = [
    ...RATE_FIELDS.map((f) => ({ ...f, unit: '%', hint: `${f.hint}（0–${MAX_RATE_BP / 100}%，最多两位小数）` })),
    { key: 'withdraw_min', label: '单笔提现下限', unit: '元', hint: `用户每次至少提现的金额（${yuanRange}）` },
    { key: 'withdraw_max', label: '单笔提现上限', unit: '元', hint: `用户每次最多提现的金额，不低于下限（${yuanRange}）` },
  ]
  return (
    <Form layout="vertical" onFinish={onSubmit} data-testid="settings-money-form" className="settings-form">
      <Card title={GROUP_LABELS.money} size="small" style={{ marginBottom: 16 }} data-testid="settings-money">
        {!writable && <ReadOnly text="资金设置只有财务或管理员可以修改" />}
        <Row gutter={24}>
          {decimals.map((f) => (
            <Col key={f.key} xs={24} md={12} xl={8}>
              <Field label={f.label} hint={f.hint}>
                <NumberField
                  decimal
                  unit={f.unit}
                  label={f.label}
                  value={form[f.key]}
                  disabled={disabled}
                  testId={`settings-money-${f.key}`}
                  onChange={(value) => set({ [f.key]: value })}
                />
              </Field>
            </Col>
          ))}
          <Col xs={24} md={12} xl={8}>
            <Field label="连续打款失败告警" hint={`连续这么多笔打款失败时发送告警邮件（${MIN_ALERT_AFTER}–${MAX_ALERT_AFTER}）`}>
              <NumberField
                unit="次"
                label="连续打款失败告警"
                value={form.payout_fail_alert_after}
                disabled={disabled}
                testId="settings-money-payout_fail_alert_after"
                onChange={(payout_fail_alert_after) => set({ payout_fail_alert_after })}
              />
            </Field>
          </Col>
          <Col xs={24} md={12} xl={8}>
            <Field label="商户余额不足告警" hint="微信支付商户运营账户余额不足导致打款失败时发送告警邮件">
              <Switch
                checked={form.merchant_low_balance_alert}
                disabled={disabled}
                checkedChildren="开启"
                unCheckedChildren="关闭"
                aria-label="商户余额不足告警"
                data-testid="settings-money-merchant_low_balance_alert"
                onChange={(merchant_low_balance_alert) => set({ merchant_low_balance_alert })}
              />
            </Field>
          </Col>
        </Row>
        <SaveBar problem={problem} busy={busy} writable={writable} dirty={dirty} onReset={reset} testId="settings-money" />
      </Card>
    </Form>
  )
}

/**
 * The groups' settings: star thresholds and incomes (`starsDisabled`: settlement pays by them,
 * `starsNote` says who changes them), limits and the customer-service reply.
 */
function GroupSettingsFields({
  form,
  disabled,
  starsDisabled,
  starsNote,
  onChange,
}: {
  form: SettingsForm
  disabled: boolean
  starsDisabled: boolean
  starsNote: boolean
  onChange: (key: string, value: string) => void
}) {
  const thresholds = Array.from({ length: THRESHOLD_COUNT }, (_, i) => form[thresholdName(i)] ?? '')
  const bands = starBands(thresholds)
  const reply = form[groupFieldName('customer_service_reply')] ?? ''
  const star = (key: string, testId: string, label: string, unit: string, decimal = false): ReactNode => (
    <NumberField
      decimal={decimal}
      unit={unit}
      label={label}
      value={form[key] ?? ''}
      disabled={starsDisabled}
      testId={testId}
      onChange={(value) => onChange(key, value)}
    />
  )
  return (
    <Card title={GROUP_LABELS.groups} size="small" style={{ marginBottom: 16 }} data-testid="settings-groups">
      <Field
        label="星级门槛（昨日会话数）"
        hint={<span data-testid="settings-star-bands">{bands.length ? bands.join('，') : '门槛须为递增的正整数'}</span>}
      >
        <Row gutter={12}>
          {thresholds.map((_, i) => (
            <Col key={i} xs={12} md={6}>
              <div className="muted small">{i + 2} 星起</div>
              {star(thresholdName(i), `settings-groups-star_thresholds-${i}`, `${i + 2} 星门槛`, '条')}
            </Col>
          ))}
        </Row>
      </Field>
      <Field
        label="各星级日收益"
        hint={
          <>
            每个群按前一天的星级获得当天收益，单位元，最多两位小数
            {starsNote && (
              <div data-testid="settings-stars-readonly">星级门槛与日收益决定结算金额，只有财务或管理员可以修改</div>
            )}
          </>
        }
      >
        <Row gutter={12}>
          {Array.from({ length: STAR_LEVELS }, (_, i) => (
            <Col key={i} xs={12} md={4}>
              <div className="muted small">{i + 1} 星</div>
              {star(incomeName(i), `settings-groups-star_income-${i}`, `${i + 1} 星日收益`, '元', true)}
            </Col>
          ))}
        </Row>
      </Field>
      <Row gutter={24}>
        {GROUP_NUMBER_FIELDS.map((f) => (
          <Col key={f.key} xs={24} md={12} xl={6}>
            <Field label={f.label} hint={`${f.hint}（${f.min}–${f.max}）`}>
              <NumberField
                unit={f.unit}
                label={f.label}
                value={form[groupFieldName(f.key)] ?? ''}
                disabled={disabled}
                testId={`settings-groups-${f.key}`}
                onChange={(value) => onChange(groupFieldName(f.key), value)}
              />
            </Field>
          </Col>
        ))}
      </Row>
      <Field
        label="客服话术"
        hint={`群主私聊机器人（非配对码）时的自动回复；${charCount(reply.trim())} / ${MAX_REPLY_CHARS}`}
      >
        <Input.TextArea
          rows={3}
          value={reply}
          disabled={disabled}
          aria-label="客服话术"
          data-testid="settings-groups-customer_service_reply"
          onChange={(e) => onChange(groupFieldName('customer_service_reply'), e.target.value)}
        />
      </Field>
    </Card>
  )
}

/**
 * 机器人与发送: the send governor, how health is judged and alerted, and the income protection
 * during an outage (`moneyDisabled`: settlement pays by it; `moneyNote` says who changes it).
 */
function RobotSettingsFields({
  form,
  disabled,
  moneyDisabled,
  moneyNote,
  onChange,
}: {
  form: SettingsForm
  disabled: boolean
  moneyDisabled: boolean
  moneyNote: boolean
  onChange: (key: string, value: string) => void
}) {
  return (
    <Card title={GROUP_LABELS.robots} size="small" style={{ marginBottom: 16 }} data-testid="settings-robots">
      <Row gutter={24}>
        {ROBOT_FIELDS.map((f) => (
          <Col key={f.key} xs={24} md={12} xl={8}>
            <Field label={f.label} hint={`${f.hint}（${f.min}–${f.max}）`}>
              <NumberField
                unit={f.unit}
                label={f.label}
                value={form[robotFieldName(f.key)] ?? ''}
                disabled={f.money ? moneyDisabled : disabled}
                testId={`settings-robots-${f.key}`}
                onChange={(value) => onChange(robotFieldName(f.key), value)}
              />
            </Field>
          </Col>
        ))}
      </Row>
      {moneyNote && (
        <Typography.Text type="secondary" data-testid="settings-robots-money-readonly">
          保障收益决定结算金额，只有财务或管理员可以修改
        </Typography.Text>
      )}
    </Card>
  )
}
