// 敏感词: the list user-written text is checked against; add many at once, delete, try a text.
import { useState } from 'react'
import { Alert, Button, Card, Col, Form, Input, Row, Table, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import {
  addSensitiveWords,
  canWrite,
  checkSensitiveText,
  deleteSensitiveWord,
  listSensitiveWords,
  type ApiError,
  type SensitiveWord,
} from '../api'
import { useAuth } from '../auth'
import { ReadOnly, SearchBox, useRowAction } from '../components/form'
import { tablePaging, usePagedList, useSubmit } from '../components/hooks'
import { LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'
import { MAX_WORDS, highlight, parseWords, validateWords } from '../lib/text'

const FILTER_DEFAULTS = { q: '' }

export default function SensitiveWords() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listSensitiveWords({ q, ...paging }))
  const { data, error, loading, filters, filter, page, reload, setQuery, pager } = list
  const deleting = useRowAction<SensitiveWord['id']>()

  const onDelete = (word: SensitiveWord) =>
    deleting.run(word.id, {
      confirm: { title: '删除敏感词', message: `确定删除敏感词「${word.word}」？`, okText: '删除', danger: true },
      act: () => deleteSensitiveWord(word.id),
      done: `已删除「${word.word}」`,
      then: () => {
        // The last word of a later page: show the page before.
        if (data && data.items.length === 1 && page > 1) setQuery({ page: String(page - 1) })
        else reload()
      },
    })

  const columns: ColumnsType<SensitiveWord> = [
    { title: '敏感词', dataIndex: 'word', render: (word: string) => <span className="word">{word}</span> },
    {
      title: '添加人',
      dataIndex: 'created_by',
      width: 140,
      render: (by: string | null) => by ?? <Typography.Text type="secondary">—</Typography.Text>,
    },
    {
      title: '添加时间',
      dataIndex: 'created_at',
      width: 170,
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    ...(writable
      ? [
          {
            title: '操作',
            key: 'actions',
            width: 90,
            render: (_: unknown, w: SensitiveWord) => (
              <Button
                type="link"
                size="small"
                danger
                data-testid="word-delete"
                disabled={deleting.busyId === w.id}
                onClick={() => onDelete(w)}
              >
                删除
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
          <h1>敏感词</h1>
          <p className="muted">昵称、关键词、群发内容等用户文字命中敏感词时将被拒绝</p>
        </div>
      </div>
      {!writable && <ReadOnly text="你的角色只能查看和检测敏感词，不能添加或删除" />}
      <Row gutter={16}>
        <Col xs={24} xl={15}>
          <Card>
            <SearchBox value={filters.q} placeholder="搜索敏感词" testId="words-search" onSearch={(q) => filter({ q })} />
            {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
            {data && (
              <Table<SensitiveWord>
                data-testid="words-list"
                rowKey="id"
                size="middle"
                columns={columns}
                dataSource={data.items}
                loading={loading}
                onRow={() => ({ 'data-testid': 'word-row' }) as object}
                pagination={tablePaging(pager)}
                locale={{
                  emptyText: <span data-testid="words-empty">{filters.q ? '没有匹配的敏感词' : '暂无敏感词'}</span>,
                }}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          {writable && (
            <AddWords
              onAdded={() => {
                if (page === 1 && !filters.q) reload()
                else filter({ q: '' })
              }}
            />
          )}
          <TryText />
        </Col>
      </Row>
    </>
  )
}

function AddWords({ onAdded }: { onAdded: () => void }) {
  const [text, setText] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()
  const words = parseWords(text)

  const onSubmit = async () => {
    const invalid = validateWords(words)
    setProblem(invalid)
    if (invalid) return
    await submit(() => addSensitiveWords(words), {
      done: ({ added, skipped }) =>
        skipped ? `已添加 ${added} 个，${skipped} 个已存在而跳过` : `已添加 ${added} 个敏感词`,
      failed: '添加失败',
      then: () => {
        setText('')
        onAdded()
      },
    })
  }

  return (
    <Card title="添加敏感词" size="small" style={{ marginBottom: 16 }} data-testid="words-add">
      <Form onFinish={onSubmit}>
        <Input.TextArea
          rows={6}
          value={text}
          aria-label="敏感词，每行一个"
          placeholder={'每行一个，例如：\n赌博\n代开发票'}
          data-testid="words-add-input"
          onChange={(e) => setText(e.target.value)}
        />
        <div className="form-foot">
          <Typography.Text type="secondary" className="small">
            {words.length} 个（一次最多 {MAX_WORDS} 个，每个不超过 50 字，重复的自动忽略）
          </Typography.Text>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="words-add-submit">
            {busy ? '添加中…' : '添加'}
          </Button>
        </div>
        {problem && <Alert type="error" showIcon title={problem} />}
      </Form>
    </Card>
  )
}

function TryText() {
  const [text, setText] = useState('')
  const [result, setResult] = useState<{ text: string; words: string[] } | null>(null)
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)

  const onSubmit = async () => {
    if (!text.trim()) return setProblem('请输入要检测的文字')
    setProblem('')
    setBusy(true)
    try {
      setResult({ text, words: await checkSensitiveText(text) })
    } catch (err) {
      setResult(null)
      setProblem((err as ApiError).message || '检测失败')
    } finally {
      setBusy(false)
    }
  }

  return (
    <Card title="试一试" size="small" data-testid="words-check">
      <Form onFinish={onSubmit}>
        <Input.TextArea
          rows={4}
          value={text}
          aria-label="要检测的文字"
          placeholder="输入一段文字，检测其中的敏感词"
          data-testid="words-check-input"
          onChange={(e) => setText(e.target.value)}
        />
        <div className="form-foot">
          <span />
          <Button htmlType="submit" loading={busy} data-testid="words-check-submit">
            {busy ? '检测中…' : '检测'}
          </Button>
        </div>
        {problem && <Alert type="error" showIcon title={problem} />}
        {result && (
          <div className="check-result" data-testid="words-check-result">
            {result.words.length === 0 ? (
              <Typography.Text type="success" data-testid="words-check-clean">
                未发现敏感词
              </Typography.Text>
            ) : (
              <Typography.Text type="danger">
                命中 {result.words.length} 个：{result.words.join('、')}
              </Typography.Text>
            )}
            <p className="check-text">
              {highlight(result.text, result.words).map((seg, i) =>
                seg.hit ? (
                  <mark key={i} data-testid="check-hit">
                    {seg.text}
                  </mark>
                ) : (
                  <span key={i}>{seg.text}</span>
                ),
              )}
            </p>
          </div>
        )}
      </Form>
    </Card>
  )
}
