/**
 * Parses a `matches` pattern as JavaScript reads a regular expression without flags (so with the web
 * compatibility grammar of ECMAScript Annex B, and code units, not code points). Callers compile the
 * pattern with `new RegExp` first: this parser relies on it to refuse syntax errors, and refuses only what
 * the linear-time matcher cannot run (backreferences, lookarounds, group syntax newer than ES2018), or
 * the odd error V8 would have caught.
 *
 * Annex B details it follows: `]`, `{` and `}` are literal where they cannot be syntax (`x{,5}` is
 * seven characters; `\u{3}` is `u` three times); `\c` not followed by a letter is a backslash (inside a
 * class, `\c` takes a digit or `_` too); `\0` to `\377` are octal; an unknown escape is the character
 * itself (`\a` is `a`, `\k` is `k` when there is no named group); in a class, a range with a class escape
 * at either end (`[\d-z]`) is the three parts, `-` included.
 */
import type { Assertion, RegexNode } from './ast.ts';
import { ANY_BUT_LINE_TERMINATORS, type CharSet, complementOf, DIGITS, singleChar, unionOf, WHITE_SPACE, WORD_CHARS } from './char-set.ts';

export type ParsedPattern = { ok: true; node: RegexNode } | { ok: false; message: string };

class Refusal extends Error {}

function refuse(message: string): never {
  throw new Refusal(message);
}

/** V8 reads a count of 2^31 - 1 or more in `{n,m}` as unbounded. */
const UNBOUNDED_COUNT = 2 ** 31 - 1;

const HYPHEN = singleChar(0x2d);
const BACKSLASH = 0x5c;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isOctalDigit = (c: number) => c >= 0x30 && c <= 0x37;
const isHexDigit = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** charCodeAt gives NaN past the end, which is no letter. */
const isAsciiLetter = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/** `\d \D \s \S \w \W`, by the letter after the backslash. */
const CLASS_ESCAPES: Readonly<Record<string, CharSet>> = {
  d: DIGITS,
  D: complementOf(DIGITS),
  s: WHITE_SPACE,
  S: complementOf(WHITE_SPACE),
  w: WORD_CHARS,
  W: complementOf(WORD_CHARS),
};

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };

interface Quantifier {
  readonly min: number;
  readonly max: number;
  /** Characters the quantifier takes, its lazy `?` excluded. */
  readonly length: number;
}

class PatternParser {
  private pos = 0;
  private sawNamedGroup = false;
  private sawEscapedK = false;

  constructor(private readonly src: string) {}

  parse(): RegexNode {
    const node = this.disjunction();
    if (this.pos < this.src.length) refuse(`unmatched ")" at position ${this.pos}`);
    // With a named group, JavaScript reads `\k` as a named backreference (or refuses the pattern).
    if (this.sawNamedGroup && this.sawEscapedK) refuse('backreferences are not allowed');
    return node;
  }

  private disjunction(): RegexNode {
    const options = [this.alternative()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      options.push(this.alternative());
    }
    return options.length === 1 ? options[0]! : { kind: 'alternation', options };
  }

  private alternative(): RegexNode {
    const items: RegexNode[] = [];
    for (let ch = this.src[this.pos]; ch !== undefined && ch !== '|' && ch !== ')'; ch = this.src[this.pos]) items.push(this.term());
    return items.length === 1 ? items[0]! : { kind: 'sequence', items };
  }

  private term(): RegexNode {
    const assertion = this.assertion();
    if (assertion !== undefined) {
      if (this.quantifierAt(this.pos) !== undefined) refuse('nothing to repeat');
      return { kind: 'assertion', assertion };
    }
    const atom = this.atom();
    const q = this.quantifierAt(this.pos);
    if (q === undefined) return atom;
    this.pos += q.length;
    if (this.src[this.pos] === '?') this.pos++; // lazy: the same strings match
    return { kind: 'repeat', body: atom, min: q.min, max: q.max };
  }

