/** Seconds as a person reads them: `42 s`, `3 min 5 s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** An ISO instant as local date and time, or '-'. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Seconds between two ISO instants (the second defaults to now). */
export function secondsBetween(from: string, to?: string, now = Date.now()): number {
  return ((to ? Date.parse(to) : now) - Date.parse(from)) / 1000;
}
