/**
 * A timestamp column as ISO 8601 text with microseconds, in UTC. Raw queries otherwise return
 * timestamps as Postgres text, and the delivery log's cursor needs the exact value to continue.
 */
export const isoColumn = (column: string, as = column) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${as}`;
