/** A status word in a coloured pill; the word itself carries the meaning, the colour helps. */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase().replace(/_/g, '-')}`}>{status}</span>;
}
