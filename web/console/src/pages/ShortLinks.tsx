// 短链接: shorten a URL (the same URL within the window answers the same code), list, disable.
import { useState } from 'react'
import { CopyOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Form, Input, Space, Table, Tag, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import {
  canWrite,
  createShortLink,
  disableShortLink,
  listShortLinks,
  type ApiError,
  type ShortLink,
} from '../api'
import { useAuth } from '../auth'
import { ReadOnly, SearchBox, useRowAction } from '../components/form'
import { tablePaging, usePagedList } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { useToast } from '../components/toast'
import { formatDateTime } from '../lib/dates'

const FILTER_DEFAULTS = { q: '' }

export default function ShortLinks() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listShortLinks({ q, ...paging }))
  const { data, error, loading, filters, filter, reload, pager } = list
  const disabling = useRowAction<ShortLink['id']>()

  const onDisable = (link: ShortLink) =>
    disabling.run(link.id, {
      confirm: {
        title: '停用短链接',
        message: `停用后访问 ${link.short_url} 将显示“链接不存在”，且不能恢复。确定停用？`,
        okText: '停用',
        danger: true,
      },
      act: () => disableShortLink(link.id),
      done: '已停用',
      then: reload,
    })

  const columns: ColumnsType<ShortLink> = [
    { title: '短码', dataIndex: 'code', width: 110, render: (code: string) => <span className="mono">{code}</span> },
    {
      title: '短链接',
      dataIndex: 'short_url',
      render: (url: string) => (
        <a href={url} target="_blank" rel="noreferrer" className="mono nowrap">
          {url}
        </a>
      ),
    },
    {
      title: '目标地址',
      dataIndex: 'url',
      ellipsis: { showTitle: true },
    },
    { title: '访问次数', dataIndex: 'visits', width: 100, align: 'right' },
    {
      title: '状态',
      dataIndex: 'disabled',
      width: 90,
      render: (disabled: boolean) => (disabled ? <Tag color="error">已停用</Tag> : <Tag color="success">正常</Tag>),
    },
    {
      title: '创建时间',
      dataIndex: 'created_at',
      width: 160,
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    ...(writable
      ? [
          {
            title: '操作',
            key: 'actions',
            width: 90,
            render: (_: unknown, link: ShortLink) =>
              !link.disabled && (
                <Button
                  type="link"
                  size="small"
                  danger
                  data-testid="shortlink-disable"
                  disabled={disabling.busyId === link.id}
                  onClick={() => onDisable(link)}
                >
                  停用
                </Button>
              ),
          },
        ]
      : []),
  ]

  return (
    <>
      <div className="page-head">
        <div>
          <h1>短链接</h1>
          <p className="muted">短码永久有效，停用后失效；同一链接在复用窗口内重复生成会得到同一短码</p>
        </div>
      </div>
      {writable ? <CreateLink onCreated={reload} /> : <ReadOnly text="你的角色只能查看短链接，不能生成或停用" />}
      <Card>
        <SearchBox value={filters.q} placeholder="短码 / 链接" testId="shortlinks-search" onSearch={(q) => filter({ q })} />
        {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
        {data && (
          <Table<ShortLink>
            data-testid="shortlinks-list"
            rowKey="id"
            size="middle"
            columns={columns}
            dataSource={data.items}
            loading={loading}
            onRow={() => ({ 'data-testid': 'shortlink-row' }) as object}
            pagination={tablePaging(pager)}
            locale={{
              emptyText: <span data-testid="shortlinks-empty">{filters.q ? '没有匹配的短链接' : '暂无短链接'}</span>,
            }}
          />
        )}
      </Card>
    </>
  )
}

function CreateLink({ onCreated }: { onCreated: () => void }) {
  const toast = useToast()
  const [url, setUrl] = useState('')
  const [result, setResult] = useState<ShortLink | null>(null)
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)
  const [copied, setCopied] = useState(false)

  const onSubmit = async () => {
    const target = url.trim()
    if (!target) return setProblem('请输入链接')
    if (!/^https?:\/\//i.test(target)) return setProblem('链接须以 http:// 或 https:// 开头')
    setProblem('')
    setBusy(true)
    setCopied(false)
    try {
      const link = await createShortLink(target)
      setResult(link)
      toast.success(link.reused ? '该链接近期已生成过，已复用原短码' : '已生成短链接')
      onCreated()
    } catch (err) {
      setResult(null)
      setProblem((err as ApiError).message || '生成失败')
      toast.error((err as ApiError).message)
    } finally {
      setBusy(false)
    }
  }

  const copy = async () => {
    if (!result) return
    try {
      await navigator.clipboard.writeText(result.short_url)
      setCopied(true)
    } catch {
      toast.error('复制失败，请手动复制')
    }
  }

  return (
    <Card title="生成短链接" size="small" style={{ marginBottom: 16 }} data-testid="shortlink-form">
      <Form onFinish={onSubmit}>
        <Space.Compact style={{ width: 560, maxWidth: '100%' }}>
          <Input
            type="url"
            value={url}
            aria-label="长链接"
            placeholder="https://example.com/…"
            data-testid="shortlink-url"
            onChange={(e) => setUrl(e.target.value)}
          />
          <Button type="primary" htmlType="submit" loading={busy} data-testid="shortlink-create">
            {busy ? '生成中…' : '生成'}
          </Button>
        </Space.Compact>
        {problem && <Alert type="error" showIcon title={problem} style={{ marginTop: 12 }} />}
        {result && (
          <div className="result-box" data-testid="shortlink-result">
            <Typography.Text type="secondary">短链接</Typography.Text>
            <a href={result.short_url} target="_blank" rel="noreferrer" className="mono" data-testid="shortlink-result-url">
              {result.short_url}
            </a>
            {result.reused && (
              <Tag color="warning" data-testid="shortlink-reused">
                已复用
              </Tag>
            )}
            <Button size="small" icon={<CopyOutlined />} onClick={copy}>
              {copied ? '已复制' : '复制'}
            </Button>
          </div>
        )}
      </Form>
    </Card>
  )
}
