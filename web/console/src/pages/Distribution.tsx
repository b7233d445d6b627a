// 分配策略: when each robot's free places are released through the day, how many robots one
// request is offered, and how many displays a released place allows.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { canWrite, getDistribution, putDistribution, type Distribution as Strategy } from '../api'
import { useAuth } from '../auth'
import ReleaseChart from '../components/ReleaseChart'
import { useLoad, useSubmit } from '../components/hooks'
import { LoadError, Loading, NumberInput, PageHead, RangeField, RowAction, SaveBar, Stats } from '../components/ui'
import { chinaMinutes } from '../lib/dates'
import {
  MAX_AMOUNT,
  MAX_DISPLAY_RATE,
  MAX_RELEASES,
  MIN_AMOUNT,
  MIN_DISPLAY_RATE,
  distributionToForm,
  formToDistribution,
  nextReleaseTime,
  rowsToReleases,
  sameForm,
  shareTotal,
  type DistributionForm,
  type ReleaseRow,
} from '../lib/distribution'

/** A row with a key that stays with it while rows are added and removed. */
type Row = ReleaseRow & { key: number }

interface Draft extends Omit<DistributionForm, 'releases'> {
  releases: Row[]
}

export default function Distribution() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const { data, error, loading, reload, setData } = useLoad(getDistribution, [])
  // Each save starts the editor afresh from what the server answered.
  const [saves, setSaves] = useState(0)

  return (
    <>
      <PageHead
        title="分配策略"
        hint="每天（北京时间）按设定的时间点释放各机器人当日快照空余位置的一定比例，群主领取时从已释放的位置中分配"
        writable={writable}
      />
      {!data && loading && <Loading />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && (
        <StrategyEditor
          key={`${saves}:${JSON.stringify(data)}`}
          data={data}
          writable={writable}
          onSaved={(saved) => {
            setData(saved)
            setSaves((n) => n + 1)
            // PUT need not answer released_pct_now: ask again for the figure of the new strategy.
            reload()
          }}
        />
      )}
    </>
  )
}

const toDraft = (d: Strategy): Draft => {
  const form = distributionToForm(d)
  return { ...form, releases: form.releases.map((r, i) => ({ ...r, key: i })) }
}

function StrategyEditor({
  data,
  writable,
  onSaved,
}: {
  data: Strategy
  writable: boolean
  onSaved: (saved: Strategy) => void
}) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(data))
  const nextKey = useRef(data.releases.length)
  const { problem, setProblem, busy, submit } = useSubmit()
  const [now, setNow] = useState(() => chinaMinutes())

  // The "now" marker moves with the clock.
  useEffect(() => {
    const timer = window.setInterval(() => setNow(chinaMinutes()), 60_000)
    return () => window.clearInterval(timer)
  }, [])

  const setRow = (key: number, patch: Partial<ReleaseRow>) =>
    setDraft((prev) => ({ ...prev, releases: prev.releases.map((r) => (r.key === key ? { ...r, ...patch } : r)) }))
  const removeRow = (key: number) => setDraft((prev) => ({ ...prev, releases: prev.releases.filter((r) => r.key !== key) }))
  const addRow = () =>
    setDraft((prev) => ({
      ...prev,
      releases: [...prev.releases, { at: nextReleaseTime(prev.releases), share: '', key: nextKey.current++ }],
    }))

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const parsed = formToDistribution(draft)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    await submit(() => putDistribution(parsed.body), { done: '分配策略已保存', then: onSaved })
  }

  const total = shareTotal(draft.releases)
  const preview = rowsToReleases(draft.releases)
  const dirty = !sameForm(distributionToForm(data), draft)
  const disabled = !writable || busy

  return (
    <>
      <section className="card" data-testid="release-overview">
        <div className="release-head">
          <Stats
            items={[
              {
                label: '当前已释放',
                value: typeof data.released_pct_now === 'number' ? `${data.released_pct_now}%` : '—',
                testId: 'released-pct-now',
              },
              { label: '全天合计', value: `${data.releases.reduce((s, r) => s + r.share_pct, 0)}%` },
              { label: '每次分配', value: `${data.amount} 个` },
              { label: '展示倍率', value: `× ${data.display_rate}` },
            ]}
          />
          {dirty && <span className="tag tag-warning">预览：未保存的修改</span>}
        </div>
        <ReleaseChart releases={preview} nowMinute={now} />
      </section>
      <form className="card form-card" onSubmit={onSubmit} noValidate data-testid="distribution-form">
        <fieldset className="form-group">
          <legend>释放时间</legend>
          <table className="table release-table">
            <thead>
              <tr>
                <th>时间（北京时间）</th>
                <th>释放比例</th>
                {writable && <th className="actions">操作</th>}
              </tr>
            </thead>
            <tbody>
              {draft.releases.map((r, i) => (
                <tr key={r.key} data-testid="release-row">
                  <td>
                    <input
                      type="time"
                      value={r.at}
                      aria-label={`第 ${i + 1} 个释放时间`}
                      disabled={disabled}
                      data-testid="release-time"
                      onChange={(e) => setRow(r.key, { at: e.target.value })}
                    />
                  </td>
                  <td>
                    <div className="input-unit">
                      <NumberInput
                        min={1}
                        max={100}
                        value={r.share}
                        label={`第 ${i + 1} 个释放比例`}
                        disabled={disabled}
                        testId="release-share"
                        onChange={(share) => setRow(r.key, { share })}
                      />
                      <em>%</em>
                    </div>
                  </td>
                  {writable && (
                    <td className="actions">
                      <RowAction
                        testId="release-remove"
                        danger
                        disabled={busy}
                        onClick={() => removeRow(r.key)}
                      >
                        删除
                      </RowAction>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="release-foot">
            {writable && (
              <button
                type="button"
                className="btn btn-default btn-sm"
                disabled={busy || draft.releases.length >= MAX_RELEASES}
                data-testid="release-add"
                onClick={addRow}
              >
                + 添加释放时间
              </button>
            )}
            <span className={total > 100 ? 'text-danger' : 'muted'} data-testid="release-total">
              合计 {total}%{total > 100 ? '，不能超过 100%' : total < 100 ? `，其余 ${100 - total}% 当天不释放` : ''}
            </span>
          </div>
        </fieldset>
        <fieldset className="form-group">
          <legend>分配与展示</legend>
          <div className="settings-grid">
            <RangeField
              label="每次分配数量"
              unit="个"
              hint="群主每次领取时提供的机器人数"
              min={MIN_AMOUNT}
              max={MAX_AMOUNT}
              value={draft.amount}
              disabled={disabled}
              testId="distribution-amount"
              onChange={(amount) => setDraft({ ...draft, amount })}
            />
            <RangeField
              label="展示倍率"
              unit="次"
              hint="每个已释放位置允许展示二维码的次数"
              min={MIN_DISPLAY_RATE}
              max={MAX_DISPLAY_RATE}
              value={draft.display_rate}
              disabled={disabled}
              testId="distribution-display-rate"
              onChange={(display_rate) => setDraft({ ...draft, display_rate })}
            />
          </div>
        </fieldset>
        <SaveBar
          problem={problem}
          busy={busy}
          writable={writable}
          canReset={dirty}
          onReset={() => {
            setDraft(toDraft(data))
            setProblem('')
          }}
          testId="distribution"
        />
      </form>
    </>
  )
}
