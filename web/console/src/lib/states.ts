// How the console shows a state (or a kind) as a tag: its words and its colour.

/** A tag's colour. */
export type Tone = 'default' | 'primary' | 'success' | 'warning' | 'danger'

/** A state as its tag shows it. */
export interface Look {
  label: string
  tone: Tone
}

/** A state a filter may pick, in the order its select lists them. */
export interface StateOption<V extends string> extends Look {
  value: V
}

type Looks<V extends string> = ReadonlyArray<StateOption<V>> | Readonly<Record<V, Look>>

/** The label and tone of `value` (an unknown one shown as given, in the default tone). */
export function lookOf<V extends string>(looks: Looks<V>, value: string): Look {
  const look = Array.isArray(looks)
    ? (looks as ReadonlyArray<StateOption<V>>).find((s) => s.value === value)
    : (looks as Readonly<Record<string, Look | undefined>>)[value]
  return look ? { label: look.label, tone: look.tone } : { label: value || '—', tone: 'default' }
}

/** A filter from the address bar: one of the states, else '' (all). */
export const knownState = <V extends string>(states: ReadonlyArray<StateOption<V>>, value: string): V | '' =>
  states.some((s) => s.value === value) ? (value as V) : ''
