import { stringify } from 'yaml';
import type { KubeObject } from '../kube-object.js';

/** Output encodings of `egressctl render`. */
export type RenderFormat = 'yaml' | 'json';
/** One file per object, or one file per namespace (cluster-scoped objects beside their namespace). */
export type RenderLayout = 'object' | 'namespace';

/** A file to write: a name relative to the output directory, and its content. */
export interface RenderedFile {
  name: string;
  content: string;
}

/** File names this layout writes, so a re-render can remove the files of pruned objects. */
export const RENDERED_FILE_PATTERN = /^\d{2,}-[a-z0-9._-]+\.(yaml|json)$/;

/**
 * One object as YAML, keys in the order the builders set them; never folds long lines. Written
 * so YAML 1.1 readers (kubectl, client-go) read it as we mean it: a label value `y`, `no` or
 * `on` is quoted, else kubectl reads a boolean and refuses the object.
 */
export function toYaml(obj: KubeObject): string {
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** A multi-document YAML stream (`---` between documents), as `kubectl apply -f` reads it. */
export function toYamlStream(objects: readonly KubeObject[]): string {
  return objects.map(toYaml).join('---\n');
}

/** A kubectl-style `v1/List` as indented JSON. */
export function toJsonList(objects: readonly KubeObject[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
}

/** Everything in one text, in the given format. */
export function renderText(objects: readonly KubeObject[], format: RenderFormat): string {
  return format === 'json' ? toJsonList(objects) : toYamlStream(objects);
}

/**
 * Splits sorted objects into files for a GitOps repository: `NN-kind-namespace-name.yaml` per
 * object, or `NN-namespace.yaml` per namespace. NN keeps the apply order (namespaces first) when
 * a tool applies a directory in name order.
 */
export function renderFiles(
  objects: readonly KubeObject[],
  layout: RenderLayout,
  format: RenderFormat,
): RenderedFile[] {
  const ext = format;
  if (layout === 'object') {
    const width = Math.max(2, String(objects.length - 1).length);
    return objects.map((obj, index) => {
      const parts = [obj.kind.toLowerCase(), obj.metadata.namespace, obj.metadata.name];
      const base = parts.filter((p): p is string => p !== undefined).join('-');
      return {
        name: `${String(index).padStart(width, '0')}-${base}.${ext}`,
        content: format === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : toYaml(obj),
      };
    });
  }
  const groups = new Map<string, KubeObject[]>();
  for (const obj of objects) {
    const group =
      obj.metadata.namespace ?? (obj.kind === 'Namespace' ? obj.metadata.name : 'cluster');
    const list = groups.get(group) ?? [];
    list.push(obj);
    groups.set(group, list);
  }
  const width = Math.max(2, String(groups.size - 1).length);
  return [...groups.entries()].map(([group, members], index) => ({
    name: `${String(index).padStart(width, '0')}-${group}.${ext}`,
    content: renderText(members, format),
  }));
}
