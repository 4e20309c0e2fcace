/**
 * Splits a command line into argv without a shell: whitespace separates words, '…' is
 * literal, "…" allows \" and \\ (so JSON-quoted paths work), and a backslash outside quotes
 * escapes the next character. No variables, globs or pipes: what you write is what runs.
 * Throws on an empty command or an unclosed quote.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '\\' && i + 1 < line.length) word += line[++i];
      else word += ch;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in command`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error('empty command');
  return words;
}
