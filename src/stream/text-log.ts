// Keeps the text read so far, for errors that must carry it. Token-sized pieces are joined into
// blocks of 256, so that holding them costs about the text itself, not a string header each,
// and every character is copied a constant number of times.
export class TextLog {
  private readonly blocks: string[] = [];
  private recent: string[] = [];

  append(piece: string): void {
    this.recent.push(piece);
    if (this.recent.length === 256) {
      this.blocks.push(this.recent.join(""));
      this.recent = [];
    }
  }

  get text(): string {
    return this.blocks.join("") + this.recent.join("");
  }
}
