// The 修改密码 page: its checks before anything is sent (the server checks again) and where it
// leads. An operator whose password was made for them (the first admin's, or one an admin
// reset) is kept on it until they choose their own.
import { safeNext } from '../login'
import { MAX_PASSWORD, MIN_PASSWORD } from './operators'

/** The page's route, inside the console. */
export const PASSWORD_PATH = '/password'

export interface PasswordForm {
  current: string
  next: string
  again: string
}

/** What is wrong with each field of the form; an empty object when it may be sent. */
export type PasswordProblems = Partial<Record<keyof PasswordForm, string>>

/** Characters as the server counts them (code points, so an emoji is one). */
const length = (text: string) => [...text].length

/** The fields' problems, as shown under each field. */
export function validatePasswordChange({ current, next, again }: PasswordForm): PasswordProblems {
  const problems: PasswordProblems = {}
  if (!current) problems.current = '请输入当前密码'
  if (!next) problems.next = '请输入新密码'
  else if (length(next) < MIN_PASSWORD || length(next) > MAX_PASSWORD) {
    problems.next = `密码长度须为 ${MIN_PASSWORD}–${MAX_PASSWORD} 位`
  } else if (next === current) problems.next = '新密码不能与当前密码相同'
  if (!again) problems.again = '请再次输入新密码'
  else if (next && again !== next) problems.again = '两次输入的新密码不一致'
  return problems
}

/** True when the form has nothing wrong. */
export const isValid = (problems: PasswordProblems): boolean => Object.values(problems).every((p) => !p)

/**
 * The page's address for an operator on their way to `next` (a console path): `next` is kept in
 * the query, unless it is the dashboard or the page itself.
 */
export function passwordPath(next: string): string {
  const target = safeNext(next)
  if (target === '/' || isPasswordPage(target)) return PASSWORD_PATH
  return `${PASSWORD_PATH}?${new URLSearchParams({ next: target })}`
}

/** Where the page leads once the password is changed: `next` (the `?next=` given), else the dashboard. */
export function afterPasswordChange(next: string | null): string {
  const target = safeNext(next)
  return isPasswordPage(target) ? '/' : target
}

function isPasswordPage(path: string): boolean {
  const pathname = path.split(/[?#]/)[0].replace(/\/+$/, '')
  return pathname === PASSWORD_PATH
}
