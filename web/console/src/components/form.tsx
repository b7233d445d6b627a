// Form pieces on antd for the console's settings-like pages: a labelled field with its hint,
// a number typed as text (so "0.10" stays as typed) with its unit, and the save bar.
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { SearchOutlined } from '@ant-design/icons'
import { Alert, App, Button, Form, Input, Space } from 'antd'
import type { ApiError } from '../api'
import { useToast } from './toast'

export function Field({
  label,
  hint,
  children,
}: {
  label: ReactNode
  hint?: ReactNode
  children: ReactNode
}) {
  return (
    <Form.Item label={label} extra={hint} style={{ marginBottom: 16 }}>
      {children}
    </Form.Item>
  )
}

/** A number field kept as the text typed ("0.10"), with its unit after it. */
export function NumberField({
  value,
  onChange,
  unit,
  disabled,
  testId,
  label,
  decimal = false,
}: {
  value: string
  onChange: (value: string) => void
  unit?: string
  disabled?: boolean
  testId?: string
  label?: string
  decimal?: boolean
}) {
  return (
    <Input
      value={value}
      inputMode={decimal ? 'decimal' : 'numeric'}
      suffix={unit}
      disabled={disabled}
      aria-label={label}
      data-testid={testId}
      style={{ maxWidth: 220 }}
      onChange={(e) => onChange(e.target.value)}
    />
  )
}

/** What is wrong (if anything), 重置 and 保存 (`${testId}-error`, `${testId}-save`). */
export function SaveBar({
  problem,
  busy,
  writable,
  dirty,
  onReset,
  testId,
}: {
  problem: string
  busy: boolean
  writable: boolean
  dirty: boolean
  onReset: () => void
  testId: string
}) {
  return (
    <>
      {problem && (
        <Alert type="error" showIcon title={problem} data-testid={`${testId}-error`} style={{ marginBottom: 12 }} />
      )}
      {writable && (
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} data-testid={`${testId}-save`}>
            {busy ? '保存中…' : '保存'}
          </Button>
          <Button disabled={busy || !dirty} onClick={onReset}>
            放弃修改
          </Button>
          {dirty && <span className="muted small">有未保存的修改</span>}
        </Space>
      )}
    </>
  )
}

/** Shown on a form the operator's role may only read. */
export const ReadOnly = ({ text = '你的角色只能查看这些设置，不能修改' }: { text?: string }) => (
  <Alert type="info" showIcon title={text} data-testid="readonly-note" style={{ marginBottom: 16 }} />
)

export interface AskOptions {
  title: string
  message: ReactNode
  okText?: string
  danger?: boolean
}

/** Asks to confirm on antd's Modal.confirm (`confirm-dialog`, `confirm-ok`, `confirm-cancel`). */
export function useAsk(): (options: AskOptions) => Promise<boolean> {
  const { modal } = App.useApp()
  return useCallback(
    ({ title, message, okText = '确定', danger = false }: AskOptions) =>
      new Promise<boolean>((resolve) => {
        modal.confirm({
          title,
          content: message,
          okText,
          cancelText: '取消',
          okButtonProps: { danger, 'data-testid': 'confirm-ok' },
          cancelButtonProps: { 'data-testid': 'confirm-cancel' },
          modalRender: (node) => <div data-testid="confirm-dialog">{node}</div>,
          onOk: () => resolve(true),
          onCancel: () => resolve(false),
        })
      }),
    [modal],
  )
}

/** The actions on a list's items: asks (when `confirm` is given), runs `act`, then toasts. */
export function useRowAction<Id>() {
  const ask = useAsk()
  const toast = useToast()
  const [busyId, setBusyId] = useState<Id | null>(null)
  const run = async (
    id: Id,
    { confirm, act, done, then }: { confirm?: AskOptions; act: () => Promise<unknown>; done: string; then: () => void },
  ) => {
    if (confirm && !(await ask(confirm))) return
    setBusyId(id)
    try {
      await act()
      toast.success(done)
      then()
    } catch (e) {
      toast.error((e as ApiError).message)
    } finally {
      setBusyId(null)
    }
  }
  return { busyId, run }
}

/** A search box that follows the address bar (`${testId}`, `${testId}-submit`). */
export function SearchBox({
  value,
  placeholder,
  testId,
  onSearch,
}: {
  value: string
  placeholder: string
  testId: string
  onSearch: (q: string) => void
}) {
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  return (
    <Form onFinish={() => onSearch(draft.trim())} style={{ marginBottom: 16 }}>
      <Space.Compact style={{ width: 360, maxWidth: '100%' }}>
        <Input
          value={draft}
          allowClear
          placeholder={placeholder}
          aria-label={placeholder}
          data-testid={testId}
          prefix={<SearchOutlined />}
          onChange={(e) => {
            setDraft(e.target.value)
            // Cleared with the ×: show everything again.
            if (e.type === 'click' && value) onSearch('')
          }}
        />
        <Button type="primary" htmlType="submit" data-testid={`${testId}-submit`}>
          搜索
        </Button>
      </Space.Compact>
    </Form>
  )
}
