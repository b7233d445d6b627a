// 结算 (finance and admin): the settlement runs by day, and a run asked for a day before today —
// POSTed again while it answers `running` (each call works ~25 s), its progress polled every
// second meanwhile.
import { useEffect, useRef, useState } from 'react'
import { App as AntApp, Alert, Button, Card, Col, DatePicker, Descriptions, Empty, Progress, Row, Space, Statistic, Table, Tag, Typography } from 'antd'
import {
  ApiError,
  canFinance,
  getSettlement,
  listSettlements,
  runSettlement,
  type SettlementRun,
} from '../api'
import { useAuth } from '../auth'
import { tablePaging, useBusinessToday, useDraft, useLoad, usePagedList, useQueryState } from '../components/hooks'
import { Forbidden, LoadState } from '../components/LoadState'
import { dayToPicker, pickerToDay } from '../lib/beijing'
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
import { toneColor } from '../lib/tone'

/** How often the progress is asked for while a run works. */
const POLL_MS = 1000
/** The answer of a day never settled. */
const NOT_FOUND = 1404

const { Text } = Typography

export default function Settlements() {
  const { operator } = useAuth()
  if (operator && !canFinance(operator.role)) return <Forbidden />
  return <SettlementsPage />
}

function SettlementsPage() {
  const today = useBusinessToday()
  const list = usePagedList({}, (_, paging) => listSettlements(paging))
  const { data, error, loading, reload, pager } = list
  const [query, setQuery] = useQueryState({ day: '' })
  const day = query.day || (today ? defaultRunDay(today) : '')
  // The page's, so that a run goes on while another day is looked at.
  const runner = useSettlementRun(list.reload)

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>结算</Typography.Title>
          <Text type="secondary">每日结算把前一天的群收益、广告收益和师徒分成记入用户余额；重复运行不会重复入账</Text>
        </div>
      </div>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        {today ? (
          <RunCard today={today} day={day} onDay={(d) => setQuery({ day: d })} runner={runner} />
        ) : (
          <Card>
            <LoadState />
          </Card>
        )}
        <Card title="结算记录">
          {!data ? (
            <LoadState error={error} onRetry={reload} />
          ) : (
            <div data-testid="settlements-list" className={loading ? 'is-reloading' : undefined}>
              <Table<SettlementRun>
                data-testid="settlements-table"
                rowKey="day"
                loading={loading}
                dataSource={data.items}
                pagination={tablePaging(pager)}
                scroll={{ x: 'max-content' }}
                locale={{ emptyText: <span data-testid="settlements-empty">暂无结算记录</span> }}
                rowClassName={(run) => (run.day === day ? 'clickable selected ant-table-row-selected' : 'clickable')}
                onRow={(run) =>
                  ({
                    'data-testid': 'settlement-row',
                    'data-day': run.day,
                    'data-state': run.state,
                    title: '查看并运行该日结算',
                    onClick: () => setQuery({ day: run.day }),
                  }) as React.HTMLAttributes<HTMLElement>
                }
                columns={[
                  { title: '日期', dataIndex: 'day', key: 'day', className: 'nowrap' },
                  {
                    title: '状态',
                    key: 'state',
                    filters: (['running', 'done', 'failed'] as const).map((v) => ({ text: settlementState(v).label, value: v })),
                    onFilter: (value, run) => run.state === value,
                    render: (_, run) => {
                      const look = settlementState(run.state)
                      return <Tag color={toneColor(look.tone)}>{look.label}</Tag>
                    },
                  },
                  {
                    title: '进度',
                    key: 'progress',
                    width: 160,
                    render: (_, run) => {
                      const progress = runProgress(run)
                      return (
                        <div>
                          <Progress percent={progress.pct} size="small" />
                          {progress.steps && <Text type="secondary">{progress.steps} 步</Text>}
                        </div>
                      )
                    },
                  },
                  { title: '群收益', key: 'group', align: 'right', className: 'nowrap', render: (_, r) => formatFen(r.group_income_fen) },
                  { title: '广告收益', key: 'ad', align: 'right', className: 'nowrap', render: (_, r) => formatFen(r.ad_income_fen) },
                  { title: '分成', key: 'commission', align: 'right', className: 'nowrap', render: (_, r) => formatFen(r.commission_fen) },
                  {
                    title: '保障收益',
                    key: 'protected',
                    align: 'right',
                    className: 'nowrap',
                    render: (_, r) => formatFen(r.protected_income_fen),
                  },
                  {
                    title: '合计',
                    key: 'total',
                    align: 'right',
                    className: 'nowrap',
                    sorter: (a, b) => a.total_fen - b.total_fen,
                    render: (_, r) => <strong>{formatFen(r.total_fen)}</strong>,
                  },
                  {
                    title: '入账用户 / 群',
                    key: 'credited',
                    align: 'right',
                    className: 'nowrap',
                    render: (_, r) => `${r.users_credited} / ${r.groups_credited}`,
                  },
                  { title: '运行次数', dataIndex: 'runs', key: 'runs', align: 'right' },
                  { title: '完成时间', key: 'finished', className: 'nowrap', render: (_, r) => formatDateTime(r.finished_at) },
                ]}
              />
            </div>
          )}
        </Card>
      </Space>
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
  const lastDay = defaultRunDay(today)

  const onSubmit = () => {
    const invalidDay = validateRunDay(draft.day, today)
    setInvalid(invalidDay)
    if (invalidDay) return
    onDay(draft.day)
    void runner.start(draft.day)
  }

  return (
    <Card data-testid="settlement-card">
      <Space wrap data-testid="settlement-form" style={{ marginBottom: 16 }}>
        <span>结算日期</span>
        <DatePicker
          aria-label="结算日期"
          value={dayToPicker(draft.day)}
          disabled={runner.running}
          data-testid="settlement-day"
          disabledDate={(d) => pickerToDay(d) > lastDay}
          onChange={(value) => {
            const next = pickerToDay(value)
            setDraft({ day: next })
            setInvalid('')
            if (!validateRunDay(next, today)) onDay(next)
          }}
        />
        {writable && (
          <Button type="primary" loading={runner.running} data-testid="settlement-run" onClick={onSubmit}>
            {runner.running ? `${runner.day} 结算中…` : '运行结算'}
          </Button>
        )}
      </Space>
      {problem && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} title={<span data-testid="settlement-run-error">{problem}</span>} />
      )}
      {shown ? (
        <div className={detail.loading && !live ? 'is-reloading' : undefined}>
          <RunDetail run={shown} />
        </div>
      ) : detail.loading || !detail.error ? (
        detail.loading ? (
          <LoadState />
        ) : (
          <div data-testid="settlement-none">
            <Empty description={`${day} 尚未结算`} />
          </div>
        )
      ) : (
        <LoadState error={detail.error} onRetry={detail.reload} />
      )}
    </Card>
  )
}

