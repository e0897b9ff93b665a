/**
 * Finds references that someone who clones the repository alone cannot follow: the team's
 * private documents (kept beside the project, never in it), paths into that team folder, section
 * citations of the project's own docs whose heading does not exist, and relative markdown links
 * to files that are not in the repository. Pure functions over file text; the test feeds them
 * the tree.
 */
import { posix } from 'node:path';

/** One reference that does not resolve inside the repository. */
export interface Offence {
  file: string;
  line: number;
  text: string;
  why: string;
}

/**
 * The team's private documents. Spelled in pieces so that this file does not cite them itself.
 * A file of the same name inside the repository may be cited (see {@link findOutsideCitations}).
 */
const PRIVATE_DOCUMENTS = ['DESIGN', 'LOCAL-STACK', 'STYLE', 'DEVELOPERS'].map((n) => `${n}.md`);

/** Names that only exist in the team folder (its reference set and the tutorial's source text). */
const TEAM_FOLDER_PATTERNS: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /\/work\/shared\b/, why: 'absolute path into the team folder' },
  { pattern: /(?<![\w.-])shared\/(?:seed|reference|hooks)\b/, why: 'path into the team folder' },
  {
    pattern:
      /(?<![\w/.-])(?:reference\/(?:tutorial|gcp-api-schemas|istio-crds\.yaml|istio-semantics\.md|netpol-truth|workflows-notes\.md)|seed\/0)/,
    why: "path into the team folder's reference set",
  },
  {
    pattern: /(?<![\w/.-])(?:istio-semantics|workflows-notes)\.md\b/,
    why: "document of the team folder's reference set",
  },
  { pattern: /\b000_85ed75f1656ba1d6\b/, why: "the team folder's copy of the tutorial" },
  { pattern: /\bgcp-golden\b/, why: "the team folder's recorded traffic (name its public source)" },
  {
    pattern: /\b(?:project(?:'s)?|team(?:'s)?) reference(?: set)?\b/i,
    why: "the team folder's reference set (say what the source is: a public URL, a tool's output)",
  },
];

const NAME_CHARS = String.raw`[\w.-]`;
const PATH_TOKEN = new RegExp(
  String.raw`(?<![\w/.-])((?:\.\./)+${NAME_CHARS}+(?:/${NAME_CHARS}+)*|(?:${NAME_CHARS}+/)*(?:${PRIVATE_DOCUMENTS.map(escape).join('|')}))`,
  'g',
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `target`, relative to `file`'s folder (or to the root), names a file in the repo. */
function resolvesInRepo(file: string, target: string, exists: (path: string) => boolean): boolean {
  const candidates = [posix.normalize(posix.join(posix.dirname(file), target))];
  if (!target.startsWith('.')) candidates.push(posix.normalize(target));
  return candidates.some((path) => !path.startsWith('../') && path !== '..' && exists(path));
}

/** Whether a relative path, from `file`'s folder, leaves the repository. */
function escapesRepo(file: string, target: string): boolean {
  const resolved = posix.normalize(posix.join(posix.dirname(file), target));
  return resolved === '..' || resolved.startsWith('../');
}

/**
 * Citations of documents outside the repository in one file: the team's private documents
 * (unless a file of that path exists in the repo), relative paths that climb out of the
 * repository, and paths or names of the team folder.
 */
export function findOutsideCitations(
  file: string,
  text: string,
  exists: (path: string) => boolean,
): Offence[] {
  const offences: Offence[] = [];
  text.split('\n').forEach((line, index) => {
    const whys: string[] = [];
    for (const match of line.matchAll(PATH_TOKEN)) {
      const token = match[1] ?? '';
      if (token.startsWith('../')) {
        if (escapesRepo(file, token)) whys.push(`${token} leaves the repository`);
        // In prose (code resolves `.js` imports to `.ts` files), a relative path must exist.
        else if (file.endsWith('.md') && !resolvesInRepo(file, token, exists)) {
          whys.push(`${token} is not in the repository`);
        }
      } else if (!resolvesInRepo(file, token, exists)) {
        whys.push(`${token} is not in the repository`);
      }
    }
    for (const { pattern, why } of TEAM_FOLDER_PATTERNS) {
      if (pattern.test(line)) whys.push(why);
    }
    // One offence per line: a line naming the team folder twice needs one edit.
    if (whys.length > 0) {
      offences.push({ file, line: index + 1, text: line.trim(), why: whys.join('; ') });
    }
  });
  return offences;
}

/** The headings of a markdown document, as written (`## Run state` → `Run state`). */
export function markdownHeadings(markdown: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) headings.push(heading[1]);
  }
  return headings;
}

