/** Where and as whom to query the Workers Analytics Engine SQL API. */
export interface SqlApiConfig {
  /** `https://api.cloudflare.com/client/v4` (tests: the stand-in). */
  baseUrl: string;
  accountId: string;
  /** A token with Account Analytics: Read. */
  token: string;
  fetcher?: typeof fetch;
}

export class SqlApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`Analytics Engine SQL API answered ${status}: ${detail.slice(0, 300)}`);
    this.name = 'SqlApiError';
  }
}

/** A result row: strings stay strings, numbers come back as numbers (the API quotes 64-bit integers). */
export type SqlRow = Record<string, string | number | null>;

interface JsonResult {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
  rows: number;
}

const NUMERIC = /^(U?Int\d+|Float\d+|Decimal)/;

/** Runs one query (`FORMAT JSON`) and returns its rows, numeric columns as numbers. */
export async function querySqlApi(config: SqlApiConfig, sql: string): Promise<SqlRow[]> {
  const url = `${config.baseUrl.replace(/\/$/, '')}/accounts/${encodeURIComponent(config.accountId)}/analytics_engine/sql`;
  const response = await (config.fetcher ?? fetch)(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${config.token}` },
    body: /\bFORMAT\s+\w+\s*$/i.test(sql) ? sql : `${sql} FORMAT JSON`,
  });
  if (!response.ok) throw new SqlApiError(response.status, await response.text());
  const result = (await response.json()) as JsonResult;
  const numeric = new Set(
    result.meta.filter((column) => NUMERIC.test(column.type)).map((column) => column.name),
  );
  return result.data.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => [
        name,
        numeric.has(name) && value !== null ? Number(value) : (value as string | null),
      ]),
    ),
  );
}

/** A string literal for the SQL API (it has no bound parameters): quotes and backslashes escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `toDateTime('YYYY-MM-DD HH:MM:SS')` for an epoch-millisecond instant, UTC. */
export function sqlDateTime(ms: number): string {
  return `toDateTime('${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}')`;
}
