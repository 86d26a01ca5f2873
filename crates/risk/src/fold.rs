//! Folding: the text as the lexicons see it, with a map back to the original bytes.
//!
//! Scammers write "W h a t s A p p", "wh4tsapp", "WhatsАpp" (a Cyrillic А),
//! "Ｗｈａｔｓａｐｐ" or "What\u{200b}sApp" to get past word filters. Folding undoes
//! that, one token at a time:
//! - invisible characters (zero-width spaces and joiners, soft hyphens, bidi marks)
//!   are dropped without splitting the word;
//! - compatibility forms (full-width, mathematical letters, ligatures) become their
//!   plain letters, accents are dropped, everything is lower case;
//! - in a token that mixes Latin with another script, the other script's letters are
//!   replaced by their Unicode TR39 confusable skeleton (`unicode-security`);
//! - in a token with at least as many letters as digits, leetspeak digits and
//!   symbols become letters (`4` a, `3` e, `0` o, `1` i, `5` s, `7` t, `@` a, `$` s),
//!   and `l`, `I` and `1`, which pass for one another, all fold to `i`;
//! - punctuation and spaces are squeezed out, and the word boundaries are kept
//!   beside the folded bytes, so that "w.h.a.t.s.a.p.p" and "whats app" fold to one
//!   run "whatsapp" that starts and ends on a boundary, while "what's appropriate"
//!   ends inside a word and does not match.
//!
//! Each folded byte remembers the original bytes of the character it came from, so
//! every match becomes a span in the text the user sent.

use std::ops::Range;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// A folded text: letters and digits only, lower case, with boundaries and a map
/// from each folded byte to the original character's bytes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Folded {
    /// Folded letters and digits, without separators.
    pub text: String,
    /// For each byte of `text`: where it came from. The end of the text is a
    /// boundary too.
    bytes: Vec<Origin>,
    /// Where each word starts in `text`, in order (the bytes marked as boundaries).
    starts: Vec<u32>,
}

/// Where one folded byte came from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Origin {
    /// The original byte range of the character.
    start: u32,
    end: u32,
    /// The index of the word it belongs to.
    word: u32,
    /// Whether a word starts here.
    boundary: bool,
}

impl Folded {
    /// The original byte range of folded bytes `range` (which must not be empty).
    pub fn original(&self, range: Range<usize>) -> Range<usize> {
        let start = self.bytes[range.start].start as usize;
        let end = self.bytes[range.end - 1].end as usize;
        start..end
    }

    /// Whether a word starts or ends at folded byte position `at`.
    pub fn is_boundary(&self, at: usize) -> bool {
        match self.bytes.get(at) {
            Some(b) => b.boundary,
            None => at == self.bytes.len(),
        }
    }

    /// The index of the word that folded byte `at` belongs to.
    pub fn word_of(&self, at: usize) -> usize {
        self.bytes[at].word as usize
    }

    /// The index of the word at or after original byte `at`.
    pub fn word_at(&self, at: usize) -> usize {
        let i = self.bytes.partition_point(|o| (o.start as usize) < at);
        if i < self.bytes.len() {
            self.bytes[i].word as usize
        } else {
            self.words()
        }
    }

    /// Appends the folded form of one original character; `word_start` marks the
    /// first character of word `index`.
    fn push(&mut self, folded: &str, from: &Piece, word_start: bool, index: u32) {
        for j in 0..folded.len() {
            self.bytes.push(Origin {
                start: from.start,
                end: from.end,
                word: index,
                boundary: word_start && j == 0,
            });
        }
        self.text.push_str(folded);
    }

    /// [`Folded::push`] for a character folded to one character.
    #[inline]
    fn push_char(&mut self, folded: char, from: &Piece, word_start: bool, index: u32) {
        for j in 0..folded.len_utf8() {
            self.bytes.push(Origin {
                start: from.start,
                end: from.end,
                word: index,
                boundary: word_start && j == 0,
            });
        }
        self.text.push(folded);
    }

