// Splitting a command line into words, as a person types them on GitHub (quotes of three kinds).
export interface Token {
  readonly text: string;
  /** The whole token was quoted ("--force" quoted is a word, not a flag). */
  readonly quoted: boolean;
  /** The part after `=` was quoted (`--reason="volume pruned"`). */
  readonly valueQuoted: boolean;
}

const CLOSING: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '„': '“' };

/**
 * Splits on white space, keeping quoted runs whole: "double", 'single' and the curly “double”
 * a phone's keyboard types; a backslash escapes a quote inside double quotes. A quote may
 * start mid-token (`--reason="volume pruned"`).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let current: string | null = null;
  let quoted = false;
  let valueQuoted = false;
  const end = () => {
    if (current !== null) tokens.push({ text: current, quoted, valueQuoted });
    current = null;
    quoted = false;
    valueQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      end();
      continue;
    }
    const close = CLOSING[c];
    if (close) {
      const startsToken = current === null;
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== close && !(close === '”' && text[j] === '"'); j++) {
        if (text[j] === '\\' && c === '"' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        value += text[j];
      }
      if (j >= text.length) throw new Error('a quote is not closed');
      current = (current ?? '') + value;
      if (startsToken) quoted = true;
      else valueQuoted = true;
      i = j;
      continue;
    }
    current = (current ?? '') + c;
  }
  end();
  return tokens;
}
