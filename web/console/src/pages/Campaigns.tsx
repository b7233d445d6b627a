// 广告投放: ad campaigns the robots push into groups whose launch switch is on and whose rating
// reaches the campaign's minimum stars; edited or cancelled until they start sending.
import { useState } from 'react'
import dayjs from 'dayjs'
import { Alert, Button, Card, DatePicker, Form, Input, Modal, Progress, Radio, Select, Space, Table, Tag, Typography } from 'antd'
import { charCount } from '@gpet/common/content'
import {
  cancelCampaign,
  canWrite,
  createCampaign,
  listCampaigns,
  updateCampaign,
  type Campaign,
  type ContentKind,
} from '../api'
import { useAuth } from '../auth'
import { tablePaging, useAntAction, useAntSubmit, useEditing, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import {
  CAMPAIGN_STATES,
  CONTENT_KINDS,
  MAX_TEXT,
  campaignState,
  campaignToForm,
  contentSummary,
  emptyCampaignForm,
  formToCampaign,
  isScheduled,
  targetProgress,
  type CampaignForm,
} from '../lib/campaigns'
import { pickerNow } from '../lib/beijing'
import { formatDateTime, localInputAt } from '../lib/dates'
import { toneColor } from '../lib/tone'

const NO_FILTERS: Record<never, string> = {}
const TEN_MINUTES = 600_000
/** The datetime-local value (China wall-clock time) a picker edits. */
const LOCAL_FORMAT = 'YYYY-MM-DDTHH:mm'

export default function Campaigns() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const cancelling = useAntAction<Campaign['id']>()
  const list = usePagedList(NO_FILTERS, (_, paging) => listCampaigns(paging))
  const { reload, data, error, loading, pager } = list
  const editing = useEditing<Campaign>(reload)

  const onCancel = (c: Campaign) =>
    cancelling.run(c.id, {
      confirm: {
        title: '取消投放',
        content: `确定取消「${c.name}」？取消后不会再发送，且不能恢复。`,
        okText: '取消投放',
        danger: true,
      },
      act: () => cancelCampaign(c.id),
      done: '已取消投放',
      then: reload,
    })

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>广告投放</Typography.Title>
          <Typography.Text type="secondary">
            到开始时间后由机器人发送到投放开关开启、星级达到要求的群；开始发送前可修改或取消（北京时间）
          </Typography.Text>
        </div>
        {writable && (
          <Button type="primary" data-testid="campaign-new" onClick={() => editing.edit(null)}>
            新建投放
          </Button>
        )}
      </div>
      {!writable && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title="当前角色只能查看，不能修改。" data-testid="readonly-note" />
      )}
      <Card>
        {!data ? (
          <LoadState error={error} onRetry={reload} />
        ) : (
          <div data-testid="campaigns-list" className={loading ? 'is-reloading' : undefined}>
            <Table<Campaign>
              data-testid="campaigns-table"
              rowKey={(c) => String(c.id)}
              loading={loading}
              dataSource={data.items}
              pagination={tablePaging(pager)}
              tableLayout="fixed"
              scroll={{ x: 1200 }}
              locale={{ emptyText: <span data-testid="campaigns-empty">暂无投放</span> }}
              onRow={(c) => ({ 'data-testid': 'campaign-row', 'data-state': c.state }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                {
                  title: '名称',
                  key: 'name',
                  width: 200,
                  ellipsis: { showTitle: false },
                  render: (_, c) => (
                    <Typography.Text strong ellipsis={{ tooltip: c.name }} title={c.name} data-testid="campaign-name-cell">
                      {c.name}
                    </Typography.Text>
                  ),
                },
                {
                  title: '内容',
                  key: 'content',
                  width: 220,
                  ellipsis: { showTitle: false },
                  render: (_, c) => (
                    <Typography.Text ellipsis={{ tooltip: contentSummary(c.content, 500) }}>
                      {contentSummary(c.content)}
                    </Typography.Text>
                  ),
                },
                {
                  title: '最低星级',
                  key: 'stars',
                  width: 100,
                  className: 'nowrap',
                  sorter: (a, b) => a.min_stars - b.min_stars,
                  render: (_, c) => `≥ ${c.min_stars} 星`,
                },
                {
                  title: '开始时间',
                  key: 'starts',
                  width: 150,
                  className: 'nowrap',
                  sorter: (a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at),
                  render: (_, c) => formatDateTime(c.starts_at),
                },
                {
                  title: '状态',
                  key: 'state',
                  width: 100,
                  filters: Object.entries(CAMPAIGN_STATES).map(([value, look]) => ({ text: look.label, value })),
                  onFilter: (value, c) => c.state === value,
                  render: (_, c) => {
                    const look = campaignState(c.state)
                    return (
                      <Tag color={toneColor(look.tone)} data-testid="campaign-state">
                        {look.label}
                      </Tag>
                    )
                  },
                },
                {
                  title: '投放进度',
                  key: 'targets',
                  width: 240,
                  render: (_, c) => {
                    const targets = c.targets ?? { total: 0, sent: 0, failed: 0, pending: 0 }
                    return (
                      <div data-testid="campaign-targets">
                        <Progress percent={targetProgress(targets)} size="small" showInfo={false} />
                        <Space size={8} wrap className="nowrap">
                          <span>共 {targets.total}</span>
                          <Typography.Text type="success" data-testid="campaign-sent">
                            成功 {targets.sent}
                          </Typography.Text>
                          <Typography.Text type={targets.failed ? 'danger' : undefined} data-testid="campaign-failed">
                            失败 {targets.failed}
                          </Typography.Text>
                          <span data-testid="campaign-pending">待发 {targets.pending}</span>
                        </Space>
                      </div>
                    )
                  },
                },
                {
                  title: '创建时间',
                  key: 'created',
                  width: 150,
                  className: 'nowrap',
                  render: (_, c) => formatDateTime(c.created_at),
                },
                ...(writable
                  ? [
                      {
                        title: '操作',
                        key: 'actions',
                        width: 130,
                        render: (_: unknown, c: Campaign) =>
                          isScheduled(c) && (
                            <Space size={0}>
                              <Button type="link" size="small" data-testid="campaign-edit" onClick={() => editing.edit(c)}>
                                编辑
                              </Button>
                              <Button
                                type="link"
                                size="small"
                                danger
                                data-testid="campaign-cancel"
                                disabled={cancelling.busyId === c.id}
                                onClick={() => onCancel(c)}
                              >
                                取消
                              </Button>
                            </Space>
                          ),
                      },
                    ]
                  : []),
              ]}
            />
          </div>
        )}
      </Card>
      {editing.open && <CampaignDialog campaign={editing.open.item} {...editing.dialog} />}
    </>
  )
}