    /// The folded length of word `index`.
    pub fn word_len(&self, index: usize) -> usize {
        let start = self.bytes.partition_point(|b| (b.word as usize) < index);
        let end = self.bytes.partition_point(|b| (b.word as usize) <= index);
        end - start
    }

    /// Appends one folded ASCII byte: [`Folded::push`] for the common case.
    fn push_ascii(&mut self, folded: u8, from: &Piece, word_start: bool, index: u32) {
        debug_assert!(folded.is_ascii());
        self.bytes.push(Origin {
            start: from.start,
            end: from.end,
            word: index,
            boundary: word_start,
        });
        self.text.push(char::from(folded));
    }

    /// Where each word starts in the folded text, in order.
    pub fn word_starts(&self) -> &[u32] {
        &self.starts
    }

    /// Records that the word that began at folded byte `from` ended here: a word
    /// start, unless the word folded to nothing.
    fn end_word(&mut self, from: usize) {
        if self.text.len() > from {
            self.starts.push(from as u32);
        }
    }

    /// How many words the text has.
    pub fn words(&self) -> usize {
        self.bytes.last().map_or(0, |b| b.word as usize + 1)
    }
}

/// Characters that render as nothing and are used to break up words.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Folds one character alone (a cue in a lexicon, a domain label): the same rules as
/// [`fold`] without the per-word ones.
pub fn fold_char(c: char, out: &mut String) {
    match u32::from(c) {
        0x80..0x800 => out.push_str(&TWO_BYTE[(u32::from(c) - 0x80) as usize].folded),
        _ => fold_char_uncached(c, out),
    }
}

/// What folding needs to know of a two-byte character (accented Latin, Greek,
/// Cyrillic, ...), most of the non-ASCII text: a decomposition, a case table search
/// and the Unicode property tables each time cost more than looking it up.
struct TwoByte {
    folded: Box<str>,
    /// `folded` when it is one character, the common case.
    one: Option<char>,
    class: Class,
    invisible: bool,
}

static TWO_BYTE: std::sync::LazyLock<Vec<TwoByte>> = std::sync::LazyLock::new(|| {
    ('\u{80}'..'\u{800}')
        .map(|c| {
            let mut folded = String::new();
            fold_char_uncached(c, &mut folded);
            let mut chars = folded.chars();
            let one = chars.next().filter(|_| chars.next().is_none());
            TwoByte {
                folded: folded.into_boxed_str(),
                one,
                class: Class::of(c),
                invisible: is_invisible(c),
            }
        })
        .collect()
});

/// [`is_invisible`], with the two-byte characters looked up in the table.
#[inline]
fn invisible(c: char) -> bool {
    match u32::from(c) {
        0..0x80 => false,
        0x80..0x800 => TWO_BYTE[(u32::from(c) - 0x80) as usize].invisible,
        _ => is_invisible(c),
    }
}

/// [`fold_char`] when the fold is one character: ASCII and most two-byte characters.
#[inline]
fn fold_one(c: char) -> Option<char> {
    match u32::from(c) {
        0..0x80 => Some(fold_ascii(c)),
        0x80..0x800 => TWO_BYTE[(u32::from(c) - 0x80) as usize].one,
        _ => None,
    }
}

/// Folds an ASCII character: lower case, and "l" as "i".
fn fold_ascii(c: char) -> char {
    match c.to_ascii_lowercase() {
        // "l", "I" and "1" pass for one another ("AIiExpress", "te1egram"): the
        // lexicons see them as one letter.
        'l' => 'i',
        other => other,
    }
}

fn fold_char_uncached(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(fold_ascii(c));
        return;
    }
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            for l in d.to_lowercase() {
                out.push(match l {
                    'ё' => 'е',
                    'ß' => 's',
                    'l' => 'i',
                    other => other,
                });
                if l == 'ß' {
                    out.push('s');
                }
            }
        }
    });
}

