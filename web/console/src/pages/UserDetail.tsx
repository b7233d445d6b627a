// One owner: profile (phone and identity masked by the server), their money (available, held,
// income by kind, recent flows, withdrawals), the real-name corrections, the referral tree
// around them, and freeze / unfreeze.
import { useState } from 'react'
import { Link, useParams } from 'react-router-dom'
import {
  Alert,
  Avatar,
  Breadcrumb,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Row,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd'
import { charCount } from '@gpet/common/content'
import { canWrite, freezeUser, getUser, unfreezeUser, type Person, type Withdrawal } from '../api'
import { useAuth } from '../auth'
import { useAntAction, useAntSubmit, useLoad } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'
import { formatFen } from '../lib/money'
import { validateReason } from '../lib/text'
import { toneColor } from '../lib/tone'
import {
  flowKindLabel,
  flowTitle,
  incomeByKind,
  isNameMismatch,
  nameCorrectedAt,
  withdrawalsLink,
  type IdentityCorrection,
  type MoneyFlow,
  type UserDetailWithMoney,
  type UserMoney,
} from '../lib/users'
import { withdrawalState } from '../lib/withdrawals'

const MAX_REASON = 200

const { Text } = Typography

export default function UserDetail() {
  const { id = '' } = useParams()
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const [freezing, setFreezing] = useState(false)
  const unfreezing = useAntAction<string>()
  const { data, error, reload } = useLoad(() => getUser(id) as Promise<UserDetailWithMoney>, [id])

  const onUnfreeze = async () => {
    if (!data) return
    await unfreezing.run(id, {
      confirm: {
        title: '解冻用户',
        content: `确定解冻「${data.user.nickname}」？解冻后该用户恢复正常使用。`,
        okText: '解冻',
      },
      act: () => unfreezeUser(id),
      done: '已解冻',
      then: reload,
    })
  }

  const user = data?.user
  return (
    <>
      <Breadcrumb
        style={{ marginBottom: 12 }}
        items={[{ title: <Link to="/users">用户</Link> }, { title: user?.nickname || id }]}
      />
      {!data && <LoadState error={error} onRetry={reload} />}
      {data && user && (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <div className="page-head">
            <Space size={12} align="center">
              <Avatar size={48} src={user.avatar_url || undefined}>
                {[...(user.nickname || '?')][0]}
              </Avatar>
              <div>
                <Typography.Title level={3} style={{ margin: 0 }} data-testid="user-nickname">
                  {user.nickname || '（无昵称）'}
                </Typography.Title>
                <Space size={4} wrap>
                  {user.frozen ? (
                    <Tag color="error" data-testid="user-frozen">
                      已冻结
                    </Tag>
                  ) : (
                    <Tag color="success">正常</Tag>
                  )}
                  {user.snapshot && <Tag color="warning">快照用户</Tag>}
                  {user.identity_verified && <Tag color="processing">已实名</Tag>}
                </Space>
              </div>
            </Space>
            {writable && (
              <Space>
                {user.frozen ? (
                  <Button
                    type="primary"
                    data-testid="unfreeze-button"
                    loading={unfreezing.busyId !== null}
                    onClick={onUnfreeze}
                  >
                    解冻
                  </Button>
                ) : (
                  <Button danger data-testid="freeze-button" onClick={() => setFreezing(true)}>
                    冻结
                  </Button>
                )}
              </Space>
            )}
          </div>
          {!writable && (
            <Alert type="info" showIcon title="当前角色只能查看，不能冻结或解冻用户。" data-testid="readonly-note" />
          )}
          <Money detail={data} />
          <Corrections detail={data} />
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <Profile detail={data} />
            </Col>
            <Col xs={24} xl={12}>
              <ReferralTree detail={data} />
            </Col>
          </Row>
        </Space>
      )}
      {freezing && data && (
        <FreezeDialog
          nickname={data.user.nickname}
          onClose={() => setFreezing(false)}
          onFrozen={() => {
            setFreezing(false)
            reload()
          }}
          userId={id}
        />
      )}
    </>
  )
}

function Profile({ detail: { user } }: { detail: UserDetailWithMoney }) {
  return (
    <Card title="资料" data-testid="user-profile" size="small">
      <Descriptions
        column={1}
        size="small"
        items={[
          { key: 'id', label: '用户 ID', children: <Text code>{String(user.id)}</Text> },
          { key: 'nickname', label: '昵称', children: user.nickname || '—' },
          {
            key: 'phone',
            label: '手机号',
            children: <span data-testid="user-phone">{user.phone ?? <Text type="secondary">未绑定</Text>}</span>,
          },
          {
            key: 'identity',
            label: '实名信息',
            children: user.identity ? (
              <span data-testid="user-identity">
                {user.identity.name} <Text code>{user.identity.id_number}</Text>
              </span>
            ) : (
              <Text type="secondary">未实名</Text>
            ),
          },
          { key: 'invite', label: '邀请码', children: <Text code>{user.invite_code}</Text> },
          { key: 'snapshot', label: '快照用户', children: user.snapshot ? '是' : '否' },
          {
            key: 'state',
            label: '状态',
            children: user.frozen ? (
              <Text type="danger">已冻结{user.frozen_reason ? `：${user.frozen_reason}` : ''}</Text>
            ) : (
              '正常'
            ),
          },
          { key: 'created', label: '注册时间', children: formatDateTime(user.created_at) },
          { key: 'login', label: '最近登录', children: formatDateTime(user.last_login_at) },
          {
            key: 'groups',
            label: '群',
            children: (
              <Link to={`/groups?owner_id=${encodeURIComponent(user.id)}`} data-testid="user-groups-link">
                查看该用户的群
              </Link>
            ),
          },
        ]}
      />
    </Card>
  )
}

/** 资金: what the owner has, has held, earned by kind, and their latest flows and withdrawals. */
function Money({ detail }: { detail: UserDetailWithMoney }) {
  const money = detail.money
  const userId = detail.user.id
  if (!money)
    return (
      <Card title="资金" size="small" data-testid="user-money">
        <Empty description="暂无资金信息" />
      </Card>
    )
  const income = incomeByKind(money.income ?? [])
  return (
    <Card
      title="资金"
      size="small"
      data-testid="user-money"
      extra={
        <Link to={withdrawalsLink(userId)} data-testid="user-withdrawals-link">
          查看该用户的全部提现
        </Link>
      }
    >
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Statistic title="可提现余额" valueRender={() => <span data-testid="user-available">{formatFen(money.available_fen)}</span>} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title="提现冻结中" valueRender={() => <span data-testid="user-held">{formatFen(money.held_fen)}</span>} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title="累计收益" valueRender={() => <span data-testid="user-income-total">{formatFen(income.total_fen)}</span>} />
        </Col>
      </Row>
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        收益构成
      </Typography.Title>
      <Table
        size="small"
        data-testid="user-income"
        rowKey="kind"
        pagination={false}
        dataSource={income.rows}
        locale={{ emptyText: '暂无收益' }}
        onRow={() => ({ 'data-testid': 'user-income-row' }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: '类型', dataIndex: 'label', key: 'label' },
          {
            title: '金额',
            dataIndex: 'total_fen',
            key: 'total',
            align: 'right',
            render: (fen: number) => formatFen(fen),
            sorter: (a, b) => a.total_fen - b.total_fen,
          },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        最近流水（最近 20 条）
      </Typography.Title>
      <Flows flows={money.flows ?? []} userId={userId} />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        提现记录（最近 20 条）
      </Typography.Title>
      <Withdrawals money={money} corrections={detail.identity_corrections ?? []} userId={userId} />
    </Card>
  )
}

function Flows({ flows, userId }: { flows: MoneyFlow[]; userId: Person['id'] }) {
  const kinds = [...new Set(flows.map((f) => f.kind))]
  return (
    <Table<MoneyFlow>
      size="small"
      data-testid="user-flows"
      rowKey={(f) => String(f.id)}
      pagination={false}
      dataSource={flows}
      locale={{ emptyText: '暂无流水' }}
      scroll={{ x: 'max-content' }}
      onRow={() => ({ 'data-testid': 'user-flow' }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: '时间', key: 'at', render: (_, f) => formatDateTime(f.at), className: 'nowrap' },
        {
          title: '类型',
          key: 'kind',
          render: (_, f) => flowTitle(f),
          filters: kinds.map((k) => ({ text: flowKindLabel(k), value: k })),
          onFilter: (value, f) => f.kind === value,
        },
        {
          title: '金额',
          key: 'amount',
          align: 'right',
          render: (_, f) => (
            <Text type={f.amount_fen < 0 ? 'danger' : 'success'}>
              {f.amount_fen > 0 ? '+' : ''}
              {formatFen(f.amount_fen)}
            </Text>
          ),
          sorter: (a, b) => a.amount_fen - b.amount_fen,
        },
        {
          title: '来源',
          key: 'source',
          render: (_, f) => {
            if (f.withdrawal_id != null)
              return (
                <Link to={`${withdrawalsLink(userId)}&id=${encodeURIComponent(f.withdrawal_id)}`}>
                  提现单 #{f.withdrawal_id}
                </Link>
              )
            if (f.source_user_id != null)
              return (
                <Link to={`/users/${f.source_user_id}`}>{f.source_nickname || `用户 #${f.source_user_id}`}</Link>
              )
            if (f.group_id != null) return <Link to={`/groups/${f.group_id}`}>{f.group_name || `群 #${f.group_id}`}</Link>
            return '—'
          },
        },
      ]}
    />
  )
}

function Withdrawals({
  money,
  corrections,
  userId,
}: {
  money: UserMoney
  corrections: IdentityCorrection[]
  userId: Person['id']
}) {
  const rows = money.withdrawals ?? []
  return (
    <Table<Withdrawal>
      size="small"
      data-testid="user-withdrawals"
      rowKey={(w) => String(w.id)}
      pagination={false}
      dataSource={rows}
      locale={{ emptyText: '暂无提现' }}
      scroll={{ x: 'max-content' }}
      onRow={(w) => ({ 'data-testid': 'user-withdrawal', 'data-id': w.id }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: '提现单',
          key: 'id',
          render: (_, w) => (
            <Link to={withdrawalsLink(userId, w)} data-testid="user-withdrawal-link">
              #{w.id}
            </Link>
          ),
        },
        { title: '申请时间', key: 'at', render: (_, w) => formatDateTime(w.created_at), className: 'nowrap' },
        {
          title: '金额',
          key: 'amount',
          align: 'right',
          render: (_, w) => formatFen(w.amount_fen),
          sorter: (a, b) => a.amount_fen - b.amount_fen,
        },
        {
          title: '状态',
          key: 'state',
          render: (_, w) => {
            const look = withdrawalState(w.state)
            return (
              <Tag color={toneColor(look.tone)} data-testid="user-withdrawal-state">
                {look.label}
              </Tag>
            )
          },
        },
        {
          title: '说明',
          key: 'reason',
          render: (_, w) => {
            if (!w.failure_reason) return '—'
            if (!isNameMismatch(w)) return w.failure_reason
            const fixedAt = nameCorrectedAt(w, corrections)
            return (
              <span>
                {w.failure_reason}
                <br />
                <Text type={fixedAt ? 'success' : 'warning'} data-testid="user-withdrawal-name-fix">
                  {fixedAt ? `用户已于 ${formatDateTime(fixedAt)} 更正姓名` : '用户尚未更正姓名'}
                </Text>
              </span>
            )
          },
        },
      ]}
    />
  )
}