function CampaignDialog({
  campaign,
  onClose,
  onSaved,
}: {
  campaign: Campaign | null
  onClose: () => void
  onSaved: () => void
}) {
  const [form, setForm] = useState<CampaignForm>(() =>
    campaign ? campaignToForm(campaign) : emptyCampaignForm(localInputAt(Date.now() + TEN_MINUTES)),
  )
  const { problem, setProblem, busy, submit } = useAntSubmit()
  const set = (patch: Partial<CampaignForm>) => setForm((prev) => ({ ...prev, ...patch }))
  const input = (key: keyof CampaignForm, testId: string, placeholder?: string) => (
    <Input
      value={form[key]}
      placeholder={placeholder}
      data-testid={testId}
      onChange={(e) => set({ [key]: e.target.value } as Partial<CampaignForm>)}
    />
  )
  const starts = form.starts_at ? dayjs(form.starts_at, LOCAL_FORMAT) : null

  const onSubmit = async () => {
    const parsed = formToCampaign(form)
    if ('error' in parsed) return setProblem(parsed.error)
    setProblem('')
    await submit(() => (campaign ? updateCampaign(campaign.id, parsed.body) : createCampaign(parsed.body)), {
      done: campaign ? '已保存' : '已创建投放',
      then: onSaved,
    })
  }

  return (
    <Modal
      open
      title={campaign ? '编辑投放' : '新建投放'}
      onCancel={onClose}
      width={600}
      destroyOnHidden
      wrapProps={{ 'data-testid': 'campaign-form' }}
      footer={[
        <Button key="cancel" onClick={onClose}>
          取消
        </Button>,
        <Button key="ok" type="primary" loading={busy} data-testid="campaign-submit" onClick={onSubmit}>
          保存
        </Button>,
      ]}
    >
      <Form layout="vertical" onFinish={onSubmit}>
        <Form.Item label="投放名称" extra="仅运营后台可见">
          <Input value={form.name} autoFocus data-testid="campaign-name" onChange={(e) => set({ name: e.target.value })} />
        </Form.Item>
        <Form.Item label="内容类型">
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            aria-label="内容类型"
            data-testid="campaign-kind"
            value={form.kind}
            onChange={(e) => set({ kind: e.target.value as ContentKind })}
          >
            {CONTENT_KINDS.map((k) => (
              <Radio.Button key={k.value} value={k.value} data-testid={`campaign-kind-${k.value}`}>
                {k.label}
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
        {form.kind === 'text' && (
          <Form.Item label="文字内容" extra={`${charCount(form.text)} / ${MAX_TEXT}，换行会原样发送`}>
            <Input.TextArea rows={5} value={form.text} data-testid="campaign-text" onChange={(e) => set({ text: e.target.value })} />
          </Form.Item>
        )}
        {form.kind !== 'text' && <Form.Item label="标题">{input('title', 'campaign-title')}</Form.Item>}
        {form.kind === 'link' && (
          <>
            <Form.Item label="描述（选填）">{input('desc', 'campaign-desc')}</Form.Item>
            <Form.Item label="链接地址">{input('url', 'campaign-url', 'https://…')}</Form.Item>
            <Form.Item label="图片地址（选填）">{input('image_url', 'campaign-image-url', 'https://…')}</Form.Item>
          </>
        )}
        {form.kind === 'miniprogram' && (
          <>
            <Space.Compact block>
              <Form.Item label="小程序 AppID" style={{ flex: 1 }}>
                {input('appid', 'campaign-appid', 'wx…')}
              </Form.Item>
              <Form.Item label="页面路径" style={{ flex: 1, marginLeft: 12 }}>
                {input('pagepath', 'campaign-pagepath', 'pages/index/index')}
              </Form.Item>
            </Space.Compact>
            <Form.Item label="封面图地址（选填）">{input('thumb_url', 'campaign-thumb-url', 'https://…')}</Form.Item>
          </>
        )}
        <Space size={16} align="start" wrap>
          <Form.Item label="最低星级" extra="只投放到星级不低于此值、且投放开关开启的群">
            <Select
              aria-label="最低星级"
              data-testid="campaign-min-stars"
              style={{ width: 160 }}
              value={form.min_stars}
              onChange={(min_stars) => set({ min_stars })}
              options={[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: `${n} 星及以上` }))}
            />
          </Form.Item>
          <Form.Item label="开始时间（北京时间）">
            <DatePicker
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              aria-label="开始时间"
              data-testid="campaign-starts"
              value={starts}
              disabledDate={(d) => d.isBefore(pickerNow().startOf('day'))}
              onChange={(value) => set({ starts_at: value && value.isValid() ? value.format(LOCAL_FORMAT) : '' })}
            />
          </Form.Item>
        </Space>
        {problem && <Alert type="error" showIcon title={problem} role="alert" data-testid="campaign-submit-error" />}
      </Form>
    </Modal>
  )
}