/// Whether a character is alphabetic or numeric, as `char::is_alphabetic` and
/// `char::is_numeric` say.
#[derive(Clone, Copy, Default)]
struct Class {
    alphabetic: bool,
    numeric: bool,
}

impl Class {
    fn of(c: char) -> Class {
        Class {
            alphabetic: c.is_alphabetic(),
            numeric: c.is_numeric(),
        }
    }

    fn alphabetic(self) -> bool {
        self.alphabetic
    }

    fn alphanumeric(self) -> bool {
        self.alphabetic || self.numeric
    }
}

/// [`Class::of`], with the two-byte characters (Cyrillic, Greek, accented Latin)
/// looked up in a table: the Unicode property tables cost a search per character.
#[inline]
fn class(c: char) -> Class {
    match u32::from(c) {
        0..0x80 => Class {
            alphabetic: c.is_ascii_alphabetic(),
            numeric: c.is_ascii_digit(),
        },
        0x80..0x800 => TWO_BYTE[(u32::from(c) - 0x80) as usize].class,
        _ => Class::of(c),
    }
}

#[derive(Clone, Copy)]
struct Piece {
    c: char,
    start: u32,
    end: u32,
}

/// Folds `text` as described in the module documentation.
pub fn fold(text: &str) -> Folded {
    let mut folded = Folded::default();
    fold_into(text, &mut folded);
    folded
}

/// [`fold`] into `folded`, replacing what it held and reusing its buffers: a
/// scanner that folds many texts allocates once.
pub fn fold_into(text: &str, folded: &mut Folded) {
    folded.bytes.clear();
    folded.starts.clear();
    folded.bytes.reserve(text.len());
    folded.starts.reserve(text.len() / 4);
    if text.is_ascii() {
        fold_ascii_text(text, folded);
    } else {
        fold_general(text, folded);
    }
}

/// [`fold_into`] for any text: one word at a time, each folded as soon as it ends.
fn fold_general(text: &str, folded: &mut Folded) {
    folded.text.clear();
    folded.text.reserve(text.len());
    let mut words = Words {
        folded: std::mem::take(folded),
        buf: String::new(),
        index: 0,
        after_single_latin: false,
        waiting: None,
    };
    read_words(text, &mut words);
    *folded = words.finish();
}

/// Where the words of a text go as they are read.
trait WordSink {
    /// An ASCII word read straight from the bytes; `false` to have it as pieces.
    fn ascii(&mut self, bytes: &[u8], word: Range<usize>, leet: bool) -> bool;
    /// A word of two Cyrillic letters or more read straight from the bytes (each a
    /// letter that folds to one character); `false` to have it as pieces.
    fn cyrillic(&mut self, bytes: &[u8], word: Range<usize>) -> bool;
    /// A word as its characters.
    fn word(&mut self, word: &[Piece]);
}

/// Reads the words of `text` into `sink`, in order. A word is a run of letters and
/// digits, with the symbols that pass for letters inside it before a letter;
/// invisible characters are dropped without ending it.
fn read_words(text: &str, sink: &mut impl WordSink) {
    let mut word: Vec<Piece> = Vec::with_capacity(16);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Most words of most texts are ASCII: read from the bytes when nothing else
        // is in or next to them.
        if word.is_empty() && bytes[i].is_ascii_alphanumeric() {
            if let Some((end, leet)) = ascii_word(bytes, i) {
                if sink.ascii(bytes, i..end, leet) {
                    i = end;
                    continue;
                }
            }
        }
        // Russian words, the same way.
        if word.is_empty() && matches!(bytes[i], 0xD0..=0xD3) {
            if let Some(end) = cyrillic_word(bytes, i) {
                if sink.cyrillic(bytes, i..end) {
                    i = end;
                    continue;
                }
            }
        }
        let at = i;
        let c = match bytes[i] {
            b @ 0..0x80 => char::from(b),
            _ => text[i..].chars().next().expect("a character starts here"),
        };
        i += c.len_utf8();
        if !c.is_ascii() && invisible(c) {
            continue;
        }
        let in_word = class(c).alphanumeric()
            || (matches!(c, '@' | '$' | '|' | '€' | '!')
                && !word.is_empty()
                && text[i..]
                    .chars()
                    .next()
                    .is_some_and(|n| class(n).alphabetic()));
        if in_word {
            word.push(Piece {
                c,
                start: at as u32,
                end: i as u32,
            });
        } else if !word.is_empty() {
            sink.word(&word);
            word.clear();
        }
    }
    if !word.is_empty() {
        sink.word(&word);
    }
}

