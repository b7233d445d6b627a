// The console's small building blocks: page states, tags, tables, filters, the pager, dialogs,
// form fields.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react'
import { isForbidden, type ApiError } from '../api'
import { pageCount, pageItems, pageRange } from '../lib/paging'
import type { Look, Tone } from '../lib/states'
import type { FilterForm, Loaded, PagerProps } from './hooks'

/**
 * A page's title and hint, with `actions` on the right. On a page whose content some roles may
 * change, `writable` says whether the operator's may: it gets `create`'s button (新建…), the
 * others the read-only note.
 */
export function PageHead({
  title,
  hint,
  actions,
  writable,
  create,
}: {
  title: string
  hint?: ReactNode
  actions?: ReactNode
  writable?: boolean
  create?: { text: string; testId: string; onClick: () => void }
}) {
  const button = writable && create && (
    <button className="btn btn-primary" data-testid={create.testId} onClick={create.onClick}>
      {create.text}
    </button>
  )
  const right = actions ?? button
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{title}</h1>
          {hint && <p className="muted">{hint}</p>}
        </div>
        {right && <div className="page-actions">{right}</div>}
      </div>
      {writable === false && <ReadOnlyNote />}
    </>
  )
}

export const Loading = ({ text = '加载中…' }: { text?: string }) => (
  <div className="state" data-testid="loading">
    <span className="spinner" aria-hidden="true" />
    {text}
  </div>
)

export const Empty = ({ text = '暂无数据', testId = 'empty' }: { text?: string; testId?: string }) => (
  <div className="state" data-testid={testId}>
    {text}
  </div>
)

/** What the operator's role may not see (HTTP 403). */
export const Forbidden = ({ message }: { message?: string }) => (
  <div className="state state-forbidden" data-testid="forbidden">
    <strong>无权限</strong>
    <span className="muted">{message || '当前角色无权访问此页面'}</span>
  </div>
)

/** A failed load: 无权限 for a role refusal, else the server's message and a retry. */
export function LoadError({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  if (isForbidden(error)) return <Forbidden message={error.message} />
  return (
    <div className="state" data-testid="load-error">
      <span className="text-danger">{error.message || '加载失败'}</span>
      {onRetry && (
        <button className="btn btn-default" onClick={onRetry}>
          重试
        </button>
      )}
    </div>
  )
}

/** A note for roles that may only read. */
export const ReadOnlyNote = () => (
  <div className="note" data-testid="readonly-note">
    当前角色只能查看，不能修改。
  </div>
)

export const Tag = ({ tone = 'default', children, testId }: { tone?: Tone; children: ReactNode; testId?: string }) => (
  <span className={`tag tag-${tone}`} data-testid={testId}>
    {children}
  </span>
)

/** A state (or a kind) as its tag: its label in its tone. */
export const StateTag = ({ look, testId }: { look: Look; testId?: string }) => (
  <Tag tone={look.tone} testId={testId}>
    {look.label}
  </Tag>
)

/** Figures side by side, each a label over its value. */
export function Stats({
  items,
  wrap = false,
  testId,
}: {
  items: Array<{ label: string; value: ReactNode; testId?: string }>
  /** Onto more lines when they do not fit. */
  wrap?: boolean
  testId?: string
}) {
  return (
    <div className={wrap ? 'stats stats-wrap' : 'stats'} data-testid={testId}>
      {items.map(({ label, value, testId: valueTestId }) => (
        <div key={label}>
          <span className="muted">{label}</span>
          <strong data-testid={valueTestId}>{value}</strong>
        </div>
      ))}
    </div>
  )
}

/** A column's heading, with its cells' class (num, actions) if any; false for a column not shown. */
export type Column = string | { label: string; className: string } | false

/** A column of numbers (right-aligned). */
export const numeric = (label: string): Column => ({ label, className: 'num' })

/** The column of the rows' actions. */
export const ACTIONS: Column = { label: '操作', className: 'actions' }

/** An action on a list's row (编辑, 删除…): a link-styled button, red when `danger`. */
export function RowAction({
  children,
  onClick,
  testId,
  danger = false,
  disabled,
  title,
}: {
  children: ReactNode
  onClick: () => void
  testId: string
  danger?: boolean
  disabled?: boolean
  title?: string
}) {
  return (
    <button
      type="button"
      className={danger ? 'btn btn-link danger' : 'btn btn-link'}
      data-testid={testId}
      disabled={disabled}
      title={title}
      onClick={onClick}
    >
      {children}
    </button>
  )
}

/** A table: the headings of `columns`, and `row(item)` (a keyed <tr>) for each of `items`. */
export function Table<T>({
  columns,
  items,
  row,
  testId,
}: {
  columns: Column[]
  items: T[]
  row: (item: T, index: number) => ReactNode
  testId: string
}) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map(
            (c, i) =>
              c &&
              (typeof c === 'string' ? (
                <th key={i}>{c}</th>
              ) : (
                <th key={i} className={c.className}>
                  {c.label}
                </th>
              )),
          )}
        </tr>
      </thead>
      <tbody>{items.map(row)}</tbody>
    </table>
  )
}

