// Keeps a text that grows by token-sized pieces (the answer so far) at about the text's own
// size. `text += piece` would keep a string node per piece, each about 50 bytes for a 4-character
// token (a rope 12 times the text, all of it traced by the garbage collector); here pieces wait
// in a short list and are joined 64 at a time, each block one string, and every character is
// copied a constant number of times.
export class TextLog {
  // The text before `recent`: blocks joined by `+=`, one string node per block.
  private joined = "";
  private recent: string[] = [];
  private size = 0;

  append(piece: string): void {
    this.recent.push(piece);
    this.size += piece.length;
    if (this.recent.length === 64) this.fold();
  }

  /** The text's length, without joining anything. */
  get length(): number {
    return this.size;
  }

  get text(): string {
    if (this.recent.length > 0) this.fold();
    return this.joined;
  }

  private fold(): void {
    this.joined += this.recent.join("");
    this.recent = [];
  }
}