/// The words of a text folded as they end.
struct Words {
    folded: Folded,
    /// The folded form of one character, reused for every character.
    buf: String,
    /// The index of the next word.
    index: u32,
    /// Whether the last word ended was a single Latin letter.
    after_single_latin: bool,
    /// A single letter of another script, waiting for the next word to know whether
    /// it stands among single Latin letters ("W h a t s А p p") and takes their
    /// script; with whether the word before it was one.
    waiting: Option<(Piece, bool)>,
}

impl WordSink for Words {
    fn word(&mut self, word: &[Piece]) {
        let single_latin = word.len() == 1 && is_latin(word[0].c);
        if let Some((letter, after_single_latin)) = self.waiting.take() {
            self.emit(&[letter], after_single_latin || single_latin);
        }
        if word.len() == 1 && !word[0].c.is_ascii() && !is_latin(word[0].c) {
            self.waiting = Some((word[0], self.after_single_latin));
            self.after_single_latin = false;
            return;
        }
        self.emit(word, false);
        self.after_single_latin = single_latin;
    }

    fn cyrillic(&mut self, bytes: &[u8], word: Range<usize>) -> bool {
        if let Some((letter, after_single_latin)) = self.waiting.take() {
            self.emit(&[letter], after_single_latin);
        }
        self.emit_cyrillic(bytes, word);
        self.after_single_latin = false;
        true
    }

    fn ascii(&mut self, bytes: &[u8], word: Range<usize>, leet: bool) -> bool {
        let single_latin = word.len() == 1 && bytes[word.start].is_ascii_alphabetic();
        if let Some((letter, after_single_latin)) = self.waiting.take() {
            self.emit(&[letter], after_single_latin || single_latin);
        }
        let table = if leet { &ASCII_LEET } else { &ASCII_FOLD };
        let folded = &mut self.folded;
        let from = folded.text.len();
        folded.text.extend(
            bytes[word.clone()]
                .iter()
                .map(|&b| char::from(table[usize::from(b)])),
        );
        folded.bytes.extend(ascii_origins(word, self.index));
        folded.end_word(from);
        self.index += 1;
        self.after_single_latin = single_latin;
        true
    }
}

impl Words {
    /// What [`emit_word`] makes of a word of Cyrillic letters, without pieces: each
    /// letter's one-character fold (no Latin letter or digit is in it to take a
    /// Cyrillic look-alike).
    fn emit_cyrillic(&mut self, bytes: &[u8], word: Range<usize>) {
        let folded = &mut self.folded;
        let from = folded.text.len();
        for at in word.clone().step_by(2) {
            let c = two_byte_char(bytes, at);
            let f = TWO_BYTE[c as usize - 0x80]
                .one
                .expect("cyrillic_word checked each letter");
            let piece = Piece {
                c: char::from_u32(c).expect("a two-byte character"),
                start: at as u32,
                end: at as u32 + 2,
            };
            folded.push_char(f, &piece, at == word.start, self.index);
        }
        folded.end_word(from);
        self.index += 1;
    }

    fn emit(&mut self, word: &[Piece], among_latin: bool) {
        emit_word(
            &mut self.folded,
            word,
            self.index,
            among_latin,
            &mut self.buf,
        );
        self.index += 1;
    }

    fn finish(mut self) -> Folded {
        if let Some((letter, after_single_latin)) = self.waiting.take() {
            self.emit(&[letter], after_single_latin);
        }
        self.folded
    }
}

