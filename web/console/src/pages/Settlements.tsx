// 结算 (finance and admin): the settlement runs by day, and a run asked for a day before today —
// POSTed again while it answers `running` (each call works ~25 s), its progress polled every
// second meanwhile.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import {
  ApiError,
  canFinance,
  getSettlement,
  isForbidden,
  listSettlements,
  runSettlement,
  type SettlementRun,
} from '../api'
import { useAuth } from '../auth'
import { useBusinessToday, useDraft, useLoad, usePagedList, useQueryState } from '../components/hooks'
import { useToast } from '../components/toast'
import { InlineField, ListFrame, LoadError, Loading, PageHead, StateTag, Stats, Table, numeric } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { formatFen } from '../lib/money'
import {
  TOTALS,
  defaultRunDay,
  keepRunning,
  laterRun,
  runProgress,
  settlementState,
  validateRunDay,
} from '../lib/settlements'

/** How often the progress is asked for while a run works. */
const POLL_MS = 1000
/** The answer of a day never settled. */
const NOT_FOUND = 1404

export default function Settlements() {
  const today = useBusinessToday()
  const list = usePagedList({}, (_, paging) => listSettlements(paging))
  const [query, setQuery] = useQueryState({ day: '' })
  const day = query.day || (today ? defaultRunDay(today) : '')
  // The page's, so that a run goes on while another day is looked at.
  const runner = useSettlementRun(list.reload)

  return (
    <>
      <PageHead title="结算" hint="每日结算把前一天的群收益、广告收益和师徒分成记入用户余额；重复运行不会重复入账" />
      {/* A role refused says so once, in the list. */}
      {!isForbidden(list.error) &&
        (today ? (
          <RunCard today={today} day={day} onDay={(d) => setQuery({ day: d })} runner={runner} />
        ) : (
          <section className="card">
            <Loading />
          </section>
        ))}
      <section className="card">
        <h2 className="card-title">结算记录</h2>
        <ListFrame list={list} testId="settlements-list" empty={{ text: '暂无结算记录', testId: 'settlements-empty' }}>
          {(data) => (
            <Table
              testId="settlements-table"
              columns={[
                '日期',
                '状态',
                '进度',
                numeric('群收益'),
                numeric('广告收益'),
                numeric('分成'),
                numeric('合计'),
                numeric('入账用户 / 群'),
                numeric('运行次数'),
                '完成时间',
              ]}
              items={data.items}
              row={(run) => {
                const progress = runProgress(run)
                return (
                  <tr
                    key={run.day}
                    className={run.day === day ? 'clickable selected' : 'clickable'}
                    data-testid="settlement-row"
                    data-day={run.day}
                    data-state={run.state}
                    title="查看并运行该日结算"
                    onClick={() => setQuery({ day: run.day })}
                  >
                    <td className="mono nowrap">{run.day}</td>
                    <td>
                      <StateTag look={settlementState(run.state)} />
                    </td>
                    <td>
                      <div className="run-cell">
                        <div className="progress" aria-hidden="true">
                          <span style={{ width: `${progress.pct}%` }} />
                        </div>
                        <div className="use-nums">
                          <span>{progress.pct}%</span>
                          {progress.steps && <span>{progress.steps} 步</span>}
                        </div>
                      </div>
                    </td>
                    <td className="num nowrap">{formatFen(run.group_income_fen)}</td>
                    <td className="num nowrap">{formatFen(run.ad_income_fen)}</td>
                    <td className="num nowrap">{formatFen(run.commission_fen)}</td>
                    <td className="num nowrap">
                      <strong>{formatFen(run.total_fen)}</strong>
                    </td>
                    <td className="num nowrap">
                      {run.users_credited} / {run.groups_credited}
                    </td>
                    <td className="num">{run.runs}</td>
                    <td className="nowrap">{formatDateTime(run.finished_at)}</td>
                  </tr>
                )
              }}
            />
          )}
        </ListFrame>
      </section>
    </>
  )
}

