// Checks of the operator forms before anything is sent (the server checks again).

export const MIN_PASSWORD = 8
export const MAX_PASSWORD = 128

/** What is wrong with a new operator's username, or ''. */
export function validateUsername(username: string): string {
  return username.trim() ? '' : '请输入用户名'
}

/** What is wrong with a new password (8–128 characters), or ''. */
export function validatePassword(password: string): string {
  if (!password) return '请输入密码'
  const length = [...password].length
  if (length < MIN_PASSWORD || length > MAX_PASSWORD) return `密码须为 ${MIN_PASSWORD}–${MAX_PASSWORD} 位`
  return ''
}