/**
 * Citations of a section of a document in docs/ (its path, then the heading in double quotes,
 * which may wrap onto the next comment line) whose document is missing or has no such heading.
 */
export function findBrokenSectionCitations(
  file: string,
  text: string,
  headingsOf: (doc: string) => string[] | undefined,
): Offence[] {
  const offences: Offence[] = [];
  const citation = /(docs\/[\w./-]+\.md)`?,?\s+"([^"]{1,160})"/g;
  for (const match of text.matchAll(citation)) {
    const doc = match[1] ?? '';
    // A section name wrapped in a comment: drop the line break and the comment marker.
    const section = (match[2] ?? '').replace(/\s*\n\s*(?:\*|\/\/|#)?\s*/g, ' ').trim();
    const line = text.slice(0, match.index).split('\n').length;
    const at = { file, line, text: match[0].replace(/\s+/g, ' ') };
    const headings = headingsOf(doc);
    if (!headings) offences.push({ ...at, why: `${doc} is not in the repository` });
    else if (!headings.includes(section)) {
      offences.push({ ...at, why: `${doc} has no heading "${section}"` });
    }
  }
  return offences;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * Relative links of a markdown file (outside fenced code) whose target is not a file or folder
 * of the repository, or whose `#anchor` names no heading of the target document.
 */
export function findBrokenMarkdownLinks(
  file: string,
  markdown: string,
  exists: (path: string) => boolean,
  headingsOf: (doc: string) => string[] | undefined,
): Offence[] {
  const offences: Offence[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return;
    // Inline code is not a link: `[a](b)` inside backticks is text.
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const href = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // http:, https:, mailto:
      const [pathPart = '', anchor] = href.split('#', 2);
      const target =
        pathPart === '' ? file : posix.normalize(posix.join(posix.dirname(file), pathPart));
      const at = { file, line: index + 1, text: match[0] };
      if (target.startsWith('../') || !exists(target)) {
        offences.push({ ...at, why: `${href} does not resolve to a file of the repository` });
      } else if (anchor !== undefined && target.endsWith('.md')) {
        const anchors = (headingsOf(target) ?? []).map(headingAnchor);
        if (!anchors.includes(anchor))
          offences.push({ ...at, why: `${target} has no heading #${anchor}` });
      }
    }
  });
  return offences;
}

/**
 * Repository paths written in inline code (`shared/plan/graph.ts`, `test/fixtures/`) outside
 * fenced blocks that name no file or folder of the repository: the docs must match the tree.
 * `roots` are the repository's top-level folders; a path with a placeholder (`*`, `<dir>`,
 * `{name}`, `FILE`) is not checked.
 */
export function findMissingPaths(
  file: string,
  markdown: string,
  roots: ReadonlySet<string>,
  exists: (path: string) => boolean,
): Offence[] {
  const offences: Offence[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return;
    for (const match of line.matchAll(/`([^`\s]+)`/g)) {
      const path = (match[1] ?? '').replace(/[.,;:)]+$/, '').replace(/\/$/, '');
      const segments = path.split('/');
      if (segments.length < 2 || !roots.has(segments[0] ?? '')) continue;
      if (/[*<>{}$]|\.\.\./.test(path) || segments.some((s) => /^[A-Z][A-Z_]*$/.test(s))) continue;
      if (!exists(path)) {
        offences.push({
          file,
          line: index + 1,
          text: match[0],
          why: `${path} is not in the repository`,
        });
      }
    }
  });
  return offences;
}

/** `file:line: text — why`, the form the test reports. */
export function formatOffence(offence: Offence): string {
  return `${offence.file}:${offence.line}: ${offence.text} — ${offence.why}`;
}
