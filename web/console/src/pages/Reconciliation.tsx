// 对账 (finance and admin): a day's payout orders against WeChat Pay's bills of that day — both
// counts and totals, and every difference (an order missing on either side, an amount or a
// state that disagrees).
import { type FormEvent } from 'react'
import { getReconciliation, type Reconciliation as Answer } from '../api'
import { useBusinessToday, useDraft, useLoad, useQueryState } from '../components/hooks'
import { InlineField, LoadError, Loading, PageHead, StateTag, Table } from '../components/ui'
import { addDays, isDay } from '../lib/dates'
import { formatFen } from '../lib/money'
import { differenceKind, reconciliationSummary, sideText } from '../lib/reconciliation'

export default function Reconciliation() {
  const today = useBusinessToday()
  const [query, setQuery] = useQueryState({ day: '' })
  const day = isDay(query.day) ? query.day : today ? addDays(today, -1) : ''

  return (
    <>
      <PageHead title="对账" hint="按日核对本地打款单与微信支付商家转账账单，逐单列出差异" />
      <section className="card">
        {day ? <Result day={day} today={today ?? day} onDay={(d) => setQuery({ day: d })} /> : <Loading />}
      </section>
    </>
  )
}

function Result({ day, today, onDay }: { day: string; today: string; onDay: (day: string) => void }) {
  const [draft, setDraft] = useDraft({ day })
  const { data, error, loading, reload } = useLoad(() => getReconciliation(day), [day])

  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    if (!isDay(draft.day)) return
    if (draft.day === day) reload()
    else onDay(draft.day)
  }

  return (
    <>
      <form className="toolbar" onSubmit={onSubmit} noValidate data-testid="reconciliation-form">
        <InlineField label="对账日期">
          <input
            type="date"
            value={draft.day}
            max={today}
            data-testid="reconciliation-day"
            onChange={(e) => {
              setDraft({ day: e.target.value })
              if (isDay(e.target.value)) onDay(e.target.value)
            }}
          />
        </InlineField>
        <button className="btn btn-default" type="submit" disabled={loading} data-testid="reconciliation-submit">
          {loading ? '对账中…' : '重新对账'}
        </button>
      </form>
      {!data && loading && <Loading text="正在向微信支付查询账单…" />}
      {!data && error && <LoadError error={error} onRetry={reload} />}
      {data && (
        <div className={loading ? 'is-reloading' : undefined} data-testid="reconciliation-result" data-day={data.day}>
          {error && <p className="text-danger small">{error.message}</p>}
          <Summary answer={data} />
          <Differences answer={data} />
        </div>
      )}
    </>
  )
}

function Summary({ answer }: { answer: Answer }) {
  const { clean, differences, gapFen } = reconciliationSummary(answer)
  return (
    <div className="recon-summary" data-testid="reconciliation-summary">
      <div className="recon-side">
        <span className="muted">本地打款单</span>
        <strong data-testid="reconciliation-ours">{answer.ours} 单</strong>
        <span data-testid="reconciliation-ours-total">{formatFen(answer.ours_total_fen)}</span>
      </div>
      <div className="recon-side">
        <span className="muted">微信账单</span>
        <strong data-testid="reconciliation-theirs">{answer.theirs} 单</strong>
        <span data-testid="reconciliation-theirs-total">{formatFen(answer.theirs_total_fen)}</span>
      </div>
      <div className="recon-side">
        <span className="muted">一致</span>
        <strong data-testid="reconciliation-matched">{answer.matched} 单</strong>
        <span className={gapFen ? 'text-danger' : 'muted'} data-testid="reconciliation-gap">
          差额 {formatFen(gapFen)}
        </span>
      </div>
      <div className="recon-side">
        <span className="muted">差异</span>
        <strong className={clean ? 'text-success' : 'text-danger'} data-testid="reconciliation-difference-count">
          {differences} 处
        </strong>
      </div>
    </div>
  )
}

function Differences({ answer }: { answer: Answer }) {
  if (reconciliationSummary(answer).clean) {
    return (
      <div className="state state-ok" data-testid="reconciliation-clean">
        <strong className="text-success">无差异</strong>
        <span className="muted">
          {answer.day} 本地 {answer.ours} 单与微信 {answer.theirs} 单全部一致
        </span>
      </div>
    )
  }
  return (
    <Table
      testId="reconciliation-differences"
      columns={['商户单号', '差异', '本地', '微信', '说明']}
      items={answer.differences}
      row={(d, i) => (
        <tr key={`${d.out_bill_no}-${d.kind}-${i}`} data-testid="reconciliation-difference" data-kind={d.kind}>
          <td className="mono">{d.out_bill_no}</td>
          <td>
            <StateTag look={differenceKind(d.kind)} testId="reconciliation-kind" />
          </td>
          <td className="nowrap" data-testid="reconciliation-ours-side">
            {sideText(d.ours, 'ours')}
          </td>
          <td className="nowrap" data-testid="reconciliation-theirs-side">
            {sideText(d.theirs, 'theirs')}
          </td>
          <td className="wrap">{d.note || <span className="muted">—</span>}</td>
        </tr>
      )}
    />
  )
}
