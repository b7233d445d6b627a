// 敏感词: the list user-written text is checked against; add many at once, delete, try a text.
import { useState, type FormEvent } from 'react'
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
import { useConfirmedAction, usePagedList, useSubmit } from '../components/hooks'
import { ACTIONS, ListFrame, PageHead, RowAction, SearchBox, Table } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { MAX_WORDS, highlight, parseWords, validateWords } from '../lib/text'

const FILTER_DEFAULTS = { q: '' }

export default function SensitiveWords() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listSensitiveWords({ q, ...paging }))
  const { data, filters, filter, page, reload, setQuery } = list
  const deleting = useConfirmedAction<SensitiveWord['id']>()

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

  return (
    <>
      <PageHead title="敏感词" hint="昵称、关键词、群发内容等用户文字命中敏感词时将被拒绝" writable={writable} />
      <div className="split">
        <section className="card">
          <div className="toolbar">
            <SearchBox
              value={filters.q}
              placeholder="搜索敏感词"
              testId="words-search"
              onSearch={(q) => filter({ q })}
            />
          </div>
          <ListFrame
            list={list}
            testId="words-list"
            empty={{ text: filters.q ? '没有匹配的敏感词' : '暂无敏感词', testId: 'words-empty' }}
          >
            {(data) => (
              <Table
                testId="words-table"
                columns={['敏感词', '添加人', '添加时间', writable && ACTIONS]}
                items={data.items}
                row={(w) => (
                  <tr key={w.id} data-testid="word-row">
                    <td>
                      <span className="word">{w.word}</span>
                    </td>
                    <td>{w.created_by ?? <span className="muted">—</span>}</td>
                    <td className="nowrap">{formatDateTime(w.created_at)}</td>
                    {writable && (
                      <td className="actions">
                        <RowAction
                          testId="word-delete"
                          danger
                          disabled={deleting.busyId === w.id}
                          onClick={() => onDelete(w)}
                        >
                          删除
                        </RowAction>
                      </td>
                    )}
                  </tr>
                )}
              />
            )}
          </ListFrame>
        </section>
        <div className="side">
          {writable && (
            <AddWords
              onAdded={() => {
                if (page === 1 && !filters.q) reload()
                else filter({ q: '' })
              }}
            />
          )}
          <TryText />
        </div>
      </div>
      {deleting.dialog}
    </>
  )
}

function AddWords({ onAdded }: { onAdded: () => void }) {
  const [text, setText] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()
  const words = parseWords(text)

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
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
    <form className="card" onSubmit={onSubmit} noValidate data-testid="words-add">
      <h2 className="card-title">添加敏感词</h2>
      <textarea
        rows={6}
        value={text}
        aria-label="敏感词，每行一个"
        placeholder={'每行一个，例如：\n赌博\n代开发票'}
        data-testid="words-add-input"
        onChange={(e) => setText(e.target.value)}
      />
      <div className="form-foot">
        <span className="muted small">
          {words.length} 个（一次最多 {MAX_WORDS} 个，每个不超过 50 字，重复的自动忽略）
        </span>
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="words-add-submit">
          {busy ? '添加中…' : '添加'}
        </button>
      </div>
      {problem && (
        <div className="alert" role="alert">
          {problem}
        </div>
      )}
    </form>
  )
}

function TryText() {
  const [text, setText] = useState('')
  const [result, setResult] = useState<{ text: string; words: string[] } | null>(null)
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
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
    <form className="card" onSubmit={onSubmit} noValidate data-testid="words-check">
      <h2 className="card-title">试一试</h2>
      <textarea
        rows={4}
        value={text}
        aria-label="要检测的文字"
        placeholder="输入一段文字，检测其中的敏感词"
        data-testid="words-check-input"
        onChange={(e) => setText(e.target.value)}
      />
      <div className="form-foot">
        <span />
        <button className="btn btn-default" type="submit" disabled={busy} data-testid="words-check-submit">
          {busy ? '检测中…' : '检测'}
        </button>
      </div>
      {problem && (
        <div className="alert" role="alert">
          {problem}
        </div>
      )}
      {result && (
        <div className="check-result" data-testid="words-check-result">
          {result.words.length === 0 ? (
            <p className="text-success" data-testid="words-check-clean">
              未发现敏感词
            </p>
          ) : (
            <p className="text-danger">
              命中 {result.words.length} 个：{result.words.join('、')}
            </p>
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
    </form>
  )
}
