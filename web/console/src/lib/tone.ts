// A state's tone (lib/states) as the colour of an antd Tag.
import type { Tone } from './states'

const COLORS: Record<Tone, string> = {
  default: 'default',
  primary: 'processing',
  success: 'success',
  warning: 'warning',
  danger: 'error',
}

/** The antd Tag colour of a tone. */
export const toneColor = (tone: Tone): string => COLORS[tone] ?? 'default'
