/** The names a kind is served under, as a CRD's `spec.names` and discovery spell them. */
export interface KindNames {
  group: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
}
