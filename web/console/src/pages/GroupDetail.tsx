// One group: its owner, robot, state and rating, 30 days of sessions and speakers, and a forced
// exit (强制退群) with a reason.
import { useMemo, useState } from 'react'
import { Link, useParams } from 'react-router-dom'
import { Alert, Breadcrumb, Button, Card, Col, Descriptions, Row, Space, Tag, Typography } from 'antd'
import { canWrite, exitGroup, getGroup, type GroupDetail as Detail } from '../api'
import { useAuth } from '../auth'
import Chart from '../components/Chart'
import { ReasonDialog } from '../components/ReasonDialog'
import { useBusinessToday, useLoad } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime, shortDay } from '../lib/dates'
import { MAX_EXIT_REASON, groupState, historySeries, validateExitReason } from '../lib/groups'
import { fenToYuan } from '../lib/money'
import { dayTooltip, partialDayLabel, partialDaySeries } from '../lib/partialDay'
import { toneColor } from '../lib/tone'
import { StarRating } from './Groups'

const { Text } = Typography

const LEGEND = [
  { name: '会话', color: '#1677ff' },
  { name: '发言人', color: '#00a870' },
]

export default function GroupDetail() {
  const { id = '' } = useParams()
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const [exiting, setExiting] = useState(false)
  const { data, error, loading, reload } = useLoad(() => getGroup(id), [id])
  const look = data ? groupState(data.state) : null

  return (
    <>
      <Breadcrumb
        style={{ marginBottom: 12 }}
        items={[{ title: <Link to="/groups">群组</Link> }, { title: <span className="ellipsis">{data?.name || id}</span> }]}
      />
      {!data && <LoadState error={error} onRetry={reload} />}
      {data && look && (
        <div className={loading ? 'is-reloading' : undefined}>
          <div className="page-head">
            <div style={{ minWidth: 0 }}>
              <Typography.Title
                level={3}
                data-testid="group-name"
                ellipsis={{ tooltip: data.name }}
                title={data.name || undefined}
                style={{ marginBottom: 4 }}
              >
                {data.name || '（未命名群）'}
              </Typography.Title>
              <Space size={8}>
                <Tag color={toneColor(look.tone)} data-testid="group-state" className="nowrap">
                  {look.label}
                </Tag>
                <StarRating stars={data.stars} />
              </Space>
            </div>
            {writable && data.state === 'active' && (
              <Button danger data-testid="group-exit-button" onClick={() => setExiting(true)}>
                强制退群
              </Button>
            )}
          </div>
          {error && <Alert type="error" showIcon title={error.message} style={{ marginBottom: 16 }} />}
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <GroupInfo group={data} />
            </Col>
            <Col xs={24} xl={12}>
              <Activity group={data} />
            </Col>
          </Row>
          <Card
            style={{ marginTop: 16 }}
            title="近 30 天会话"
            extra={<Text type="secondary">会话：群内非机器人成员的消息条数；发言人：当日发言的不同成员数</Text>}
            data-testid="group-history-chart"
          >
            <History group={data} />
          </Card>
        </div>
      )}
      {exiting && data && (
        <ReasonDialog
          title={`强制退群「${data.name || data.group_wxid}」`}
          testId="group-exit-dialog"
          note="机器人将退出该群，群主可在 H5 看到退群原因。此操作不可撤销。"
          reason={{
            label: '退群原因',
            max: MAX_EXIT_REASON,
            placeholder: '例如：群内发布违规广告',
            testId: 'group-exit-reason-input',
            validate: validateExitReason,
          }}
          send={(reason) => exitGroup(data.id, reason)}
          done="已强制退群"
          failed="退群失败"
          confirm={{ text: '确认退群', testId: 'group-exit-confirm' }}
          onClose={() => setExiting(false)}
          onDone={() => {
            setExiting(false)
            reload()
          }}
        />
      )}
    </>
  )
}

function GroupInfo({ group }: { group: Detail }) {
  const ownerId = group.owner_id ?? group.owner?.id ?? null
  const ownerName = group.owner_nickname ?? group.owner?.nickname ?? ''
  return (
    <Card title="资料" size="small" data-testid="group-info">
      <Descriptions
        column={1}
        size="small"
        items={[
          { key: 'id', label: '群 ID', children: <Text code>{String(group.id)}</Text> },
          { key: 'name', label: '群名', children: <span style={{ wordBreak: 'break-all' }}>{group.name || '（未命名群）'}</span> },
          { key: 'wxid', label: '群微信 ID', children: <span data-testid="group-wxid">{group.group_wxid}</span> },
          {
            key: 'owner',
            label: '群主',
            children:
              ownerId !== null ? (
                <Link to={`/users/${ownerId}`} data-testid="group-owner">
                  {ownerName || '（无昵称）'} <Text type="secondary">#{String(ownerId)}</Text>
                </Link>
              ) : (
                '—'
              ),
          },
          {
            key: 'robot',
            label: '机器人',
            children: (
              <>
                {group.robot_nickname || '—'} <Text type="secondary">{group.robot_wxid}</Text>
              </>
            ),
          },
          { key: 'members', label: '成员数', children: group.member_count },
          { key: 'joined', label: '加入时间', children: formatDateTime(group.joined_at) },
          { key: 'exited', label: '退出时间', children: formatDateTime(group.exited_at) },
          {
            key: 'reason',
            label: '退出原因',
            children: group.exit_reason ? <span data-testid="group-exit-reason">{group.exit_reason}</span> : '—',
          },
        ]}
      />
    </Card>
  )
}

function Activity({ group }: { group: Detail }) {
  return (
    <Card title="活跃与收益" size="small" data-testid="group-activity">
      <Descriptions
        column={1}
        size="small"
        items={[
          { key: 'stars', label: '星级', children: <StarRating stars={group.stars} /> },
          { key: 'income', label: '当前星级日收益', children: `¥${fenToYuan(group.star_income_fen)}` },
          { key: 'today', label: '今日会话', children: <b data-testid="group-sessions-today">{group.sessions_today}</b> },
          { key: 'speakers', label: '今日发言人', children: group.speakers_today },
          { key: 'yesterday', label: '昨日会话', children: group.sessions_yesterday },
        ]}
      />
    </Card>
  )
}

function History({ group }: { group: Detail }) {
  const today = useBusinessToday() ?? ''
  const option = useMemo(() => {
    const { days, sessions, speakers } = historySeries(group.history)
    const label = partialDayLabel()
    return {
      grid: { left: 40, right: 16, top: 16, bottom: 28 },
      xAxis: { type: 'category', data: days, axisLabel: { formatter: (d: string) => shortDay(d) } },
      yAxis: { type: 'value', minInterval: 1 },
      tooltip: {
        trigger: 'axis',
        formatter: (items: unknown) => dayTooltip(items as never[], today, label, (v) => String(v)),
      },
      series: partialDaySeries(
        days,
        [
          { ...LEGEND[0], values: sessions },
          { ...LEGEND[1], values: speakers },
        ],
        today,
        label,
      ),
    }
  }, [group.history, today])
  return (
    <Chart
      option={option}
      legend={LEGEND}
      height={280}
      emptyText="暂无会话记录"
      ariaLabel="近 30 天会话与发言人"
      testId="line-chart"
    />
  )
}
