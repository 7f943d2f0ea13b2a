/** A running role of the one `laurel` program. `stop` finishes in-flight work, then returns. */
export interface Role {
  name: string;
  stop(): Promise<void>;
}