  private assertion(): Assertion | undefined {
    const ch = this.src[this.pos];
    if (ch === '^' || ch === '$') {
      this.pos++;
      return ch === '^' ? 'start' : 'end';
    }
    if (ch === '\\' && (this.src[this.pos + 1] === 'b' || this.src[this.pos + 1] === 'B')) {
      this.pos += 2;
      return this.src[this.pos - 1] === 'b' ? 'wordBoundary' : 'notWordBoundary';
    }
    return undefined;
  }

  private atom(): RegexNode {
    const ch = this.src[this.pos]!;
    switch (ch) {
      case '.':
        this.pos++;
        return { kind: 'chars', set: ANY_BUT_LINE_TERMINATORS };
      case '(':
        return this.group();
      case '[':
        return { kind: 'chars', set: this.characterClass() };
      case '\\':
        return this.atomEscape();
      case '*':
      case '+':
      case '?':
        return refuse('nothing to repeat');
      case '{':
        if (this.quantifierAt(this.pos) !== undefined) refuse('nothing to repeat');
        break;
    }
    this.pos++;
    return { kind: 'chars', set: singleChar(ch.charCodeAt(0)) };
  }

  private group(): RegexNode {
    const src = this.src;
    this.pos++;
    if (src[this.pos] === '?') {
      const kind = src[this.pos + 1];
      if (kind === '=' || kind === '!' || (kind === '<' && (src[this.pos + 2] === '=' || src[this.pos + 2] === '!'))) {
        refuse('lookarounds such as (?=...) are not allowed');
      }
      if (kind === ':') this.pos += 2;
      else if (kind === '<') {
        const end = src.indexOf('>', this.pos);
        if (end < 0) refuse('unterminated group name');
        this.pos = end + 1;
        this.sawNamedGroup = true;
      } else refuse(`unsupported group syntax "(?${kind ?? ''}"`);
    }
    const inner = this.disjunction();
    if (src[this.pos] !== ')') refuse('unterminated group');
    this.pos++;
    return inner;
  }

  /** A quantifier at `at`: `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`; undefined when there is none. */
  private quantifierAt(at: number): Quantifier | undefined {
    const ch = this.src[at];
    if (ch === '*') return { min: 0, max: Infinity, length: 1 };
    if (ch === '+') return { min: 1, max: Infinity, length: 1 };
    if (ch === '?') return { min: 0, max: 1, length: 1 };
    if (ch !== '{') return undefined;
    let i = at + 1;
    const start = i;
    while (isDigit(this.src.charCodeAt(i))) i++;
    if (i === start) return undefined;
    const min = this.count(start, i);
    let max = min;
    if (this.src[i] === ',') {
      const maxStart = ++i;
      while (isDigit(this.src.charCodeAt(i))) i++;
      max = i === maxStart ? Infinity : this.count(maxStart, i);
    }
    if (this.src[i] !== '}') return undefined;
    if (min > max) refuse('numbers out of order in {} quantifier');
    return { min, max, length: i + 1 - at };
  }

  private count(from: number, to: number): number {
    const n = Number(this.src.slice(from, to));
    return n >= UNBOUNDED_COUNT ? Infinity : n;
  }

  /** After a backslash, outside a class. */
  private atomEscape(): RegexNode {
    const src = this.src;
    const next = src[this.pos + 1];
    if (next === undefined) refuse('\\ at end of pattern');
    const classEscape = CLASS_ESCAPES[next];
    if (classEscape !== undefined) {
      this.pos += 2;
      return { kind: 'chars', set: classEscape };
    }
    if (next >= '1' && next <= '9') refuse('backreferences are not allowed');
    if (next === 'c' && !isAsciiLetter(src.charCodeAt(this.pos + 2))) {
      // `\c` without a control letter is a backslash; the `c` is read next, as itself.
      this.pos++;
      return { kind: 'chars', set: singleChar(BACKSLASH) };
    }
    return { kind: 'chars', set: singleChar(this.characterEscape()) };
  }

