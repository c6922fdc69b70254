import type { Block, BlockKind, Section, SourceLine } from './types.js';

interface OpenSection {
  headingPath: string[];
  level: number;
  startLine: number;
  endLine: number;
  blocks: Block[];
}

/** Joins block lines with newlines and blocks with blank lines. */
export function blocksText(blocks: readonly Block[]): string {
  return blocks.map((block) => block.lines.map((line) => line.text).join('\n')).join('\n\n');
}

/**
 * Accumulates headings and lines, in source order, into sections with heading paths and line spans.
 * Used by the line-oriented loaders (Markdown, HTML, plain text).
 */
export class SectionBuilder {
  private readonly sections: Section[] = [];
  private readonly headingStack: { level: number; text: string }[] = [];
  private current: OpenSection | undefined;
  private block: Block | undefined;

  /** Closes the current section and opens one under a heading of the given level (1–6). */
  heading(level: number, text: string, line: number): void {
    this.closeSection();
    while (this.headingStack.length > 0 && this.headingStack[this.headingStack.length - 1]!.level >= level) {
      this.headingStack.pop();
    }
    this.headingStack.push({ level, text });
    this.current = {
      headingPath: this.headingStack.map((entry) => entry.text),
      level,
      startLine: line,
      endLine: line,
      blocks: [],
    };
  }

  /** Appends a line to the open block of the same kind, or starts a new block. */
  line(kind: BlockKind, line: SourceLine): void {
    if (!this.current) {
      this.current = { headingPath: [], level: 0, startLine: line.line, endLine: line.line, blocks: [] };
    }
    if (!this.block || this.block.kind !== kind) {
      this.endBlock();
      this.block = { kind, lines: [] };
    }
    this.block.lines.push(line);
    this.current.endLine = Math.max(this.current.endLine, line.line);
  }

  /** Ends the open block, so the next line starts a new one. */
  endBlock(): void {
    if (this.block && this.current && this.block.lines.length > 0) this.current.blocks.push(this.block);
    this.block = undefined;
  }

  /** The open block, if any. */
  get openBlock(): Readonly<Block> | undefined {
    return this.block;
  }

  /** Removes and returns the last line of the open block (used to turn a setext line into a heading). */
  popLine(): SourceLine | undefined {
    const popped = this.block?.lines.pop();
    if (this.block && this.block.lines.length === 0) this.block = undefined;
    return popped;
  }

  /** Closes everything and returns the sections; an untitled preamble without content is dropped. */
  finish(): Section[] {
    this.closeSection();
    return this.sections;
  }

  private closeSection(): void {
    this.endBlock();
    const open = this.current;
    this.current = undefined;
    if (!open || (open.level === 0 && open.blocks.length === 0)) return;
    this.sections.push({
      headingPath: open.headingPath,
      level: open.level,
      span: { startLine: open.startLine, endLine: open.endLine },
      blocks: open.blocks,
      text: blocksText(open.blocks),
    });
  }
}