/** The picked day's run (as it goes, while it runs), and the form that runs a day. */
function RunCard({
  today,
  day,
  onDay,
  runner,
}: {
  today: string
  day: string
  onDay: (day: string) => void
  runner: SettlementRunner
}) {
  const { operator } = useAuth()
  const writable = canFinance(operator?.role)
  const [draft, setDraft] = useDraft({ day })
  const [invalid, setInvalid] = useState('')
  const detail = useLoad(
    () =>
      getSettlement(day).catch((e: unknown) =>
        e instanceof ApiError && e.code === NOT_FOUND ? null : Promise.reject(e),
      ),
    [day],
  )
  const live = runner.live?.day === day ? runner.live : null
  // The run as last answered, or as loaded since if that is newer (a later run, say).
  const shown = live && detail.data ? laterRun(live, detail.data) : (live ?? detail.data ?? null)
  const problem = invalid || (runner.day === day ? runner.problem : '')

  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    const invalidDay = validateRunDay(draft.day, today)
    setInvalid(invalidDay)
    if (invalidDay) return
    onDay(draft.day)
    void runner.start(draft.day)
  }

  return (
    <section className="card" data-testid="settlement-card">
      <form className="toolbar" onSubmit={onSubmit} noValidate data-testid="settlement-form">
        <InlineField label="结算日期">
          <input
            type="date"
            value={draft.day}
            max={defaultRunDay(today)}
            disabled={runner.running}
            data-testid="settlement-day"
            onChange={(e) => {
              const next = e.target.value
              setDraft({ day: next })
              setInvalid('')
              if (!validateRunDay(next, today)) onDay(next)
            }}
          />
        </InlineField>
        {writable && (
          <button className="btn btn-primary" type="submit" disabled={runner.running} data-testid="settlement-run">
            {runner.running ? `${runner.day} 结算中…` : '运行结算'}
          </button>
        )}
      </form>
      {problem && (
        <div className="alert" role="alert" data-testid="settlement-run-error">
          {problem}
        </div>
      )}
      {shown ? (
        <div className={detail.loading && !live ? 'is-reloading' : undefined}>
          <RunDetail run={shown} />
        </div>
      ) : detail.loading ? (
        <Loading />
      ) : detail.error ? (
        <LoadError error={detail.error} onRetry={detail.reload} />
      ) : (
        <div className="state" data-testid="settlement-none">
          {day} 尚未结算
        </div>
      )}
    </section>
  )
}

function RunDetail({ run }: { run: SettlementRun }) {
  const progress = runProgress(run)
  return (
    <div className="run-detail" data-testid="settlement-detail" data-day={run.day} data-state={run.state}>
      <div className="status-line">
        <strong className="mono">{run.day}</strong>
        <StateTag look={settlementState(run.state)} testId="settlement-state" />
        <span className="muted" data-testid="settlement-runs">
          已运行 {run.runs} 次
        </span>
      </div>
      <div className="run-progress">
        <div
          className="progress progress-lg"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress.pct}
          data-testid="settlement-progress"
          data-pct={progress.pct}
        >
          <span style={{ width: `${progress.pct}%` }} />
        </div>
        <span className="muted nowrap" data-testid="settlement-progress-text">
          {progress.pct}%{progress.steps && `（${progress.steps} 步）`}
        </span>
      </div>
      <Stats
        wrap
        testId="settlement-totals"
        items={TOTALS.map(({ key, label, money, testId }) => ({
          label,
          value: money ? formatFen(run[key] as number) : String(run[key] ?? 0),
          testId,
        }))}
      />
      <dl className="desc">
        <dt>开始时间</dt>
        <dd>{formatDateTime(run.started_at, true)}</dd>
        <dt>完成时间</dt>
        <dd>{formatDateTime(run.finished_at, true)}</dd>
      </dl>
      {run.error && (
        <div className="alert" role="alert" data-testid="settlement-error">
          {run.error}
        </div>
      )}
    </div>
  )
}

interface SettlementRunner {
  /** The day of the last run asked for ('' before any). */
  day: string
  /** Its run as last answered (by the POST or a poll). */
  live: SettlementRun | null
  running: boolean
  /** Why it stopped short: the run's error or the server's refusal. */
  problem: string
  start: (day: string) => Promise<void>
}

/**
 * Runs a day's settlement to its end: POSTs while the answer says `running`, and polls the run
 * every second meanwhile so the progress moves within each ~25 s call. `onEnded` follows
 * (finished, failed or refused) so that the list shows the outcome.
 */
function useSettlementRun(onEnded: () => void): SettlementRunner {
  const toast = useToast()
  const [day, setDay] = useState('')
  const [live, setLive] = useState<SettlementRun | null>(null)
  const [running, setRunning] = useState(false)
  const [problem, setProblem] = useState('')
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])

  const start = async (runDay: string) => {
    setDay(runDay)
    setRunning(true)
    setProblem('')
    let active = true
    const show = (run: SettlementRun) => {
      if (active && mounted.current && run.day === runDay) setLive((prev) => laterRun(prev, run))
    }
    const poll = setInterval(() => getSettlement(runDay).then(show, () => undefined), POLL_MS)
    try {
      let run: SettlementRun
      do {
        run = await runSettlement(runDay)
        show(run)
        // Leaving the page stops asking; the run goes on from where it is at the next start.
      } while (keepRunning(run) && mounted.current)
      if (!mounted.current) return
      if (run.state === 'failed') {
        setProblem(run.error || '结算失败')
        toast.error(run.error || '结算失败')
      } else if (run.state === 'done') {
        toast.success(`${runDay} 结算完成`)
      }
    } catch (e) {
      if (!mounted.current) return
      const message = (e as ApiError).message || '结算失败'
      setProblem(message)
      toast.error(message)
      // A run that failed on the server is recorded as such: show it so.
      await getSettlement(runDay).then(show, () => undefined)
    } finally {
      active = false
      clearInterval(poll)
      if (mounted.current) {
        setRunning(false)
        onEnded()
      }
    }
  }

  return { day, live, running, problem, start }
}