export function Avatar({ url, name, size = 28 }: { url?: string | null; name: string; size?: number }) {
  const [broken, setBroken] = useState(false)
  if (url && !broken) {
    return (
      <img
        className="avatar"
        src={url}
        alt=""
        width={size}
        height={size}
        referrerPolicy="no-referrer"
        onError={() => setBroken(true)}
      />
    )
  }
  return (
    <span className="avatar avatar-text" style={{ width: size, height: size }} aria-hidden="true">
      {[...(name || '?')][0]}
    </span>
  )
}

export function Pager({ page, pageSize, total, onChange }: PagerProps) {
  const count = pageCount(total, pageSize)
  const { first, last } = pageRange(page, total, pageSize)
  return (
    <div className="pager" data-testid="pager">
      <span className="muted">{total > 0 ? `第 ${first}–${last} 条，共 ${total} 条` : '共 0 条'}</span>
      <div className="pager-buttons">
        <button className="btn btn-default btn-sm" disabled={page <= 1} onClick={() => onChange(page - 1)}>
          上一页
        </button>
        {pageItems(page, count).map((item, i) =>
          item === 'gap' ? (
            <span key={`gap${i}`} className="pager-gap">
              …
            </span>
          ) : (
            <button
              key={item}
              className={item === page ? 'btn btn-sm pager-page current' : 'btn btn-sm pager-page'}
              aria-current={item === page ? 'page' : undefined}
              onClick={() => item !== page && onChange(item)}
            >
              {item}
            </button>
          ),
        )}
        <button className="btn btn-default btn-sm" disabled={page >= count} onClick={() => onChange(page + 1)}>
          下一页
        </button>
      </div>
    </div>
  )
}

/** A search box that applies on Enter or its button. */
export function SearchBox({
  value,
  placeholder,
  onSearch,
  testId,
}: {
  value: string
  placeholder: string
  onSearch: (q: string) => void
  testId: string
}) {
  const [text, setText] = useState(value)
  useEffect(() => setText(value), [value])
  return (
    <form
      className="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault()
        onSearch(text.trim())
      }}
    >
      <input
        type="search"
        value={text}
        placeholder={placeholder}
        aria-label={placeholder}
        data-testid={testId}
        onChange={(e) => setText(e.target.value)}
      />
      <button className="btn btn-default" type="submit" data-testid={`${testId}-submit`}>
        搜索
      </button>
    </form>
  )
}

/** A toolbar's field: its label before the input. */
export const InlineField = ({ label, children }: { label: string; children: ReactNode }) => (
  <label className="inline-field">
    <span>{label}</span>
    {children}
  </label>
)

/**
 * A list's filter form: its fields, the button that applies them, 清除 (given `onClear`, while a
 * filter is on), and what is wrong with the fields.
 */
export function FilterBar({
  onSubmit,
  submitText = '筛选',
  submitTestId,
  onClear,
  problem = '',
  problemTestId,
  testId,
  children,
}: {
  onSubmit: () => void
  submitText?: string
  submitTestId: string
  onClear?: () => void
  problem?: string
  problemTestId?: string
  testId?: string
  children: ReactNode
}) {
  return (
    <>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          onSubmit()
        }}
        role="search"
        data-testid={testId}
      >
        {children}
        <button className="btn btn-default" type="submit" data-testid={submitTestId}>
          {submitText}
        </button>
        {onClear && (
          <button className="btn btn-ghost" type="button" onClick={onClear}>
            清除
          </button>
        )}
      </form>
      {problem && (
        <div className="alert" role="alert" data-testid={problemTestId}>
          {problem}
        </div>
      )}
    </>
  )
}