/// [`fold`] for a text of ASCII characters only, in one pass over its bytes: the same
/// words and the same folds as the general path, without decoding characters.
fn fold_ascii_text(text: &str, folded: &mut Folded) {
    let bytes = text.as_bytes();
    let mut out = std::mem::take(&mut folded.text).into_bytes();
    out.clear();
    out.reserve(text.len());
    let mut index = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        let leet;
        (i, leet) = ascii_word(bytes, start).expect("an ASCII text has ASCII words");
        let table = if leet { &ASCII_LEET } else { &ASCII_FOLD };
        folded.starts.push(out.len() as u32);
        out.extend(bytes[start..i].iter().map(|&b| table[usize::from(b)]));
        folded.bytes.extend(ascii_origins(start..i, index));
        index += 1;
    }
    folded.text = String::from_utf8(out).expect("ASCII folds to ASCII");
}

/// Where the bytes of ASCII word `index`, original bytes `word`, came from.
fn ascii_origins(word: Range<usize>, index: u32) -> impl Iterator<Item = Origin> {
    let first = word.start;
    word.map(move |at| Origin {
        start: at as u32,
        end: at as u32 + 1,
        word: index,
        boundary: at == first,
    })
}

/// The ASCII word that starts at `start` (a letter or digit): where it ends and
/// whether it is written in leetspeak. The symbols that pass for letters count only
/// inside a word, before a letter. `None` when a character beyond ASCII is in or
/// right after the word and the general path must decide.
fn ascii_word(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    let (mut letters, mut digits) = (0u32, 0u32);
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphabetic() {
            letters += 1;
        } else if b.is_ascii_digit() {
            digits += 1;
        } else if matches!(b, b'@' | b'$' | b'|' | b'!') {
            match bytes.get(i + 1) {
                Some(n) if n.is_ascii_alphabetic() => {}
                Some(n) if !n.is_ascii() => return None,
                _ => break,
            }
        } else if !b.is_ascii() {
            return None;
        } else {
            break;
        }
        i += 1;
    }
    Some((i, letters > 0 && letters >= digits))
}

/// The character of the two-byte UTF-8 sequence at `at`.
fn two_byte_char(bytes: &[u8], at: usize) -> u32 {
    u32::from(bytes[at] & 0x1F) << 6 | u32::from(bytes[at + 1] & 0x3F)
}

/// The word of Cyrillic letters (U+0400 to U+04FF) that starts at `start`: where it
/// ends. `None` unless it has two letters or more, each alphabetic, visible and
/// folding to one character, and nothing that could continue the word follows (a
/// letter, a digit, a symbol that passes for a letter, any other character beyond
/// ASCII): then the general path decides.
fn cyrillic_word(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while i + 1 < bytes.len() && matches!(bytes[i], 0xD0..=0xD3) {
        let letter = &TWO_BYTE[two_byte_char(bytes, i) as usize - 0x80];
        if !letter.class.alphabetic() || letter.invisible || letter.one.is_none() {
            return None;
        }
        i += 2;
    }
    let ends = match bytes.get(i) {
        None => true,
        Some(&b) => {
            b.is_ascii() && !b.is_ascii_alphanumeric() && !matches!(b, b'@' | b'$' | b'|' | b'!')
        }
    };
    (ends && i - start >= 4).then_some(i)
}

/// [`fold_ascii`] of every ASCII byte.
const ASCII_FOLD: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match (b as u8).to_ascii_lowercase() {
            b'l' => b'i',
            other => other,
        };
        b += 1;
    }
    table
};

/// [`ASCII_FOLD`] in a word written in leetspeak: [`leet_letter`] first.
const ASCII_LEET: [u8; 128] = {
    let mut table = ASCII_FOLD;
    let leet: [(u8, u8); 10] = [
        (b'0', b'o'),
        (b'1', b'i'),
        (b'|', b'i'),
        (b'!', b'i'),
        (b'3', b'e'),
        (b'4', b'a'),
        (b'@', b'a'),
        (b'5', b's'),
        (b'$', b's'),
        (b'7', b't'),
    ];
    let mut k = 0;
    while k < leet.len() {
        table[leet[k].0 as usize] = leet[k].1;
        k += 1;
    }
    table
};

