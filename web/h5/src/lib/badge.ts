// How a state is told on its badge: its words and its colour (the badge's class state-<tone>).

export interface StateLook {
  label: string
  /** ok (green), warn (orange), info (blue), danger (red), muted (grey). */
  tone: 'ok' | 'warn' | 'info' | 'danger' | 'muted'
}

/** The look of `state` in `looks`; an unknown state is shown as it came, grey. */
export const lookOf = <S extends string>(looks: Record<S, StateLook>, state: string): StateLook =>
  looks[state as S] ?? { label: state, tone: 'muted' }
