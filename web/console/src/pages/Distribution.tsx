// 分配策略: when each robot's free places are released through the day, how many robots one
// request is offered, and how many displays a released place allows.
import { useEffect, useMemo, useRef, useState } from 'react'
import { PlusOutlined } from '@ant-design/icons'
import { Button, Card, Col, Form, Row, Space, Statistic, Table, Tag, TimePicker, Typography } from 'antd'
import dayjs from 'dayjs'
import { canWrite, getDistribution, putDistribution, type Distribution as Strategy } from '../api'
import { useAuth } from '../auth'
import Chart from '../components/Chart'
import { Field, NumberField, ReadOnly, SaveBar } from '../components/form'
import { useLoad, useSubmit } from '../components/hooks'
import LeaveGuard from '../components/LeaveGuard'
import { LoadState } from '../components/LoadState'
import { chinaMinutes } from '../lib/dates'
import {
  MAX_AMOUNT,
  releaseChartOption,
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
      <div className="page-head">
        <div>
          <h1>分配策略</h1>
          <p className="muted">
            每天（北京时间）按设定的时间点释放各机器人当日快照空余位置的一定比例，群主领取时从已释放的位置中分配
          </p>
        </div>
      </div>
      {!writable && <ReadOnly text="你的角色只能查看分配策略，不能修改" />}
      {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
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

  const onSubmit = async () => {
    const parsed = formToDistribution(draft)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    await submit(() => putDistribution(parsed.body), { done: '分配策略已保存', then: onSaved })
  }

  const total = shareTotal(draft.releases)
  const preview = rowsToReleases(draft.releases)
  const previewKey = JSON.stringify(preview)
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const chartOption = useMemo(() => releaseChartOption(preview, now), [previewKey, now])
  const dirty = !sameForm(distributionToForm(data), draft)
  const disabled = !writable || busy

  const columns = [
    {
      title: '时间（北京时间）',
      key: 'at',
      width: 200,
      render: (_: unknown, r: Row, i: number) => (
        <TimePicker
          format="HH:mm"
          needConfirm={false}
          allowClear={false}
          value={/^\d{2}:\d{2}$/.test(r.at) ? dayjs(`2000-01-01T${r.at}`) : null}
          aria-label={`第 ${i + 1} 个释放时间`}
          disabled={disabled}
          data-testid="release-time"
          onChange={(value) => setRow(r.key, { at: value ? value.format('HH:mm') : '' })}
        />
      ),
    },
    {
      title: '释放比例',
      key: 'share',
      render: (_: unknown, r: Row, i: number) => (
        <NumberField
          unit="%"
          value={r.share}
          label={`第 ${i + 1} 个释放比例`}
          disabled={disabled}
          testId="release-share"
          onChange={(share) => setRow(r.key, { share })}
        />
      ),
    },
    ...(writable
      ? [
          {
            title: '操作',
            key: 'actions',
            width: 90,
            render: (_: unknown, r: Row) => (
              <Button type="link" size="small" danger data-testid="release-remove" disabled={busy} onClick={() => removeRow(r.key)}>
                删除
              </Button>
            ),
          },
        ]
      : []),
  ]

  return (
    <>
      <LeaveGuard dirty={dirty} what="策略修改" />
      <Card data-testid="release-overview" style={{ marginBottom: 16 }}>
        <Space size={40} wrap align="start" style={{ marginBottom: 8 }}>
          <Statistic
            title="当前已释放"
            valueRender={() => (
              <span data-testid="released-pct-now">
                {typeof data.released_pct_now === 'number' ? `${data.released_pct_now}%` : '—'}
              </span>
            )}
          />
          <Statistic title="全天合计" value={`${data.releases.reduce((s, r) => s + r.share_pct, 0)}%`} />
          <Statistic title="每次分配" value={`${data.amount} 个`} />
          <Statistic title="展示倍率" value={`× ${data.display_rate}`} />
          {dirty && <Tag color="warning">预览：未保存的修改</Tag>}
        </Space>
        <Chart
          option={chartOption}
          empty={false}
          height={220}
          ariaLabel={`全天累计释放 ${preview.reduce((s, r) => s + (Number(r.share_pct) || 0), 0)}%`}
          testId="release-chart"
        />
      </Card>
      <Form layout="vertical" onFinish={onSubmit} data-testid="distribution-form">
        <Card title="释放时间" size="small" style={{ marginBottom: 16 }}>
          <Table<Row>
            rowKey="key"
            size="small"
            columns={columns}
            dataSource={draft.releases}
            pagination={false}
            onRow={() => ({ 'data-testid': 'release-row' }) as object}
            style={{ maxWidth: 640 }}
          />
          <div className="release-foot">
            {writable && (
              <Button
                size="small"
                icon={<PlusOutlined />}
                disabled={busy || draft.releases.length >= MAX_RELEASES}
                data-testid="release-add"
                onClick={addRow}
              >
                添加释放时间
              </Button>
            )}
            <Typography.Text type={total > 100 ? 'danger' : 'secondary'} data-testid="release-total">
              合计 {total}%{total > 100 ? '，不能超过 100%' : total < 100 ? `，其余 ${100 - total}% 当天不释放` : ''}
            </Typography.Text>
          </div>
        </Card>
        <Card title="分配与展示" size="small" style={{ marginBottom: 16 }}>
          <Row gutter={24}>
            <Col xs={24} md={12} xl={8}>
              <Field label="每次分配数量" hint={`群主每次领取时提供的机器人数（${MIN_AMOUNT}–${MAX_AMOUNT}）`}>
                <NumberField
                  unit="个"
                  label="每次分配数量"
                  value={draft.amount}
                  disabled={disabled}
                  testId="distribution-amount"
                  onChange={(amount) => setDraft({ ...draft, amount })}
                />
              </Field>
            </Col>
            <Col xs={24} md={12} xl={8}>
              <Field label="展示倍率" hint={`每个已释放位置允许展示二维码的次数（${MIN_DISPLAY_RATE}–${MAX_DISPLAY_RATE}）`}>
                <NumberField
                  unit="次"
                  label="展示倍率"
                  value={draft.display_rate}
                  disabled={disabled}
                  testId="distribution-display-rate"
                  onChange={(display_rate) => setDraft({ ...draft, display_rate })}
                />
              </Field>
            </Col>
          </Row>
          <SaveBar
            problem={problem}
            busy={busy}
            writable={writable}
            dirty={dirty}
            onReset={() => {
              setDraft(toDraft(data))
              setProblem('')
            }}
            testId="distribution"
          />
        </Card>
      </Form>
    </>
  )
}