/** A filter's select: 全部 (the value '', also shown for a value not among them) and then `options`. */
export function FilterSelect({
  value,
  options,
  onChange,
  testId,
}: {
  value: string
  options: ReadonlyArray<{ value: string; label: string }>
  onChange: (value: string) => void
  testId: string
}) {
  return (
    <select
      value={options.some((o) => o.value === value) ? value : ''}
      data-testid={testId}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">全部</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  )
}

/** The 状态 filter of a filter form: picking a state applies the form at once. */
export function StateFilter({
  form,
  states,
  testId,
}: {
  form: Pick<FilterForm<{ state: string }>, 'draft' | 'pick'>
  states: ReadonlyArray<{ value: string; label: string }>
  testId: string
}) {
  return (
    <InlineField label="状态">
      <FilterSelect
        value={form.draft.state}
        options={states}
        testId={testId}
        onChange={(state) => form.pick({ state })}
      />
    </InlineField>
  )
}

/** An id typed into a filter (checked when the filters are applied). */
export function IdInput({
  value,
  onChange,
  testId,
}: {
  value: string
  onChange: (value: string) => void
  testId: string
}) {
  return (
    <input
      className="id-input"
      inputMode="numeric"
      value={value}
      data-testid={testId}
      onChange={(e) => onChange(e.target.value)}
    />
  )
}

export interface NumberInputProps {
  value: string
  onChange: (value: string) => void
  min: number
  max?: number
  step?: number | string
  disabled?: boolean
  /** Its aria-label, where no <Field> labels it. */
  label?: string
  testId: string
}

/** A number typed into a form: whole numbers (and the numeric keyboard) unless `step` is finer. */
export function NumberInput({ value, onChange, min, max, step = 1, disabled, label, testId }: NumberInputProps) {
  return (
    <input
      type="number"
      min={min}
      max={max}
      step={step}
      inputMode={step === 1 ? 'numeric' : 'decimal'}
      value={value}
      aria-label={label}
      disabled={disabled}
      data-testid={testId}
      onChange={(e) => onChange(e.target.value)}
    />
  )
}

export function Modal({
  title,
  children,
  footer,
  onClose,
  testId,
  width = 480,
}: {
  title: string
  children: ReactNode
  footer?: ReactNode
  onClose: () => void
  testId?: string
  width?: number
}) {
  const titleId = useId()
  const onCloseRef = useRef(onClose)
  onCloseRef.current = onClose
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onCloseRef.current()
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])
  return (
    <div className="modal-mask" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        style={{ width }}
      >
        <header className="modal-head">
          <h2 id={titleId}>{title}</h2>
          <button className="modal-close" aria-label="关闭" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-foot">{footer}</footer>}
      </div>
    </div>
  )
}

export interface ConfirmOptions {
  title: string
  message: ReactNode
  okText?: string
  danger?: boolean
}

/**
 * A confirmation dialog as a promise: `if (await confirm({...})) …`; render `dialog` somewhere
 * in the page.
 */
export function useConfirm(): [(options: ConfirmOptions) => Promise<boolean>, ReactNode] {
  const [pending, setPending] = useState<(ConfirmOptions & { resolve: (ok: boolean) => void }) | null>(null)
  const confirm = useCallback(
    (options: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ ...options, resolve })),
    [],
  )
  const close = (ok: boolean) => {
    pending?.resolve(ok)
    setPending(null)
  }
  const dialog = pending && (
    <Modal
      title={pending.title}
      onClose={() => close(false)}
      testId="confirm-dialog"
      width={420}
      footer={
        <>
          <button className="btn btn-default" data-testid="confirm-cancel" onClick={() => close(false)}>
            取消
          </button>
          <button
            className={pending.danger ? 'btn btn-danger' : 'btn btn-primary'}
            data-testid="confirm-ok"
            autoFocus
            onClick={() => close(true)}
          >
            {pending.okText ?? '确定'}
          </button>
        </>
      }
    >
      <div className="confirm-message">{pending.message}</div>
    </Modal>
  )
  return [confirm, dialog]
}

/** A labelled field of a form; `error` (what is wrong with it) shows in red in place of the hint. */
export function Field({
  label,
  hint,
  error,
  errorTestId,
  children,
  unit,
}: {
  label: string
  hint?: ReactNode
  error?: string
  /** The error's data-testid. */
  errorTestId?: string
  children: ReactNode
  unit?: string
}) {
  return (
    <label className="field">
      <span>{label}</span>
      {unit ? (
        <div className="input-unit">
          {children}
          <em>{unit}</em>
        </div>
      ) : (
        children
      )}
      {error ? (
        <small className="field-hint text-danger" data-testid={errorTestId}>
          {error}
        </small>
      ) : (
        hint && <small className="muted field-hint">{hint}</small>
      )}
    </label>
  )
}

