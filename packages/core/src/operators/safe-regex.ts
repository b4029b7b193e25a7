/**
 * Guards for the `matches` operator. JavaScript regular expressions backtrack, so a pattern such
 * as `(a+)+$` can take exponential time on a crafted input. Patterns are checked when written:
 * nested quantifiers (`(a+)+`, `(a?){20}`), repeated alternatives (`(a|aa)+`) and
 * backreferences are refused; input length is capped at evaluation time, which bounds the
 * polynomial cases (`.*a.*b`) that remain.
 */

/**
 * Longest pattern accepted.
 *
 * @example
 * regexProblem('a'.repeat(MAX_PATTERN_LENGTH + 1)); // 'pattern longer than 512 characters'
 */
export const MAX_PATTERN_LENGTH = 512;

/**
 * Longest attribute value a pattern is run against; longer values do not match.
 *
 * @example
 * const tested = email.length <= MAX_MATCH_INPUT_LENGTH;
 */
export const MAX_MATCH_INPUT_LENGTH = 1024;

interface Group {
  /** The group contains a quantified item. */
  quantified: boolean;
  /** The group has alternatives (`a|b`) at its own level. */
  alternates: boolean;
}

/** The quantifier starting at `text[i]`: its length (0 if none) and whether it can repeat more than once. */
function quantifierAt(text: string, i: number): { length: number; repeats: boolean } {
  const c = text[i];
  if (c === '*' || c === '+') return { length: 1, repeats: true };
  if (c === '?') return { length: 1, repeats: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(text.slice(i));
    if (m === null) return { length: 0, repeats: false };
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    return { length: m[0].length, repeats: max > 1 };
  }
  return { length: 0, repeats: false };
}

/**
 * Why a pattern is unsafe or invalid, or `undefined` when it may be used.
 *
 * @example
 * regexProblem('^[a-z]+@example\\.com$'); // undefined
 * regexProblem('(a+)+$');                 // 'nested quantifier: a repeated group contains a quantified item'
 */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `invalid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  const stack: Group[] = [{ quantified: false, alternates: false }];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'backreferences are not allowed';
      i++;
      if (inClass) continue;
    } else if (inClass) {
      if (c !== ']') continue;
      inClass = false;
    } else if (c === '[') {
      inClass = true;
      continue;
    } else if (c === '(') {
      stack.push({ quantified: false, alternates: false });
      continue;
    } else if (c === '|') {
      stack[stack.length - 1]!.alternates = true;
      continue;
    } else if (c === ')') {
      const group = stack.pop();
      const parent = stack[stack.length - 1];
      if (group === undefined || parent === undefined) return 'unbalanced parentheses';
      const quantifier = quantifierAt(pattern, i + 1);
      if (quantifier.repeats && group.quantified) return 'nested quantifier: a repeated group contains a quantified item';
      if (quantifier.repeats && group.alternates) return 'a repeated group may not contain alternatives (a|b)';
      if (quantifier.length > 0 || group.quantified) parent.quantified = true;
      i += quantifier.length;
      continue;
    }
    const quantifier = quantifierAt(pattern, i + 1);
    if (quantifier.length > 0) stack[stack.length - 1]!.quantified = true;
    i += quantifier.length;
  }
  return undefined;
}