fn emit_word(folded: &mut Folded, word: &[Piece], index: u32, force_latin: bool, buf: &mut String) {
    let from = folded.text.len();
    fold_word(folded, word, index, force_latin, buf);
    folded.end_word(from);
}

/// The bytes and origins of one word, for [`emit_word`].
fn fold_word(folded: &mut Folded, word: &[Piece], index: u32, force_latin: bool, buf: &mut String) {
    let mut ascii = true;
    let mut latin = false;
    let mut other_script = false;
    let mut letters = 0usize;
    let mut digits = 0usize;
    let mut cyrillic = 0usize;
    for p in word {
        ascii &= p.c.is_ascii();
        if p.c.is_ascii_digit() {
            digits += 1;
        } else if class(p.c).alphabetic() {
            letters += 1;
            if is_latin(p.c) {
                latin = true;
            } else {
                other_script = true;
            }
        }
        cyrillic += usize::from(('\u{0400}'..='\u{04FF}').contains(&p.c));
    }
    if ascii {
        emit_ascii_word(folded, word, index, letters > 0 && letters >= digits);
        return;
    }
    // "к@рту", "оплaти" (a Latin a): a Russian word with Latin or leet letters in it
    // takes the Cyrillic letters they pass for.
    if cyrillic > 0 && cyrillic * 2 >= letters && !force_latin {
        for (i, p) in word.iter().enumerate() {
            match latin_to_cyrillic(p.c).or_else(|| fold_one(p.c)) {
                Some(c) => folded.push_char(c, p, i == 0, index),
                None => {
                    buf.clear();
                    fold_char(p.c, buf);
                    folded.push(buf, p, i == 0, index);
                }
            }
        }
        return;
    }
    let mixed = (latin && other_script) || force_latin;
    let leet = letters > 0 && letters >= digits;
    for (i, p) in word.iter().enumerate() {
        let c = p.c;
        let other = mixed && !c.is_ascii() && !is_latin(c);
        // The common case: a letter that folds to one character.
        if let Some(f) = fold_one(c).filter(|_| !(other || leet && leet_letter(c).is_some())) {
            folded.push_char(f, p, i == 0, index);
            continue;
        }
        buf.clear();
        if leet {
            if let Some(l) = leet_letter(c) {
                buf.push(l);
            }
        }
        if buf.is_empty() && other {
            let skeleton: String =
                unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut [0; 4]))
                    .collect();
            if !skeleton.is_empty() && skeleton.chars().all(|s| s.is_ascii_alphanumeric()) {
                for s in skeleton.chars() {
                    buf.push(s.to_ascii_lowercase());
                }
            }
        }
        if buf.is_empty() {
            fold_char(c, buf);
        }
        folded.push(buf, p, i == 0, index);
    }
}

/// [`emit_word`] for a word of ASCII characters only, most words of most chats: no
/// Cyrillic and no other script to fold, every character folds to one byte.
fn emit_ascii_word(folded: &mut Folded, word: &[Piece], index: u32, leet: bool) {
    let table = if leet { &ASCII_LEET } else { &ASCII_FOLD };
    for (i, p) in word.iter().enumerate() {
        folded.push_ascii(table[p.c as usize], p, i == 0, index);
    }
}

fn latin_to_cyrillic(c: char) -> Option<char> {
    Some(match c.to_ascii_lowercase() {
        'a' | '@' | '4' => 'а',
        'o' | '0' => 'о',
        'e' | '3' => 'е',
        'p' => 'р',
        'c' => 'с',
        'x' => 'х',
        'y' => 'у',
        'k' => 'к',
        'm' => 'м',
        't' => 'т',
        'h' => 'н',
        'b' => 'в',
        _ => return None,
    })
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || ('\u{00C0}'..='\u{024F}').contains(&c)
        || ('\u{FF21}'..='\u{FF5A}').contains(&c)
        || ('\u{1D400}'..='\u{1D7FF}').contains(&c)
}

