import { probeAll } from '../backends';
import type { Command } from '../context';

/** One row of `demo backends --json`. */
export interface BackendRow {
  name: string;
  /** Primary precision (the first the backend supports). */
  precision: string;
  /** All precisions the backend supports. */
  precisions: string[];
  available: boolean;
  engine?: string;
  reason?: string;
}

export const command: Command = {
  name: 'backends',
  summary: 'list compute backends and their availability',
  usage: ['demo backends [--json]'],
  flags: [],
  output: [
    {
      key: 'backends',
      description: '[{ name, precision, precisions, available, engine?, reason? }] in display order',
    },
  ],
  async run(ctx) {
    ctx.flags.assertAllUsed();
    const probes = await probeAll();
    const backends: BackendRow[] = probes.map((p) => ({
      name: p.name,
      precision: p.precision[0] ?? 'float64',
      precisions: [...p.precision],
      available: p.available,
      ...(p.engine !== undefined ? { engine: p.engine } : {}),
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
    }));
    const head = ['backend', 'precision', 'available', 'engine', 'reason'];
    const rows = backends.map((b) => [
      b.name,
      b.precisions.join('+'),
      b.available ? 'yes' : 'no',
      b.engine ?? '',
      b.reason ?? '',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i]!.length))));
    const line = (r: string[]) =>
      r
        .map((c, i) => (i === 4 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    const table = [line(head), line(widths.map((w, i) => (i === 4 ? '------' : '-'.repeat(w)))), ...rows.map(line)].join('\n');
    ctx.emit({ backends }, table);
  },
};
