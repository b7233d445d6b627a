// 系统设置: SMS code limits, the short-link reuse window and the groups' settings (limits, the
// customer-service reply), changed by admin and operator, with the star thresholds and incomes
// settlement pays by, changed by admin and finance (read-only to an operator); and 资金
// (commission rates, withdrawal limits, payout alerts), changed by admin and finance.
// Each form saves only its own sections (the PUT is partial); the server checks the ranges.
import { useEffect, useState, type FormEvent } from 'react'
import { charCount } from '@gpet/common/content'
import { canFinance, getSettings, putSettings, type MoneySettings, type Settings as AllSettings } from '../api'
import { useAuth } from '../auth'
import { useLoad, useSubmit } from '../components/hooks'
import { Field, LoadError, Loading, NumberInput, PageHead, RangeField, ReadOnlyNote, SaveBar, Switch } from '../components/ui'
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
  settingsToForm,
  starBands,
  thresholdName,
  type MoneyForm,
  type SettingsForm,
} from '../lib/settings'
import { fenToYuan } from '../lib/money'

const GROUPS = [...new Set(SETTING_FIELDS.map((f) => f.group))]

export default function Settings() {
  const { data, error, loading, reload, setData } = useLoad(getSettings, [])
  return (
    <>
      <PageHead title="系统设置" hint="修改后立即生效" />
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && <ContentSettings data={data} onSaved={setData} />}
      {data?.money && <MoneySettingsForm money={data.money} onSaved={setData} />}
    </>
  )
}

/**
 * A form of some sections of the settings, with its sending (useSubmit): its values as `toForm`
 * makes them of what was loaded, made again when `saved` (those sections, as JSON) change on the
 * server; `reset` puts them back.
 */
function useSectionForm<F>(toForm: () => F, saved: string) {
  const [form, setForm] = useState<F>(toForm)
  useEffect(() => {
    setForm(toForm())
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saved])
  const sending = useSubmit()
  const reset = () => {
    setForm(toForm())
    sending.setProblem('')
  }
  return { form, setForm, reset, ...sending }
}