fn leet_letter(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '|' | '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '€' => 'e',
        _ => return None,
    })
}

/// Folds a lexicon cue: the cue is folded like a text and its word boundaries are
/// dropped, so that it matches however the text splits it.
pub fn fold_cue(cue: &str) -> String {
    fold(cue).text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> String {
        fold(text).text
    }

    #[test]
    fn disguises_fold_to_the_plain_word() {
        for disguised in [
            "WhatsApp",
            "W h a t s A p p",
            "w.h.a.t.s.a.p.p",
            "wh4tsapp",
            "Whats\u{200b}App",
            "ＷｈａｔｓＡｐｐ",
            "Whats\u{0410}pp",
            "whats-app",
            "wh@tsapp",
        ] {
            assert_eq!(folded(disguised), "whatsapp", "{disguised:?}");
        }
        for disguised in ["Telegram", "te1egram", "TELEGRAM", "t e l e g r a m"] {
            assert_eq!(folded(disguised), "teiegram", "{disguised:?}");
        }
    }

    #[test]
    fn spans_map_back_to_original_characters() {
        let text = "add me: W h a t s А p p now";
        let f = fold(text);
        let at = f.text.find("whatsapp").unwrap();
        let span = f.original(at..at + "whatsapp".len());
        assert_eq!(&text[span], "W h a t s А p p");
        assert!(f.is_boundary(at) && f.is_boundary(at + 8));
    }

    #[test]
    fn cyrillic_words_stay_cyrillic_and_accents_go() {
        assert_eq!(folded("Пиши в ТЕЛЕГУ"), "пишивтелегу");
        assert_eq!(folded("Dirección, ÉTÉ, Straße"), "direccionetestrasse");
        assert_eq!(folded("AIiExpress"), folded("aliexpress"));
        assert_eq!(folded("te1egram"), folded("telegram"));
        assert_eq!(folded("ёлка"), "елка");
        assert_eq!(folded("переведи на к@рту"), folded("переведи на карту"));
        assert_eq!(folded("oплатитe"), folded("оплатите"));
    }

    #[test]
    fn character_tables_agree_with_the_unicode_functions() {
        for c in ('\0'..'\u{1000}').chain(['\u{FF21}', '\u{1D400}', '\u{1F600}']) {
            let class = class(c);
            assert_eq!(invisible(c), is_invisible(c), "{c:?}");
            assert_eq!(class.alphabetic(), c.is_alphabetic(), "{c:?}");
            assert_eq!(class.alphanumeric(), c.is_alphanumeric(), "{c:?}");
            let (mut cached, mut uncached) = (String::new(), String::new());
            fold_char(c, &mut cached);
            fold_char_uncached(c, &mut uncached);
            assert_eq!(cached, uncached, "{c:?}");
            let mut chars = cached.chars();
            let one = chars.next().filter(|_| chars.next().is_none());
            assert_eq!(
                fold_one(c).filter(|_| c >= '\u{80}'),
                one.filter(|_| ('\u{80}'..'\u{800}').contains(&c)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn ascii_tables_agree_with_the_fold_functions() {
        for b in 0u8..128 {
            let c = char::from(b);
            assert_eq!(
                char::from(ASCII_FOLD[usize::from(b)]),
                fold_ascii(c),
                "{c:?}"
            );
            let leet = leet_letter(c).unwrap_or_else(|| fold_ascii(c));
            assert_eq!(char::from(ASCII_LEET[usize::from(b)]), leet, "{c:?}");
        }
    }

    /// Every word of a text as its characters, ASCII ones too.
    struct AllWords(Vec<Vec<Piece>>);

    impl WordSink for AllWords {
        fn ascii(&mut self, _: &[u8], _: Range<usize>, _: bool) -> bool {
            false
        }

        fn cyrillic(&mut self, _: &[u8], _: Range<usize>) -> bool {
            false
        }

        fn word(&mut self, word: &[Piece]) {
            self.0.push(word.to_vec());
        }
    }

    /// [`fold_general`] the first way it was written, kept as its oracle: all the
    /// words first, every one as characters, then each folded knowing both its
    /// neighbours.
    fn fold_two_passes(text: &str) -> Folded {
        let mut words = AllWords(Vec::new());
        read_words(text, &mut words);
        let words = words.0;
        let mut folded = Folded::default();
        let mut buf = String::new();
        // A letter spelt alone among single Latin letters ("W h a t s А p p") takes the
        // script of its neighbours.
        let single_latin =
            |w: Option<&Vec<Piece>>| w.is_some_and(|w| w.len() == 1 && is_latin(w[0].c));
        for (i, word) in words.iter().enumerate() {
            let alone_among_latin = word.len() == 1
                && !is_latin(word[0].c)
                && (single_latin(i.checked_sub(1).and_then(|j| words.get(j)))
                    || single_latin(words.get(i + 1)));
            emit_word(&mut folded, word, i as u32, alone_among_latin, &mut buf);
        }
        folded
    }

    proptest::proptest! {
        /// The one-word-at-a-time fold is the two-pass one: scripts mixed, single
        /// letters among others, invisible characters, leetspeak, symbols.
        #[test]
        fn words_fold_as_in_two_passes(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "W", "h", "a", "5", "А", "р", "Ж", "é", "α", "\u{ff21}", "\u{1d400}", "😊",
                "Whats", "WhatsАpp", "к@рту", "oплaти", "Straße", "wh4ts", "te1egram", "€uro",
                "k@рту", "x!é", "a$\u{200b}b", "оплата", "ТОЧКА", "ёлка", "на", "Жж", "тг",
                "Ѐѐ", "ӿ", "ңү",
                "@", "$", "|", "!", "€", "\u{200b}", "\u{ad}", "ё",
            ]), 0..16),
            gaps in proptest::collection::vec(proptest::sample::select(vec![
                " ", "", ".", "\u{200b}", ", "
            ]), 16),
        ) {
            let mut text = String::new();
            for (token, gap) in tokens.iter().zip(&gaps) {
                text.push_str(token);
                text.push_str(gap);
            }
            proptest::prop_assert_eq!(general(&text), fold_two_passes(&text));
        }

        /// The one-pass ASCII fold finds the same words and folds as the general one:
        /// letters, digits, leetspeak, the symbols that pass for letters, separators.
        #[test]
        fn the_ascii_path_folds_like_the_general_one(text in "[a-zA-Z0-9@$|!l1I.,:'/ _-]{0,80}") {
            let mut ascii = Folded::default();
            fold_ascii_text(&text, &mut ascii);
            proptest::prop_assert_eq!(ascii, general(&text));
        }

        /// Folding into the buffers of an earlier text leaves nothing of it behind.
        #[test]
        fn folding_into_used_buffers_is_folding_afresh(
            texts in proptest::collection::vec(proptest::sample::select(vec![
                "add me on W h a t s A p p", "оплaти на к@рту", "", "Straße 5", "x", "😊 ok",
                "pay by p@yp@l", "ЖЖЖ жж",
            ]), 1..6),
        ) {
            let mut reused = Folded::default();
            for text in texts {
                fold_into(text, &mut reused);
                proptest::prop_assert_eq!(&reused, &fold(text));
            }
        }
    }

    /// [`fold_general`] into fresh buffers.
    fn general(text: &str) -> Folded {
        let mut folded = Folded::default();
        fold_general(text, &mut folded);
        folded
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(folded("LP00123456789CN 25 USD"), "ip00123456789cn25usd");
        assert_eq!(folded("+7 (916) 123-45-67"), "79161234567");
    }
}
