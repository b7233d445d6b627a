// 系统设置: SMS code limits and the short-link reuse window; the server checks the ranges.
import { useEffect, useState, type FormEvent } from 'react'
import { canWrite, getSettings, putSettings, type ApiError, type Settings as AllSettings } from '../api'
import { useAuth } from '../auth'
import { useLoad } from '../components/hooks'
import { useToast } from '../components/toast'
import { Field, LoadError, Loading, PageHead, ReadOnlyNote } from '../components/ui'
import {
  GROUP_LABELS,
  SETTING_FIELDS,
  fieldName,
  formToSettings,
  settingsToForm,
  type SettingsForm,
} from '../lib/settings'

const GROUPS = [...new Set(SETTING_FIELDS.map((f) => f.group))] as Array<keyof AllSettings>

export default function Settings() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const toast = useToast()
  const { data, error, loading, reload, setData } = useLoad(getSettings, [])
  const [form, setForm] = useState<SettingsForm>({})
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (data) setForm(settingsToForm(data))
  }, [data])

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    if (!data) return
    const parsed = formToSettings(form, data)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    setBusy(true)
    try {
      setData(await putSettings(parsed.settings))
      toast.success('设置已保存')
    } catch (err) {
      // A 1403 names the field out of range.
      setProblem((err as ApiError).message || '保存失败')
      toast.error((err as ApiError).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <PageHead title="系统设置" hint="修改后立即生效" />
      {!writable && <ReadOnlyNote />}
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
          {problem && (
            <div className="alert" role="alert" data-testid="settings-error">
              {problem}
            </div>
          )}
          {writable && (
            <div className="form-actions">
              <button
                type="button"
                className="btn btn-default"
                disabled={busy}
                onClick={() => {
                  setForm(settingsToForm(data))
                  setProblem('')
                }}
              >
                重置
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy} data-testid="settings-save">
                {busy ? '保存中…' : '保存'}
              </button>
            </div>
          )}
        </form>
      )}
    </>
  )
}