/** 实名更正: each old → new name, when, and the refused withdrawal that allowed it. */
function Corrections({ detail }: { detail: UserDetailWithMoney }) {
  const corrections = detail.identity_corrections ?? []
  if (corrections.length === 0) return null
  return (
    <Card title="实名更正记录" size="small" data-testid="user-corrections">
      <Typography.Paragraph type="secondary">
        微信支付以“实名信息与微信实名不一致”退回提现后，用户可在 H5 更正姓名（每人最多 3 次）。
      </Typography.Paragraph>
      <Table<IdentityCorrection>
        size="small"
        rowKey={(c) => `${c.created_at}-${c.withdrawal_id}`}
        pagination={false}
        dataSource={corrections}
        onRow={() => ({ 'data-testid': 'user-correction' }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: '时间', key: 'at', render: (_, c) => formatDateTime(c.created_at), className: 'nowrap' },
          {
            title: '更正',
            key: 'names',
            render: (_, c) => (
              <span data-testid="user-correction-names">
                {c.old_name} → {c.new_name}
              </span>
            ),
          },
          {
            title: '被退回的提现',
            key: 'withdrawal',
            render: (_, c) => (
              <Link to={`${withdrawalsLink(detail.user.id)}&id=${encodeURIComponent(c.withdrawal_id)}`}>
                提现单 #{c.withdrawal_id}
              </Link>
            ),
          },
        ]}
      />
    </Card>
  )
}