function RunDetail({ run }: { run: SettlementRun }) {
  const progress = runProgress(run)
  const look = settlementState(run.state)
  return (
    <div data-testid="settlement-detail" data-day={run.day} data-state={run.state}>
      <Space size={12} style={{ marginBottom: 12 }}>
        <strong>{run.day}</strong>
        <Tag color={toneColor(look.tone)} data-testid="settlement-state">
          {look.label}
        </Tag>
        <Text type="secondary" data-testid="settlement-runs">
          已运行 {run.runs} 次
        </Text>
      </Space>
      <Space style={{ display: 'flex', marginBottom: 12 }}>
        <Progress
          percent={progress.pct}
          style={{ width: 360 }}
          data-testid="settlement-progress"
          data-pct={progress.pct}
          aria-valuenow={progress.pct}
        />
        <Text type="secondary" className="nowrap" data-testid="settlement-progress-text">
          {progress.pct}%{progress.steps && `（${progress.steps} 步）`}
        </Text>
      </Space>
      <Row gutter={[16, 16]} data-testid="settlement-totals">
        {TOTALS.map(({ key, label, money, testId }) => (
          <Col key={label} xs={12} md={6} xl={4}>
            <Statistic
              title={label}
              valueRender={() => <span data-testid={testId}>{money ? formatFen(run[key] as number) : String(run[key] ?? 0)}</span>}
            />
          </Col>
        ))}
      </Row>
      <Descriptions
        size="small"
        style={{ marginTop: 12 }}
        items={[
          { key: 'started', label: '开始时间', children: formatDateTime(run.started_at, true) },
          { key: 'finished', label: '完成时间', children: formatDateTime(run.finished_at, true) },
        ]}
      />
      {run.error && <Alert type="error" showIcon title={<span data-testid="settlement-error">{run.error}</span>} />}
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
  const { message: toast } = AntApp.useApp()
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
