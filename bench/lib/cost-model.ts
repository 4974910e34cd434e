/**
 * The arithmetic of the `cost` benchmark (bench/cost.ts), kept apart so it is tested without a stack: CPU
 * per order of each process ÷ the floor of the steps that process does per order, and the table it prints.
 */

/** The floors measured by microbenchmarks, in µs of CPU per order (or per request, per row, per call). */
export interface StepFloors {
  /** A bare uWS answer: server CPU per request. */
  uwsAnswer: number;
  /** The load generator's CPU per request against the bare uWS answer. */
  loadRequest: number;
  /** The reserve script's EVALSHA at -P 16: Redis CPU per call. */
  reserveScript: number;
  /** One transactional message of N orders (half message + commit, delivery + ack): proxy + broker CPU per order. */
  txBroker: number;
  /** The same, the sender's CPU per order. */
  txSender: number;
  /** The same, the CPU per order of a consumer that decodes and acknowledges the messages. */
  txConsumer: number;
  /** One multi-row INSERT of N rows: MariaDB CPU per row. */
  insertServer: number;
  /** The same, the client's CPU per row. */
  insertClient: number;
  /** One Redis WAIT per group: Redis CPU per order; null when the configuration does not wait. */
  replicaWait: number | null;
}

/** The steps whose floors add up to a process's floor, per phase (empty: the process does nothing per order). */
export type Steps = { accepted: (keyof StepFloors)[]; rejected: (keyof StepFloors)[] };

/** Which steps each process does per accepted order and per rejected attempt. */
export function stepsOf(split: boolean, replicaWait: boolean): Record<string, Steps> {
  const writer: (keyof StepFloors)[] = ["txConsumer", "insertClient"];
  return {
    gateway: { accepted: ["uwsAnswer", "txSender", ...(split ? [] : writer)], rejected: ["uwsAnswer"] },
    ...(split ? { writer: { accepted: writer, rejected: [] } } : {}),
    "rocketmq-proxy": { accepted: ["txBroker"], rejected: [] },
    redis: { accepted: ["reserveScript", ...(replicaWait ? (["replicaWait"] as const) : [])], rejected: [] },
    mariadb: { accepted: ["insertServer"], rejected: [] },
    load: { accepted: ["loadRequest"], rejected: ["loadRequest"] },
  };
}

/** The sum of the named steps' floors (0 for none). */
export function floorOf(floors: StepFloors, steps: (keyof StepFloors)[]): number {
  return steps.reduce((sum, s) => sum + (floors[s] ?? 0), 0);
}

/** One figure beside its floor; ratio null where the floor is 0 (nothing needed per order). */
export interface Against {
  us: number;
  floorUs: number;
  ratio: number | null;
}

export function against(us: number, floorUs: number): Against {
  return { us, floorUs, ratio: floorUs > 0 && Number.isFinite(us) ? us / floorUs : null };
}

export interface CostRow {
  process: string;
  accepted: Against;
  rejected: Against;
  /** The reject path with buyers repeating their JWT and token (every cache hits), where measured. */
  rejectedRepeated?: Against;
  steps: Steps;
}

/**
 * Rows of the table: each process's measured CPU per accepted order and per rejected attempt (µs, by
 * process label) against its floor, and a total row over them all.
 */
export function costRows(
  measured: {
    accepted: Record<string, number>;
    rejected: Record<string, number>;
    rejectedRepeated?: Record<string, number>;
  },
  floors: StepFloors,
  steps: Record<string, Steps>,
): CostRow[] {
  const rows: CostRow[] = Object.entries(steps).map(([process, s]) => {
    const a = floorOf(floors, s.accepted);
    const r = floorOf(floors, s.rejected);
    const repeated = measured.rejectedRepeated?.[process];
    return {
      process,
      accepted: against(measured.accepted[process] ?? NaN, a),
      rejected: against(measured.rejected[process] ?? NaN, r),
      ...(repeated === undefined ? {} : { rejectedRepeated: against(repeated, r) }),
      steps: s,
    };
  });
  const sum = (pick: (r: CostRow) => Against | undefined) => {
    const parts = rows.map(pick);
    if (parts.some((p) => p === undefined)) return undefined;
    return against(
      parts.reduce((t, p) => t + p!.us, 0),
      parts.reduce((t, p) => t + p!.floorUs, 0),
    );
  };
  const repeatedTotal = sum((r) => r.rejectedRepeated);
  rows.push({
    process: "total",
    accepted: sum((r) => r.accepted)!,
    rejected: sum((r) => r.rejected)!,
    ...(repeatedTotal ? { rejectedRepeated: repeatedTotal } : {}),
    steps: { accepted: [], rejected: [] },
  });
  return rows;
}

const us = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
const times = (r: number | null) => (r === null ? "—" : `${r.toFixed(1)}×`);
const cells = (a: Against | undefined, width: number) =>
  a
    ? [us(a.us).padStart(width), us(a.floorUs).padStart(7), times(a.ratio).padStart(7)]
    : ["".padStart(width), "".padStart(7), "".padStart(7)];

/** The printed table: µs of CPU per accepted order and per rejected attempt, each beside its floor and ratio. */
export function costTable(rows: CostRow[]): string[] {
  const withRepeated = rows.some((r) => r.rejectedRepeated);
  const head = [
    "process".padEnd(15),
    "µs/accepted".padStart(11),
    "floor".padStart(7),
    "×floor".padStart(7),
    "µs/rejected".padStart(12),
    "floor".padStart(7),
    "×floor".padStart(7),
    ...(withRepeated ? ["repeated".padStart(10), "floor".padStart(7), "×floor".padStart(7)] : []),
  ];
  const lines = [head.join(" ")];
  for (const r of rows) {
    lines.push(
      [
        r.process.padEnd(15),
        ...cells(r.accepted, 11),
        ...cells(r.rejected, 12),
        ...(withRepeated ? cells(r.rejectedRepeated, 10) : []),
      ].join(" "),
    );
  }
  return lines.map((l) => l.trimEnd());
}
