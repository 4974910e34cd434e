/** One local dependency that `stack up` reuses when it already listens, or starts. */
export interface Service {
  name: string;
  /** Brings the service up and waits until it is ready; returns the pids it started (empty when reused). */
  up(): Promise<number[]>;
}
