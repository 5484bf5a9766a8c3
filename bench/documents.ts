// Generated LLM-like documents for the benchmarks: prose with escapes and non-ASCII text,
// numbers, nested objects and arrays of objects. Deterministic, so runs compare.
import { seededRandom } from "../src/testing/sample-data.js";

const WORDS = [
  "the", "model", "streams", "tokens", "into", "a", "schema", "while", "users", "wait", "for",
  "structured", "output", "café", "naïve", "Zürich", "東京", "данные", "😀", "résumé", "quote\"d",
  "back\\slash", "tab\there", "line\nbreak", "ünïcödé", "façade", "→", "€42", "𝔘𝔫𝔦",
];

/** The same seeded generator as the offline model server's sample data. */
export const random = seededRandom;

function sentence(next: () => number, words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(WORDS[Math.floor(next() * WORDS.length)] as string);
  return parts.join(" ") + ".";
}

function record(next: () => number, id: number): Record<string, unknown> {
  return {
    id,
    title: sentence(next, 4 + Math.floor(next() * 6)),
    summary: sentence(next, 15 + Math.floor(next() * 40)),
    score: Math.round(next() * 10000) / 100,
    count: Math.floor(next() * 100000),
    ratio: next() * 1e-3,
    published: next() < 0.5,
    reviewer: next() < 0.2 ? null : { name: sentence(next, 2), email: `user${id}@example.com`, rating: Math.floor(next() * 5) + 1 },
    tags: Array.from({ length: Math.floor(next() * 5) }, () => WORDS[Math.floor(next() * WORDS.length)]),
    sections: Array.from({ length: 1 + Math.floor(next() * 3) }, (_, index) => ({
      heading: sentence(next, 3),
      body: sentence(next, 20 + Math.floor(next() * 30)),
      order: index,
    })),
  };
}

/** The value of an LLM-like document whose compact JSON is about `bytes` long. */
export function documentValue(bytes: number, seed = 1): { report: string; items: Record<string, unknown>[] } {
  const next = random(seed);
  const value = { report: sentence(next, 12), items: [] as Record<string, unknown>[] };
  let size = JSON.stringify(value).length;
  for (let id = 0; size < bytes; id++) {
    const item = record(next, id);
    size += JSON.stringify(item).length + 1;
    value.items.push(item);
  }
  return value;
}

/** Splits text into chunks of 1 to 8 characters (mean 4.5), the way tokens arrive. */
export function tokenChunks(text: string, seed = 7): string[] {
  const next = random(seed);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + Math.floor(next() * 8);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}
