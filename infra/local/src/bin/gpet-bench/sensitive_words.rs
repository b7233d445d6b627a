//! f. Matcher::new over WORDS generated words, Matcher::find over the whole text (median of
//!    MATCH_RUNS); against, on a slice of the same text sized to take about NAIVE_TARGET, the
//!    slice normalized once and then `contains` for every word of the list.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gpet::sensitive_words::{Matcher, normalize};
use serde::Serialize;

use crate::figures::{Table, ms, num, percentile, ratio, secs, times};
use crate::rng::Rng;

/// The word list, the text, the hits planted in it, and the runs of each measurement.
const WORDS: usize = 10_000;
const TEXT_BYTES: usize = 4_000_000;
const PLANTED_HITS: usize = 300;
const MATCH_RUNS: usize = 5;
/// About how long the naive scan runs: its slice of the text is sized for it.
const NAIVE_TARGET: Duration = Duration::from_secs(2);
const NAIVE_PROBE_BYTES: usize = 32 * 1024;

#[derive(Serialize)]
pub struct SensitiveWords {
    words: usize,
    words_in_matcher: usize,
    text_bytes: usize,
    text_chars: usize,
    planted_hits: usize,
    planted_distinct_words: usize,
    filler_hits: usize,
    runs: usize,
    build_median_ms: f64,
    normalize_median_ms: f64,
    matcher: MatcherFigures,
    naive: NaiveFigures,
    ratio_to_naive: Option<f64>,
}

#[derive(Serialize)]
struct MatcherFigures {
    median_ms: f64,
    mb_per_s: f64,
    found_distinct_words: usize,
}

#[derive(Serialize)]
struct NaiveFigures {
    slice_bytes: usize,
    seconds: f64,
    mb_per_s: f64,
    found_distinct_words: usize,
    matcher_found_on_slice: usize,
    same_words: bool,
}

pub fn measure() -> SensitiveWords {
    eprintln!("sensitive words: {WORDS} words over ~{} MB of text", TEXT_BYTES / 1_000_000);
    let mut rng = Rng::new(0x6770_6574_6265_6e63);
    let words = generate_words(&mut rng);
    let (text, filler, planted_distinct) = generate_text(&mut rng, &words);

    let mut builds = Vec::new();
    let mut matcher = Matcher::new::<&str>(&[]);
    for _ in 0..MATCH_RUNS {
        let started = Instant::now();
        matcher = black_box(Matcher::new(black_box(&words)));
        builds.push(started.elapsed());
    }
    let mut runs = Vec::new();
    let mut found = Vec::new();
    for _ in 0..MATCH_RUNS {
        let started = Instant::now();
        found = black_box(matcher.find(black_box(&text)));
        runs.push(started.elapsed());
    }
    let find_median = percentile(&runs, 0.5);
    // The part of find that is normalizing the text (a copy, lower case, half width).
    let mut normalizing = Vec::new();
    for _ in 0..MATCH_RUNS {
        let started = Instant::now();
        black_box(normalize(black_box(&text)));
        normalizing.push(started.elapsed());
    }
    // Words in the text without its planted words: none by construction (every Chinese word
    // holds a character the filler never uses), so that the hits are the planted ones.
    let filler_hits = matcher.find(&filler).len();

    // The list as the matcher holds it: normalized, without blanks and repeats.
    let mut list: Vec<String> = words.iter().map(|w| normalize(w.trim())).filter(|w| !w.is_empty()).collect();
    list.sort();
    list.dedup();
    let naive = |slice: &str| {
        let started = Instant::now();
        let normalized = normalize(black_box(slice));
        let found: Vec<&str> = list.iter().filter(|w| normalized.contains(w.as_str())).map(String::as_str).collect();
        (started.elapsed(), black_box(found))
    };
    let (probe, _) = naive(prefix(&text, NAIVE_PROBE_BYTES));
    let wanted = NAIVE_PROBE_BYTES as f64 * NAIVE_TARGET.as_secs_f64() / probe.as_secs_f64().max(1e-6);
    let slice = prefix(&text, (wanted as usize).clamp(NAIVE_PROBE_BYTES, text.len()));
    let (naive_time, naive_found) = naive(slice);
    let mut on_slice = matcher.find(slice);
    let mut naive_sorted: Vec<String> = naive_found.iter().map(|w| (*w).to_owned()).collect();
    naive_sorted.sort();
    on_slice.sort();

    let mb_per_s = |bytes: usize, time: Duration| bytes as f64 / 1e6 / time.as_secs_f64().max(f64::EPSILON);
    let matcher_rate = mb_per_s(text.len(), find_median);
    let naive_rate = mb_per_s(slice.len(), naive_time);
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    SensitiveWords {
        words: words.len(),
        words_in_matcher: matcher.len(),
        text_bytes: text.len(),
        text_chars: text.chars().count(),
        planted_hits: PLANTED_HITS,
        planted_distinct_words: planted_distinct,
        filler_hits,
        runs: MATCH_RUNS,
        build_median_ms: ms(percentile(&builds, 0.5)),
        normalize_median_ms: ms(percentile(&normalizing, 0.5)),
        matcher: MatcherFigures {
            median_ms: ms(find_median),
            mb_per_s: round1(matcher_rate),
            found_distinct_words: found.len(),
        },
        naive: NaiveFigures {
            slice_bytes: slice.len(),
            seconds: secs(naive_time),
            mb_per_s: round1(naive_rate),
            found_distinct_words: naive_sorted.len(),
            matcher_found_on_slice: on_slice.len(),
            same_words: naive_sorted == on_slice,
        },
        ratio_to_naive: ratio(matcher_rate, naive_rate),
    }
}

