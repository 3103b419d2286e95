/**
 * The kinds of block the report is laid out in (headings, paragraphs, lists, tables), which
 * markdown.ts and html.ts each render. In a file of their own, so that each section's file
 * (metadata-blocks.ts, scope-blocks.ts, rule-findings-blocks.ts, ...) and document.ts, which
 * calls them, share one definition without importing each other.
 */
import type { EvidenceLevel } from './evidence-levels.ts';

export type Inline =
  | string
  | { readonly code: string }
  | { readonly strong: string }
  | { readonly verdict: boolean }
  | { readonly level: EvidenceLevel };

export type Text = Inline | readonly Inline[];

export type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3 | 4; readonly text: Text }
  | { readonly kind: 'paragraph'; readonly text: Text }
  | { readonly kind: 'list'; readonly items: readonly Text[] }
  | {
      readonly kind: 'table';
      readonly header: readonly string[];
      readonly rows: ReadonlyArray<readonly Text[]>;
    };

export const heading = (level: 1 | 2 | 3 | 4, text: Text): Block => ({
  kind: 'heading',
  level,
  text,
});
export const paragraph = (text: Text): Block => ({ kind: 'paragraph', text });
export const list = (items: readonly Text[]): Block => ({ kind: 'list', items });
export const table = (header: readonly string[], rows: ReadonlyArray<readonly Text[]>): Block => ({
  kind: 'table',
  header,
  rows,
});
