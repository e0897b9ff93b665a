import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Cell, MatrixRow, ReachabilityView, RequestColumn } from '../api-types.js';
import { href } from '../route.js';
import { differsLive, unexpected, VERDICT_STYLE } from './verdicts.js';

/** Pixel height of one tenant row: rows are positioned by index, so it is fixed. */
export const ROW_HEIGHT = 28;
/** Rows drawn around the visible ones, so a fast scroll does not show blanks. */
const OVERSCAN = 8;
const VIEWPORT_HEIGHT = 520;
const TENANT_WIDTH = 180;
const CELL_WIDTH = 92;

type VerdictFilter = 'all' | 'allowed' | 'denied' | 'unexpected' | 'live-differs';

/** The cell a trace is asked for, and the element to give the focus back to. */
export interface OpenedCell {
  row: MatrixRow;
  column: RequestColumn;
  cell: Cell;
}

interface Props {
  environment: string;
  view: ReachabilityView;
  onOpen: (opened: OpenedCell) => void;
}

function rowMatches(row: MatrixRow, columns: readonly number[], filter: VerdictFilter): boolean {
  if (filter === 'all') return true;
  return columns.some((c) => {
    const cell = row.cells[c];
    if (!cell) return false;
    if (filter === 'allowed') return cell.verdict === 'ALLOWED';
    if (filter === 'denied') return cell.verdict !== 'ALLOWED';
    if (filter === 'unexpected') return unexpected(cell);
    return differsLive(cell);
  });
}

