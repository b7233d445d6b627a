// What the robots send (a text, a link card or a mini-program card) and the form that writes
// one: both apps' forms hold every field of every kind and build the content of the kind chosen.
// Each app checks the fields its own way.

/** What a robot sends: a text, a link card or a mini-program card. */
export type Content =
  | { kind: 'text'; text: string }
  | { kind: 'link'; title: string; desc: string; url: string; image_url?: string }
  | { kind: 'miniprogram'; title: string; appid: string; pagepath: string; thumb_url?: string }

export type ContentKind = Content['kind']

/** Characters, not UTF-16 units (😀 is one), as the server counts them. */
export const charCount = (text: string): number => [...text].length

/** Every field of every kind, so switching kinds keeps what was typed; only those of `kind` are used. */
export interface ContentFields {
  kind: ContentKind
  text: string
  title: string
  desc: string
  url: string
  image_url: string
  appid: string
  pagepath: string
  thumb_url: string
}

export const emptyContentFields = (kind: ContentKind = 'text'): ContentFields => ({
  kind,
  text: '',
  title: '',
  desc: '',
  url: '',
  image_url: '',
  appid: '',
  pagepath: '',
  thumb_url: '',
})

/**
 * The content the fields of `kind` describe. The text goes as given (its spaces and newlines
 * are what WeChat shows); the card fields are trimmed, an empty picture left out.
 */
export function buildContent(fields: ContentFields): Content {
  switch (fields.kind) {
    case 'link': {
      const image = fields.image_url.trim()
      return {
        kind: 'link',
        title: fields.title.trim(),
        desc: fields.desc.trim(),
        url: fields.url.trim(),
        ...(image ? { image_url: image } : {}),
      }
    }
    case 'miniprogram': {
      const thumb = fields.thumb_url.trim()
      return {
        kind: 'miniprogram',
        title: fields.title.trim(),
        appid: fields.appid.trim(),
        pagepath: fields.pagepath.trim(),
        ...(thumb ? { thumb_url: thumb } : {}),
      }
    }
    default:
      return { kind: 'text', text: fields.text }
  }
}