/** A form's field of a number from `min` to `max`, its hint naming that range. */
export function RangeField({
  label,
  unit,
  hint,
  ...input
}: { label: string; unit: string; hint: string } & NumberInputProps & { max: number }) {
  return (
    <Field label={label} unit={unit} hint={`${hint}（${input.min}–${input.max}）`}>
      <NumberInput {...input} />
    </Field>
  )
}

/**
 * The end of a dialog's form: what is wrong (if anything), 取消 and the submit button (保存 by
 * default; "保存中…" while `busy`).
 */
export function FormFooter({
  problem,
  busy,
  onCancel,
  submitText = '保存',
  busyText = '保存中…',
  danger = false,
  testId,
}: {
  problem: string
  busy: boolean
  onCancel: () => void
  submitText?: string
  busyText?: string
  danger?: boolean
  /** The submit button's data-testid (its alert gets `${testId}-error`). */
  testId?: string
}) {
  return (
    <>
      {problem && (
        <div className="alert" role="alert" data-testid={testId && `${testId}-error`}>
          {problem}
        </div>
      )}
      <div className="modal-actions">
        <button type="button" className="btn btn-default" onClick={onCancel}>
          取消
        </button>
        <button type="submit" className={danger ? 'btn btn-danger' : 'btn btn-primary'} disabled={busy} data-testid={testId}>
          {busy ? busyText : submitText}
        </button>
      </div>
    </>
  )
}

/** The items of a list's answer: the array itself, or a page's items. */
const itemsOf = (data: unknown): unknown[] | undefined =>
  Array.isArray(data) ? data : (data as { items?: unknown[] } | null)?.items

/**
 * The end of a page's form (not a dialog's): what is wrong (if anything) and, for roles that may
 * write, 重置 and the submit button 保存 ("保存中…" while `busy`).
 */
export function SaveBar({
  problem,
  busy,
  writable,
  onReset,
  canReset = true,
  testId,
}: {
  problem: string
  busy: boolean
  writable: boolean
  /** Back to what was loaded. */
  onReset: () => void
  /** Whether there is anything to reset (when known). */
  canReset?: boolean
  /** The alert's data-testid is `${testId}-error`, the submit button's `${testId}-save`. */
  testId: string
}) {
  return (
    <>
      {problem && (
        <div className="alert" role="alert" data-testid={`${testId}-error`}>
          {problem}
        </div>
      )}
      {writable && (
        <div className="form-actions">
          <button type="button" className="btn btn-default" disabled={busy || !canReset} onClick={onReset}>
            重置
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid={`${testId}-save`}>
            {busy ? '保存中…' : '保存'}
          </button>
        </div>
      )}
    </>
  )
}

/**
 * A loaded list's frame: the spinner or the error until the first answer, then `children(data)`
 * (or <Empty> as `empty` says, when there are no items), dimmed while the next load runs, with a
 * failed reload's message above, and the pager of a paged list.
 */
export function ListFrame<T>({
  list,
  testId,
  empty,
  children,
}: {
  /** useLoad's answer, or usePagedList's (which brings the pager). */
  list: Loaded<T> & { pager?: PagerProps | null }
  testId: string
  /** What a list without items says instead of `children`. */
  empty?: { text: string; testId: string }
  children: (data: T) => ReactNode
}) {
  const { data, error, loading, reload, pager } = list
  if (data === undefined) {
    if (error) return <LoadError error={error} onRetry={reload} />
    return <Loading />
  }
  return (
    <div className={loading ? 'is-reloading' : undefined} data-testid={testId}>
      {error && <p className="text-danger small">{error.message}</p>}
      {empty && itemsOf(data)?.length === 0 ? <Empty text={empty.text} testId={empty.testId} /> : children(data)}
      {pager && <Pager {...pager} />}
    </div>
  )
}

/** An on / off switch with its label. */
export function Switch({
  checked,
  onChange,
  label,
  disabled,
  testId,
}: {
  checked: boolean
  onChange: (checked: boolean) => void
  label: ReactNode
  disabled?: boolean
  testId?: string
}) {
  return (
    <label className="switch switch-ok">
      <input
        type="checkbox"
        role="switch"
        checked={checked}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span className="switch-track" aria-hidden="true" />
      {label}
    </label>
  )
}

/** A group's rating: ★ filled to `stars` of 5, or 未评级 for 0. */
export function Stars({ stars }: { stars: number }) {
  if (!(stars >= 1)) return <span className="muted">未评级</span>
  const n = Math.min(5, Math.round(stars))
  return (
    <span className="stars" title={`${n} 星`} aria-label={`${n} 星`} data-stars={n}>
      {'★'.repeat(n)}
      <span className="stars-off">{'★'.repeat(5 - n)}</span>
    </span>
  )
}