/// The longest start of `text` of at most `bytes` bytes that ends on a character.
fn prefix(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Common characters: the filler text is made of these only.
const PLAIN_CHARS: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主年动同工也能\
    下过子说种面而方后多定行学所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体机当使点从业本去把性好应\
    开它合还因由其些然前外天四日那社事平形相全表间样与关各重新线内数正心你明看原又么比或但质气第向道此变条只没结问意月公\
    无系很情者最立想已通并提直题程展五果料象员位入常文总次品式活设及管特件长求老头基边流路级少图山统接知较将组见计别她手\
    角期根论运指几九区强放决西被干做必先回则任取据处南给色光门即保北造百规热领七海口东导器压志世金增争济阶油思术极交受联\
    什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报完类八离华名确才科张信马节话米\
    整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近千周委素技备半青\
    省列习响约支般史感劳便团往历市克何除消构府称太准精值号率族维划选标写存候毛亲快效院查江型眼王按格养易置派层片始却专状\
    育厂京识适属圆包火住调满县局照参红细引听该铁价严";
/// Characters of the words only, each Chinese word holding one at least: the filler holds no
/// word by itself, so its hits are the planted ones (and words inside them).
const MARKED_CHARS: &str = "赌博彩票枪毒贷款刷返裸聊假币黑卡套骗诈洗钱迷幻窃监翻墙孕私售卖禁仿冒办销";
/// The ASCII of the filler: what chats hold besides Chinese.
const ASCII_WORDS: [&str; 24] = [
    "the",
    "group",
    "owner",
    "order",
    "price",
    "WeChat",
    "OK",
    "hello",
    "free",
    "today",
    "link",
    "click",
    "share",
    "red",
    "packet",
    "iPhone",
    "APP",
    "VIP",
    "QQ",
    "2024",
    "100",
    "888",
    "https://example.com/item?id=42",
    "#tag",
];

fn chars_of(s: &str) -> Vec<char> {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// WORDS distinct words (by normal form): about 70% Chinese of 2–6 characters, 22% Latin of
/// 5–10 letters in mixed case, 8% Latin in full-width letters.
fn generate_words(rng: &mut Rng) -> Vec<String> {
    let marked = chars_of(MARKED_CHARS);
    let plain: Vec<char> = chars_of(PLAIN_CHARS).into_iter().filter(|c| !marked.contains(c)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::with_capacity(WORDS);
    while words.len() < WORDS {
        let kind = rng.below(100);
        let word: String = if kind < 70 {
            let mut chars: Vec<char> = (0..rng.between(2, 6))
                .map(|_| if rng.below(3) == 0 { *rng.pick(&marked) } else { *rng.pick(&plain) })
                .collect();
            if !chars.iter().any(|c| marked.contains(c)) {
                let at = rng.below(chars.len());
                chars[at] = *rng.pick(&marked);
            }
            chars.into_iter().collect()
        } else {
            let latin: String = (0..rng.between(5, 10))
                .map(|_| {
                    let c = (b'a' + rng.below(26) as u8) as char;
                    if rng.below(3) == 0 { c.to_ascii_uppercase() } else { c }
                })
                .collect();
            if kind < 92 {
                latin
            } else {
                latin.chars().map(|c| char::from_u32(c as u32 + 0xfee0).unwrap_or(c)).collect()
            }
        };
        if seen.insert(normalize(&word)) {
            words.push(word);
        }
    }
    words
}

/// About TEXT_BYTES of chat-like text (sentences of common characters with punctuation, one in
/// five an ASCII one) with PLANTED_HITS words of the list put in as written (mixed case, full
/// width). Answers the text, the same text without the planted words, and how many distinct
/// words were planted.
fn generate_text(rng: &mut Rng, words: &[String]) -> (String, String, usize) {
    let marked = chars_of(MARKED_CHARS);
    let plain: Vec<char> = chars_of(PLAIN_CHARS).into_iter().filter(|c| !marked.contains(c)).collect();
    let punctuation = ['，', '。', '！', '？', '、', '：', ' '];
    let mut sentences = Vec::new();
    let mut bytes = 0;
    while bytes < TEXT_BYTES {
        let mut sentence = String::new();
        if rng.below(5) == 0 {
            for _ in 0..rng.between(3, 12) {
                sentence.push_str(ASCII_WORDS[rng.below(ASCII_WORDS.len())]);
                sentence.push(' ');
            }
        } else {
            for _ in 0..rng.between(8, 40) {
                sentence.push(*rng.pick(&plain));
            }
            sentence.push(*rng.pick(&punctuation));
        }
        bytes += sentence.len();
        sentences.push(sentence);
    }
    let filler = sentences.concat();
    let mut planted = std::collections::HashSet::new();
    for _ in 0..PLANTED_HITS {
        let at = rng.below(sentences.len());
        let word = rng.pick(words);
        sentences[at].push_str(word);
        planted.insert(normalize(word));
    }
    (sentences.concat(), filler, planted.len())
}

impl SensitiveWords {
    pub fn table(&self) -> Table {
        let (matcher, naive) = (&self.matcher, &self.naive);
        let mut table = Table::new(format!(
            "f. Sensitive words: {} words ({} distinct normalized), {:.2} MB of text ({} chars), {} planted hits of {} distinct words",
            self.words,
            self.words_in_matcher,
            self.text_bytes as f64 / 1e6,
            self.text_chars,
            self.planted_hits,
            self.planted_distinct_words
        ))
        .left("", 44)
        .right("MB/s", 10)
        .right("ms", 10)
        .right("found", 8);
        table.row([
            format!("Matcher::new, {} words (median of {})", self.words, self.runs),
            String::new(),
            num(self.build_median_ms),
        ]);
        table.row([
            format!("Matcher::find, whole text (median of {})", self.runs),
            num(matcher.mb_per_s),
            num(matcher.median_ms),
            matcher.found_distinct_words.to_string(),
        ]);
        table.row(["  of which normalize(text) (median)".to_owned(), String::new(), num(self.normalize_median_ms)]);
        table.row([
            format!("naive contains x list, {:.0} KB slice (anchor)", naive.slice_bytes as f64 / 1e3),
            num(naive.mb_per_s),
            num(naive.seconds * 1000.0),
            naive.found_distinct_words.to_string(),
        ]);
        table.note(format!(
            "matcher vs naive: {}   on the slice the matcher found {} words, the naive scan {}: {}",
            times(self.ratio_to_naive),
            naive.matcher_found_on_slice,
            naive.found_distinct_words,
            if naive.same_words { "the same words" } else { "DIFFERENT words" }
        ));
        table.note(format!(
            "(MB = 10^6 bytes of the text as written; both times include normalizing the text once; the text without its \
             planted words holds {} words, so what is found is the planted words and the words inside them)",
            self.filler_hits
        ));
        table
    }
}
