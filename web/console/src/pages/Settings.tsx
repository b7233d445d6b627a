// 系统设置: SMS code limits, the short-link reuse window and the groups' settings (star
// thresholds and incomes, limits, the customer-service reply); the server checks the ranges.
import { useEffect, useState, type FormEvent } from 'react'
import { charCount } from '@gpet/common/content'
import { canWrite, getSettings, putSettings } from '../api'
import { useAuth } from '../auth'
import { useLoad, useSubmit } from '../components/hooks'
import { Field, LoadError, Loading, PageHead, SaveBar } from '../components/ui'
import {
  GROUP_LABELS,
  GROUP_NUMBER_FIELDS,
  MAX_REPLY_CHARS,
  SETTING_FIELDS,
  STAR_LEVELS,
  THRESHOLD_COUNT,
  fieldName,
  formToSettings,
  groupFieldName,
  incomeName,
  settingsToForm,
  starBands,
  thresholdName,
  type SettingsForm,
} from '../lib/settings'

const GROUPS = [...new Set(SETTING_FIELDS.map((f) => f.group))]

export default function Settings() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const { data, error, loading, reload, setData } = useLoad(getSettings, [])
  const [form, setForm] = useState<SettingsForm>({})
  const { problem, setProblem, busy, submit } = useSubmit()

  useEffect(() => {
    if (data) setForm(settingsToForm(data))
  }, [data])

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    if (!data) return
    const parsed = formToSettings(form, data)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    // A refusal (1403) names the field out of range.
    await submit(() => putSettings(parsed.settings), { done: '设置已保存', then: setData })
  }

  return (
    <>
      <PageHead title="系统设置" hint="修改后立即生效" writable={writable} />
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && (
        <form className="card form-card" onSubmit={onSubmit} noValidate data-testid="settings-form">
          {GROUPS.map((group) => (
            <fieldset key={group} className="form-group">
              <legend>{GROUP_LABELS[group]}</legend>
              <div className="settings-grid">
                {SETTING_FIELDS.filter((f) => f.group === group).map((f) => (
                  <Field key={fieldName(f)} label={f.label} unit={f.unit} hint={f.hint}>
                    <input
                      type="number"
                      min={0}
                      step={1}
                      inputMode="numeric"
                      value={form[fieldName(f)] ?? ''}
                      disabled={!writable || busy}
                      data-testid={`settings-${f.group}-${f.key}`}
                      onChange={(e) => setForm((prev) => ({ ...prev, [fieldName(f)]: e.target.value }))}
                    />
                  </Field>
                ))}
              </div>
            </fieldset>
          ))}
          {data.groups && (
            <GroupSettingsFields
              form={form}
              disabled={!writable || busy}
              onChange={(key, value) => setForm((prev) => ({ ...prev, [key]: value }))}
            />
          )}
          <SaveBar
            problem={problem}
            busy={busy}
            writable={writable}
            onReset={() => {
              setForm(settingsToForm(data))
              setProblem('')
            }}
            testId="settings"
          />
        </form>
      )}
    </>
  )
}

/** The groups' settings: star thresholds and incomes, limits and the customer-service reply. */
function GroupSettingsFields({
  form,
  disabled,
  onChange,
}: {
  form: SettingsForm
  disabled: boolean
  onChange: (key: string, value: string) => void
}) {
  const thresholds = Array.from({ length: THRESHOLD_COUNT }, (_, i) => form[thresholdName(i)] ?? '')
  const bands = starBands(thresholds)
  const reply = form[groupFieldName('customer_service_reply')] ?? ''
  const number = (key: string, testId: string, props: { min: number; max?: number; step?: number | string }) => (
    <input
      type="number"
      inputMode={props.step === undefined ? 'numeric' : 'decimal'}
      min={props.min}
      max={props.max}
      step={props.step ?? 1}
      value={form[key] ?? ''}
      disabled={disabled}
      data-testid={testId}
      onChange={(e) => onChange(key, e.target.value)}
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
              {number(thresholdName(i), `settings-groups-star_thresholds-${i}`, { min: 1 })}
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
              {number(incomeName(i), `settings-groups-star_income-${i}`, { min: 0, step: '0.01' })}
            </Field>
          ))}
        </div>
        <small className="muted field-hint">每个群按前一天的星级获得当天收益，单位元，最多两位小数</small>
      </div>
      <div className="settings-grid">
        {GROUP_NUMBER_FIELDS.map((f) => (
          <Field key={f.key} label={f.label} unit={f.unit} hint={`${f.hint}（${f.min}–${f.max}）`}>
            {number(groupFieldName(f.key), `settings-groups-${f.key}`, { min: f.min, max: f.max })}
          </Field>
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