/** The content sections: SMS, short links, groups (admin and operator; the stars admin and finance). */
function ContentSettings({ data, onSaved }: { data: AllSettings; onSaved: (settings: AllSettings) => void }) {
  const { operator } = useAuth()
  const access = contentAccess(operator?.role)
  const writable = access.content || access.stars
  // Put back when these sections change on the server, not when the money form saves.
  const { form, setForm, reset, problem, setProblem, busy, submit } = useSectionForm(
    () => settingsToForm(data),
    JSON.stringify([data.sms, data.short_links, data.groups]),
  )

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const parsed = formToSettings(form, data)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    // A refusal (1403) names the field out of range.
    await submit(() => putSettings(parsed.settings), { done: '设置已保存', then: onSaved })
  }

  return (
    <form className="card form-card" onSubmit={onSubmit} noValidate data-testid="settings-form">
      {!writable && <ReadOnlyNote />}
      {GROUPS.map((group) => (
        <fieldset key={group} className="form-group">
          <legend>{GROUP_LABELS[group]}</legend>
          <div className="settings-grid">
            {SETTING_FIELDS.filter((f) => f.group === group).map((f) => (
              <Field key={fieldName(f)} label={f.label} unit={f.unit} hint={f.hint}>
                <NumberInput
                  min={0}
                  value={form[fieldName(f)] ?? ''}
                  disabled={!access.content || busy}
                  testId={`settings-${f.group}-${f.key}`}
                  onChange={(value) => setForm((prev) => ({ ...prev, [fieldName(f)]: value }))}
                />
              </Field>
            ))}
          </div>
        </fieldset>
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
      <SaveBar problem={problem} busy={busy} writable={writable} onReset={reset} testId="settings" />
    </form>
  )
}

/** 资金: the commission rates in percent (sent as basis points), the withdrawal limits in yuan (sent as fen), the alerts (admin and finance). */
function MoneySettingsForm({ money, onSaved }: { money: MoneySettings; onSaved: (settings: AllSettings) => void }) {
  const { operator } = useAuth()
  const writable = canFinance(operator?.role)
  const { form, setForm, reset, problem, setProblem, busy, submit } = useSectionForm(
    () => moneyToForm(money),
    JSON.stringify(money),
  )
  const disabled = !writable || busy
  const set = (patch: Partial<MoneyForm>) => setForm((prev) => ({ ...prev, ...patch }))

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const parsed = formToMoney(form, money)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    await submit(() => putSettings({ money: parsed.money }), { done: '资金设置已保存', then: onSaved })
  }

  const yuanRange = `${fenToYuan(MIN_WITHDRAW_FEN)}–${fenToYuan(MAX_WITHDRAW_FEN)} 元`
  // The rates in percent and the limits in yuan, to two decimals.
  const decimals: Array<{
    key: Exclude<keyof MoneyForm, 'merchant_low_balance_alert'>
    label: string
    unit: string
    hint: string
    max?: number
  }> = [
    ...RATE_FIELDS.map((f) => ({
      ...f,
      unit: '%',
      hint: `${f.hint}（0–${MAX_RATE_BP / 100}%，最多两位小数）`,
      max: MAX_RATE_BP / 100,
    })),
    { key: 'withdraw_min', label: '单笔提现下限', unit: '元', hint: `用户每次至少提现的金额（${yuanRange}）` },
    { key: 'withdraw_max', label: '单笔提现上限', unit: '元', hint: `用户每次最多提现的金额，不低于下限（${yuanRange}）` },
  ]
  return (
    <form className="card form-card" onSubmit={onSubmit} noValidate data-testid="settings-money-form">
      {!writable && <ReadOnlyNote />}
      <fieldset className="form-group" data-testid="settings-money">
        <legend>{GROUP_LABELS.money}</legend>
        <div className="settings-grid">
          {decimals.map((f) => (
            <Field key={f.key} label={f.label} unit={f.unit} hint={f.hint}>
              <NumberInput
                min={0}
                max={f.max}
                step="0.01"
                value={form[f.key]}
                disabled={disabled}
                testId={`settings-money-${f.key}`}
                onChange={(value) => set({ [f.key]: value })}
              />
            </Field>
          ))}
          <RangeField
            label="连续打款失败告警"
            unit="次"
            hint="连续这么多笔打款失败时发送告警邮件"
            min={MIN_ALERT_AFTER}
            max={MAX_ALERT_AFTER}
            value={form.payout_fail_alert_after}
            disabled={disabled}
            testId="settings-money-payout_fail_alert_after"
            onChange={(payout_fail_alert_after) => set({ payout_fail_alert_after })}
          />
          <div className="field">
            <span>商户余额不足告警</span>
            <div className="switch-line">
              <Switch
                checked={form.merchant_low_balance_alert}
                disabled={disabled}
                onChange={(merchant_low_balance_alert) => set({ merchant_low_balance_alert })}
                label={form.merchant_low_balance_alert ? '开启' : '关闭'}
                testId="settings-money-merchant_low_balance_alert"
              />
            </div>
            <small className="muted field-hint">微信支付商户运营账户余额不足导致打款失败时发送告警邮件</small>
          </div>
        </div>
      </fieldset>
      <SaveBar problem={problem} busy={busy} writable={writable} onReset={reset} testId="settings-money" />
    </form>
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
  const star = (key: string, testId: string, props: { min: number; max?: number; step?: number | string }) => (
    <NumberInput
      {...props}
      value={form[key] ?? ''}
      disabled={starsDisabled}
      testId={testId}
      onChange={(value) => onChange(key, value)}
    />
  )
  return (
    <fieldset className="form-group" data-testid="settings-groups">
      <legend>{GROUP_LABELS.groups}</legend>
      <div className="field">
        <span>星级门槛（昨日会话数）</span>
        <div className="stars-grid stars-grid-4">
          {thresholds.map((_, i) => (
            <Field key={i} label={`${i + 2} 星起`} unit="条">
              {star(thresholdName(i), `settings-groups-star_thresholds-${i}`, { min: 1 })}
            </Field>
          ))}
        </div>
        <small className="muted field-hint" data-testid="settings-star-bands">
          {bands.length ? bands.join('，') : '门槛须为递增的正整数'}
        </small>
      </div>
      <div className="field">
        <span>各星级日收益</span>
        <div className="stars-grid stars-grid-5">
          {Array.from({ length: STAR_LEVELS }, (_, i) => (
            <Field key={i} label={`${i + 1} 星`} unit="元">
              {star(incomeName(i), `settings-groups-star_income-${i}`, { min: 0, step: '0.01' })}
            </Field>
          ))}
        </div>
        <small className="muted field-hint">每个群按前一天的星级获得当天收益，单位元，最多两位小数</small>
        {starsNote && (
          <small className="muted field-hint" data-testid="settings-stars-readonly">
            星级门槛与日收益决定结算金额，只有财务或管理员可以修改
          </small>
        )}
      </div>
      <div className="settings-grid">
        {GROUP_NUMBER_FIELDS.map((f) => (
          <RangeField
            key={f.key}
            label={f.label}
            unit={f.unit}
            hint={f.hint}
            min={f.min}
            max={f.max}
            value={form[groupFieldName(f.key)] ?? ''}
            disabled={disabled}
            testId={`settings-groups-${f.key}`}
            onChange={(value) => onChange(groupFieldName(f.key), value)}
          />
        ))}
      </div>
      <Field
        label="客服话术"
        hint={`群主私聊机器人（非配对码）时的自动回复；${charCount(reply.trim())} / ${MAX_REPLY_CHARS}`}
      >
        <textarea
          rows={3}
          value={reply}
          disabled={disabled}
          data-testid="settings-groups-customer_service_reply"
          onChange={(e) => onChange(groupFieldName('customer_service_reply'), e.target.value)}
        />
      </Field>
    </fieldset>
  )
}
