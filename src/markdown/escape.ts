// Makes user-supplied text safe to echo in a comment: no HTML, no markdown that changes the
// structure, no @mentions that ping, no table breakouts, and JSON that cannot end an HTML
// comment early.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Inline text: one line, escaped for markdown and HTML, capped. */
export function escapeInline(text: string, max = 200): string {
  const oneLine = text.replace(/[\r\n\t]+/g, ' ').replace(/\p{Cc}/gu, '');
  const capped = oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
  return capped
    .replace(/[&<>"]/g, (c) => HTML[c] ?? c)
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1')
    .replace(/@/g, '@\u200b');
}

/** Text for inside a `code span`: backticks cannot close it. */
export function codeSpan(text: string, max = 200): string {
  const oneLine = text
    .replace(/[\r\n]+/g, ' ')
    .slice(0, max)
    .replace(/`/g, "'");
  return `\`${oneLine}\``;
}

/** JSON for inside `<!-- ... -->`: `<`, `>` and `-` escaped so the comment cannot be closed. */
export function jsonForHtmlComment(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>-]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A URL from the operator's policy (a runbook) as a markdown autolink, `<https://…>`: only
 * http(s), normalised by the URL parser (so no space or `>` ends it early); null for anything
 * else, so that a malformed one leaves the link out rather than the comment.
 */
export function autolink(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? `<${u.href}>` : null;
  } catch {
    return null;
  }
}
