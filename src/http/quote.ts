// Quoting what a server sent, for a message: the start only, on one line, and never by
// serialising a value whole (a 100,000-deep array would overflow the stack, a 50 MB event
// would become a 50 MB message).

/** The first `length` characters of `text`, quoted, with how much was left out. */
export function quoteStart(text: string, length = 200): string {
  const start = JSON.stringify(text.slice(0, length));
  return text.length > length ? `${start}… (${text.length} characters)` : start;
}