  /** The code unit of the escape at `pos` (a backslash followed by at least one character). */
  private characterEscape(): number {
    const src = this.src;
    const next = src[this.pos + 1]!;
    const control = CONTROL_ESCAPES[next];
    if (control !== undefined) {
      this.pos += 2;
      return control;
    }
    if (next === 'c') {
      // The caller checked what may follow `\c`: a letter, or in a class a digit or `_`.
      this.pos += 3;
      return src.charCodeAt(this.pos - 1) & 0x1f;
    }
    if (isOctalDigit(next.charCodeAt(0))) return this.octalEscape();
    if (next === 'x' || next === 'u') {
      const digits = next === 'x' ? 2 : 4;
      const hex = src.slice(this.pos + 2, this.pos + 2 + digits);
      if (hex.length === digits && [...hex].every((h) => isHexDigit(h.charCodeAt(0)))) {
        this.pos += 2 + digits;
        return Number.parseInt(hex, 16);
      }
    }
    if (next === 'k') this.sawEscapedK = true;
    // Identity escape: the code unit itself (`\x`, `\u` without their digits are `x` and `u`).
    this.pos += 2;
    return next.charCodeAt(0);
  }

  /** `\0` to `\377`: up to three octal digits while the value stays below 256. */
  private octalEscape(): number {
    const src = this.src;
    this.pos++;
    let value = src.charCodeAt(this.pos++) - 0x30;
    if (isOctalDigit(src.charCodeAt(this.pos))) {
      value = value * 8 + src.charCodeAt(this.pos++) - 0x30;
      if (value < 32 && isOctalDigit(src.charCodeAt(this.pos))) value = value * 8 + src.charCodeAt(this.pos++) - 0x30;
    }
    return value;
  }

  /** `[...]` or `[^...]`; `[]` matches nothing and `[^]` any code unit. */
  private characterClass(): CharSet {
    const src = this.src;
    this.pos++;
    const negated = src[this.pos] === '^';
    if (negated) this.pos++;
    const parts: CharSet[] = [];
    for (;;) {
      if (this.pos >= src.length) refuse('unterminated character class');
      if (src[this.pos] === ']') break;
      const first = this.classAtom();
      if (src[this.pos] !== '-' || this.pos + 1 >= src.length || src[this.pos + 1] === ']') {
        parts.push(typeof first === 'number' ? singleChar(first) : first);
        continue;
      }
      this.pos++;
      const last = this.classAtom();
      if (typeof first === 'number' && typeof last === 'number') {
        if (first > last) refuse('range out of order in character class');
        parts.push([first, last]);
      } else {
        parts.push(typeof first === 'number' ? singleChar(first) : first, HYPHEN, typeof last === 'number' ? singleChar(last) : last);
      }
    }
    this.pos++;
    const set = unionOf(parts);
    return negated ? complementOf(set) : set;
  }

  /** A code unit, or the set of a class escape. */
  private classAtom(): number | CharSet {
    const src = this.src;
    if (src[this.pos] !== '\\') return src.charCodeAt(this.pos++);
    const next = src[this.pos + 1];
    if (next === undefined) refuse('\\ at end of pattern');
    const classEscape = CLASS_ESCAPES[next];
    if (classEscape !== undefined) {
      this.pos += 2;
      return classEscape;
    }
    if (next === 'b') {
      this.pos += 2;
      return 0x08; // backspace, in a class
    }
    if (next === '8' || next === '9') {
      this.pos += 2;
      return next.charCodeAt(0);
    }
    if (next === 'c') {
      const after = src.charCodeAt(this.pos + 2);
      if (!isAsciiLetter(after) && !isDigit(after) && after !== 0x5f) {
        this.pos++;
        return BACKSLASH;
      }
    }
    return this.characterEscape();
  }
}

export function parsePattern(pattern: string): ParsedPattern {
  try {
    return { ok: true, node: new PatternParser(pattern).parse() };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, message: e.message };
    throw e;
  }
}
