// [pager] W3C Trace Context's `traceparent` (version 00): what a caller's header must look
// like for a run to join its trace. Anything else is ignored, as the specification asks.

export const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The header's value when it is a valid `traceparent`, else undefined. */
export function validTraceparent(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return TRACEPARENT.test(text) ? text : undefined;
}
