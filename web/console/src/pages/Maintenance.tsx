// 维护模式: while on, every H5 API answers 1503 with the message here; the console keeps working.
import { useEffect, useState } from 'react'
import { charCount } from '@gpet/common/content'
import { canWrite, getMaintenance, putMaintenance } from '../api'
import { useAuth } from '../auth'
import { useLoad, useSubmit } from '../components/hooks'
import { Field, LoadError, Loading, PageHead, Tag, useConfirm } from '../components/ui'
import { formatDateTime } from '../lib/dates'

const MAX_MESSAGE = 200

export default function Maintenance() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const [confirm, confirmDialog] = useConfirm()
  const { data, error, loading, reload, setData } = useLoad(getMaintenance, [])
  const [enabled, setEnabled] = useState(false)
  const [message, setMessage] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()

  useEffect(() => {
    if (!data) return
    setEnabled(data.enabled)
    setMessage(data.message)
  }, [data])

  const dirty = !!data && (enabled !== data.enabled || message !== data.message)

  const save = async () => {
    if (!data) return
    if (charCount(message) > MAX_MESSAGE) return setProblem(`提示语不能超过 ${MAX_MESSAGE} 个字`)
    setProblem('')
    if (enabled && !data.enabled) {
      const ok = await confirm({
        title: '开启维护模式',
        message: '开启后 H5 端所有接口将返回“系统维护中”，群主无法使用，直到关闭维护模式。确定开启？',
        okText: '开启维护',
        danger: true,
      })
      if (!ok) return
    }
    await submit(() => putMaintenance(enabled, message), {
      done: (saved) => (saved.enabled ? '维护模式已开启' : data.enabled ? '维护模式已关闭' : '已保存'),
      then: setData,
    })
  }

  return (
    <>
      <PageHead title="维护模式" hint="开启后 H5 端显示维护页面，运营后台不受影响" writable={writable} />
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && (
        <section className="card form-card" data-testid="maintenance-form">
          <div className="status-line">
            <span>当前状态</span>
            {data.enabled ? (
              <Tag tone="danger" testId="maintenance-status">
                维护中
              </Tag>
            ) : (
              <Tag tone="success" testId="maintenance-status">
                正常运行
              </Tag>
            )}
            <span className="muted small">最近修改：{formatDateTime(data.updated_at)}</span>
          </div>
          <div className="switch-field">
            <label className="switch">
              <input
                type="checkbox"
                role="switch"
                checked={enabled}
                disabled={!writable || busy}
                data-testid="maintenance-switch"
                onChange={(e) => setEnabled(e.target.checked)}
              />
              <span className="switch-track" aria-hidden="true" />
              <span>维护模式</span>
            </label>
            <span className="muted small">{enabled ? '开启' : '关闭'}</span>
          </div>
          <Field label="提示语（显示在 H5 维护页面）" hint={`${charCount(message)} / ${MAX_MESSAGE}`}>
            <textarea
              rows={3}
              value={message}
              disabled={!writable || busy}
              data-testid="maintenance-message"
              placeholder="例如：系统升级中，预计 02:00 恢复"
              onChange={(e) => setMessage(e.target.value)}
            />
          </Field>
          {problem && (
            <div className="alert" role="alert">
              {problem}
            </div>
          )}
          {writable && (
            <div className="form-actions">
              <button
                className="btn btn-default"
                disabled={!dirty || busy}
                onClick={() => {
                  setEnabled(data.enabled)
                  setMessage(data.message)
                  setProblem('')
                }}
              >
                重置
              </button>
              <button
                className={enabled && !data.enabled ? 'btn btn-danger' : 'btn btn-primary'}
                disabled={!dirty || busy}
                data-testid="maintenance-save"
                onClick={save}
              >
                {busy ? '保存中…' : '保存'}
              </button>
            </div>
          )}
        </section>
      )}
      {confirmDialog}
    </>
  )
}
