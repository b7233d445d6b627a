// 对账 (finance and admin): a day's payout orders against WeChat Pay's records of that day — the
// fund-flow bill (资金账单, downloaded and hash-checked) and, for orders it does not settle, the
// per-bill query — both counts and totals, the bill's own summary, and every difference (an
// order missing on either side, an amount or a state that disagrees). When WeChat Pay's bill
// cannot be had (not made yet, a 404, a file that fails its check), the page says so.
import { type FormEvent } from 'react'
import { isForbidden, type ApiError, getReconciliation, type Reconciliation as Answer } from '../api'
import { useBusinessToday, useDraft, useLoad, useQueryState } from '../components/hooks'
import { InlineField, LoadError, Loading, PageHead, StateTag, Table } from '../components/ui'
import { addDays, isDay } from '../lib/dates'
import { formatFen } from '../lib/money'
import { billText, differenceKind, queriesText, reconciliationSummary, sideText } from '../lib/reconciliation'

export default function Reconciliation() {
  const today = useBusinessToday()
  const [query, setQuery] = useQueryState({ day: '' })
  const day = isDay(query.day) ? query.day : today ? addDays(today, -1) : ''

  return (
    <>
      <PageHead
        title="对账"
        hint="按日核对本地打款单与微信支付资金账单（次日 10 点后可查），账单未结清的单逐单向微信支付查询，列出每处差异"
      />
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
      {!data && !error && loading && <Loading text="正在向微信支付申请资金账单…" />}
      {error && !loading && <BillUnavailable day={day} error={error} onRetry={reload} />}
      {data && !(error && !loading) && (
        <div className={loading ? 'is-reloading' : undefined} data-testid="reconciliation-result" data-day={data.day}>
          <Summary answer={data} />
          <Bill answer={data} />
          <Differences answer={data} />
        </div>
      )}
    </>
  )
}

/**
 * WeChat Pay's bill of the day could not be had: the API's message (1101, in Chinese) for that
 * day, never an empty reconciliation.
 */
function BillUnavailable({ day, error, onRetry }: { day: string; error: ApiError; onRetry: () => void }) {
  if (isForbidden(error)) return <LoadError error={error} />
  return (
    <div className="audit-verdict failed" data-testid="reconciliation-error" data-day={day}>
      <span className="audit-dot" />
      <strong>{day} 无法对账</strong>
      <span data-testid="reconciliation-error-message">{error.message || '无法取得微信支付的资金账单'}</span>
      <button className="btn btn-default" onClick={onRetry}>
        重试
      </button>
    </div>
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
        <span className="muted small" data-testid="reconciliation-ours-paid">
          其中已付 {answer.ours_paid} 单 {formatFen(answer.ours_paid_fen)}
        </span>
      </div>
      <div className="recon-side">
        <span className="muted">资金账单支出</span>
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

/** The bill the day was reconciled with, and how the rest was checked. */
function Bill({ answer }: { answer: Answer }) {
  return (
    <p className="muted small" data-testid="reconciliation-bill" data-kind={answer.bill.kind}>
      <span data-testid="reconciliation-bill-summary">{billText(answer.bill)}</span>
      {answer.bill.sha1 && <span className="mono"> {answer.bill.sha1.slice(0, 12)}…</span>}
      <span>；</span>
      <span data-testid="reconciliation-queries">{queriesText(answer)}</span>
    </p>
  )
}

function Differences({ answer }: { answer: Answer }) {
  if (reconciliationSummary(answer).clean) {
    return (
      <div className="state state-ok" data-testid="reconciliation-clean">
        <strong className="text-success">无差异</strong>
        <span className="muted">
          {answer.day} 本地 {answer.ours} 单与微信支付的记录全部一致
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