function PersonChip({ person, empty }: { person: Person | null; empty: string }) {
  if (!person) return <Text type="secondary">{empty}</Text>
  return (
    <Link to={`/users/${person.id}`}>
      <Space size={6}>
        <Avatar size={24} src={person.avatar_url || undefined}>
          {[...(person.nickname || '?')][0]}
        </Avatar>
        <span>{person.nickname || '（无昵称）'}</span>
        <Text type="secondary">#{String(person.id)}</Text>
      </Space>
    </Link>
  )
}

function ReferralTree({ detail: { user, referral } }: { detail: UserDetailWithMoney }) {
  return (
    <Card title="师徒关系" size="small" data-testid="referral-tree">
      <Descriptions
        column={1}
        size="small"
        items={[
          {
            key: 'gm',
            label: '师爷',
            children: (
              <span data-testid="referral-grand-master">
                <PersonChip person={referral.grand_master} empty="无" />
              </span>
            ),
          },
          {
            key: 'm',
            label: '师傅',
            children: (
              <span data-testid="referral-master">
                <PersonChip person={referral.master} empty="无" />
              </span>
            ),
          },
          { key: 'self', label: '本人', children: <strong>{user.nickname || '（无昵称）'}</strong> },
          {
            key: 'children',
            label: '徒弟',
            children: (
              <span>
                <b data-testid="referral-apprentice-count">{referral.apprentices.length}</b> 人 · 徒孙合计{' '}
                <b data-testid="referral-grand-apprentices">{referral.grand_apprentices}</b> 人
              </span>
            ),
          },
        ]}
      />
      {referral.apprentices.length === 0 ? (
        <div data-testid="apprentices-empty">
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="暂无徒弟" />
        </div>
      ) : (
        <ul className="apprentices" data-testid="apprentices">
          {referral.apprentices.map((a) => (
            <li key={a.id} data-testid="apprentice">
              <PersonChip person={a} empty="" />
              <Text type="secondary">{formatDateTime(a.created_at)}</Text>
              <span className="apprentice-count">徒弟 {a.apprentices} 人</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  )
}

function FreezeDialog({
  userId,
  nickname,
  onClose,
  onFrozen,
}: {
  userId: string
  nickname: string
  onClose: () => void
  onFrozen: () => void
}) {
  const [reason, setReason] = useState('')
  const { problem, setProblem, busy, submit: send } = useAntSubmit()

  const submit = async () => {
    const invalid = validateReason(reason, '冻结原因', MAX_REASON)
    setProblem(invalid)
    if (invalid) return
    await send(() => freezeUser(userId, reason.trim()), { done: '已冻结', failed: '冻结失败', then: onFrozen })
  }

  return (
    <Modal
      open
      title={`冻结「${nickname}」`}
      onCancel={onClose}
      destroyOnHidden
      wrapProps={{ 'data-testid': 'freeze-dialog' }}
      footer={[
        <Button key="cancel" onClick={onClose}>
          取消
        </Button>,
        <Button key="ok" danger type="primary" data-testid="freeze-confirm" loading={busy} onClick={submit}>
          确认冻结
        </Button>,
      ]}
    >
      <Form layout="vertical">
        <Form.Item
          label="冻结原因"
          extra={`${charCount(reason.trim())} / ${MAX_REASON}`}
          validateStatus={problem ? 'error' : undefined}
          help={problem ? <span role="alert">{problem}</span> : undefined}
        >
          <Input.TextArea
            rows={4}
            value={reason}
            autoFocus
            data-testid="freeze-reason"
            placeholder="例如：违规推广，经核实后冻结"
            onChange={(e) => setReason(e.target.value)}
          />
        </Form.Item>
      </Form>
    </Modal>
  )
}