function shortUrl(column: RequestColumn): string {
  const url = new URL(column.url);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol === 'https:' ? 'https' : 'http'} ${url.host}${path}`;
}

/**
 * The reachability matrix as a heatmap: a row per tenant, a column per request, each cell
 * coloured (and labelled) by its verdict. It stays usable at thousands of tenants: rows are
 * filtered by name and verdict, columns by host, each column heads with its count of allowed
 * cells, and only the rows in view are in the DOM (virtual scrolling). A grid for the keyboard:
 * arrows, Page Up/Down, Home/End move; Enter opens the cell's trace.
 */
export function Heatmap({ environment, view, onOpen }: Props) {
  const [tenantFilter, setTenantFilter] = useState('');
  const [hostFilter, setHostFilter] = useState('');
  const [verdictFilter, setVerdictFilter] = useState<VerdictFilter>('all');
  const [scrollTop, setScrollTop] = useState(0);
  const [focus, setFocus] = useState({ row: 0, column: 0 });
  const [focusPending, setFocusPending] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);

  const columns = useMemo(
    () =>
      view.requests
        .map((_, index) => index)
        .filter((index) => view.requests[index]!.url.includes(hostFilter.trim().toLowerCase())),
    [view, hostFilter],
  );
  const rows = useMemo(() => {
    const needle = tenantFilter.trim().toLowerCase();
    return view.rows.filter(
      (row) => row.tenant.includes(needle) && rowMatches(row, columns, verdictFilter),
    );
  }, [view, tenantFilter, verdictFilter, columns]);
  const allowedPerColumn = useMemo(
    () => columns.map((c) => rows.filter((row) => row.cells[c]?.verdict === 'ALLOWED').length),
    [rows, columns],
  );

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    rows.length,
    Math.ceil((scrollTop + VIEWPORT_HEIGHT) / ROW_HEIGHT) + OVERSCAN,
  );
  const width = TENANT_WIDTH + columns.length * CELL_WIDTH;
  const row = Math.min(focus.row, Math.max(0, rows.length - 1));
  const column = Math.min(focus.column, Math.max(0, columns.length - 1));

  useEffect(() => {
    if (!focusPending) return;
    const target = scroller.current?.querySelector<HTMLElement>(`[data-cell="${row}:${column}"]`);
    if (target) {
      target.focus({ preventScroll: true });
      setFocusPending(false);
    }
  });

  const moveTo = (nextRow: number, nextColumn: number) => {
    const r = Math.max(0, Math.min(rows.length - 1, nextRow));
    const c = Math.max(0, Math.min(columns.length - 1, nextColumn));
    const el = scroller.current;
    if (el) {
      // The header row sticks at the top: a row is in view below it.
      const top = r * ROW_HEIGHT;
      const visible = el.clientHeight - ROW_HEIGHT * 2;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top > el.scrollTop + visible) el.scrollTop = top - visible;
      setScrollTop(el.scrollTop);
    }
    setFocus({ row: r, column: c });
    setFocusPending(true);
  };

  const open = (r: number, c: number) => {
    const matrixRow = rows[r];
    const index = columns[c];
    const cell = index === undefined ? undefined : matrixRow?.cells[index];
    if (matrixRow && cell && index !== undefined) {
      onOpen({ row: matrixRow, column: view.requests[index]!, cell });
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.floor(VIEWPORT_HEIGHT / ROW_HEIGHT) - 2;
    const moves: Record<string, [number, number]> = {
      ArrowDown: [row + 1, column],
      ArrowUp: [row - 1, column],
      ArrowRight: [row, column + 1],
      ArrowLeft: [row, column - 1],
      PageDown: [row + page, column],
      PageUp: [row - page, column],
      Home: event.ctrlKey ? [0, 0] : [row, 0],
      End: event.ctrlKey ? [rows.length - 1, columns.length - 1] : [row, columns.length - 1],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      moveTo(move[0], move[1]);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(row, column);
    }
  };

  return (
    <section class="heatmap" aria-label="Reachability matrix">
      <div class="filters">
        <label>
          Tenant{' '}
          <input
            type="search"
            value={tenantFilter}
            placeholder="name contains"
            onInput={(e) => setTenantFilter((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Host{' '}
          <input
            type="search"
            value={hostFilter}
            placeholder="URL contains"
            onInput={(e) => setHostFilter((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Rows with{' '}
          <select
            value={verdictFilter}
            onChange={(e) =>
              setVerdictFilter((e.target as HTMLSelectElement).value as VerdictFilter)
            }
          >
            <option value="all">any verdict</option>
            <option value="allowed">an allowed cell</option>
            <option value="denied">a denied cell</option>
            <option value="unexpected">a cell not as granted</option>
            <option value="live-differs">a cell the live check saw otherwise</option>
          </select>
        </label>
        <span class="count" aria-live="polite">
          {rows.length} of {view.rows.length} tenants × {columns.length} requests
        </span>
      </div>
      <Legend />
      <div
        class="hm-scroll"
        ref={scroller}
        style={{ maxHeight: `${VIEWPORT_HEIGHT}px` }}
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      >
        <div
          role="grid"
          aria-label={`Verdicts of ${rows.length} tenants × ${columns.length} requests`}
          aria-rowcount={rows.length + 1}
          aria-colcount={columns.length + 1}
          onKeyDown={onKeyDown}
          // The focused cell may be scrolled out of the DOM: the grid itself takes the Tab stop.
          tabIndex={row >= first && row < last ? -1 : 0}
          style={{ width: `${width}px` }}
          data-rows={rows.length}
        >
          <div role="row" aria-rowindex={1} class="hm-header" style={{ width: `${width}px` }}>
            <div role="columnheader" class="hm-corner" style={{ width: `${TENANT_WIDTH}px` }}>
              tenant \ request
            </div>
            {columns.map((index, c) => {
              const request = view.requests[index]!;
              return (
                <div
                  role="columnheader"
                  class={`hm-column${request.ungranted ? ' ungranted' : ''}`}
                  style={{ width: `${CELL_WIDTH}px` }}
                  title={`${request.method} ${request.url}${request.ungranted ? ' (no tenant is granted this host)' : ''}`}
                >
                  <span class="hm-url">{shortUrl(request)}</span>
                  <span class="hm-sum">
                    {allowedPerColumn[c]}/{rows.length} allowed
                  </span>
                </div>
              );
            })}
          </div>
          <div class="hm-body" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
            {rows.slice(first, last).map((matrixRow, offset) => {
              const r = first + offset;
              return (
                <div
                  role="row"
                  aria-rowindex={r + 2}
                  class="hm-row"
                  key={matrixRow.tenant}
                  style={{ top: `${r * ROW_HEIGHT}px`, width: `${width}px` }}
                >
                  <div role="rowheader" class="hm-tenant" style={{ width: `${TENANT_WIDTH}px` }}>
                    <a href={href.tenant(environment, matrixRow.tenant)} tabIndex={-1}>
                      {matrixRow.tenant}
                    </a>
                  </div>
                  {columns.map((index, c) => {
                    const cell = matrixRow.cells[index]!;
                    const style = VERDICT_STYLE[cell.verdict];
                    const marks = `${unexpected(cell) ? ' unexpected' : ''}${differsLive(cell) ? ' live-differs' : ''}`;
                    const focused = r === row && c === column;
                    return (
                      <div
                        role="gridcell"
                        class={`hm-cell ${style.className}${marks}`}
                        style={{ width: `${CELL_WIDTH}px` }}
                        tabIndex={focused ? 0 : -1}
                        data-cell={`${r}:${c}`}
                        data-tenant={matrixRow.tenant}
                        data-url={view.requests[index]!.url}
                        aria-label={`${matrixRow.tenant} ${view.requests[index]!.method} ${view.requests[index]!.url}: ${cell.verdict}${cell.via ? ` via ${cell.via}` : ''}${unexpected(cell) ? ', not as granted' : ''}`}
                        onClick={() => {
                          setFocus({ row: r, column: c });
                          open(r, c);
                        }}
                      >
                        {style.short}
                        {unexpected(cell) ? ' !' : ''}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </section>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Legend">
      {Object.entries(VERDICT_STYLE).map(([verdict, style]) => (
        <li>
          <span class={`swatch ${style.className}`}>{style.short}</span> {verdict}
        </li>
      ))}
      <li>
        <span class="swatch unexpected">!</span> not what the spec grants
      </li>
      <li>
        <span class="swatch live-differs">•</span> the live check recorded another verdict
      </li>
    </ul>
  );
}
