/** How a read model document is laid out in its SQLite table: shared by the read store and its rebuild writer thread. */
import type Database from 'better-sqlite3';
import type { Write } from '../overlay';

export type Row = (string | number | null)[];
/** A unit of work's writes to one table: upserts (upsertSql's parameters) and the ids deleted. */
export type TableWrites = { table: string; fields: readonly string[]; rows: Row[]; deleted: string[] };

export const fieldColumn = (field: string) => `f_${field}`;

/** A document's field as its column stores it: what json_extract would give (objects as JSON text). */
export const columnValue = (value: unknown): string | number | null =>
  value === undefined || value === null ? null : typeof value === 'boolean' ? Number(value) : typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);

/** Inserts or replaces a document: `id`, its JSON, then one value per column field. */
export const upsertSql = (table: string, fields: readonly string[]): string =>
  `INSERT INTO ${table} (id, doc${fields.map((f) => `, ${fieldColumn(f)}`).join('')}) VALUES (?, ?${', ?'.repeat(fields.length)})` +
  ` ON CONFLICT (id) DO UPDATE SET doc = excluded.doc${fields.map((f) => `, ${fieldColumn(f)} = excluded.${fieldColumn(f)}`).join('')}`;

/** A document as a row for upsertSql's statement. */
const upsertRow = (doc: { id: string } & Record<string, unknown>, fields: readonly string[]): Row => [doc.id, JSON.stringify(doc), ...fields.map((f) => columnValue(doc[f]))];

/** The writes to one table as rows (documents serialized here: one that cannot be fails before anything is written). */
export const tableWrites = (table: string, fields: readonly string[], byId: ReadonlyMap<string, Write>): TableWrites => {
  const rows: Row[] = [];
  const deleted: string[] = [];
  for (const [id, write] of byId) {
    if ('doc' in write) rows.push(upsertRow(write.doc, fields));
    else deleted.push(id);
  }
  return { table, fields, rows, deleted };
};

/** Writes them through `statement` (the connection's prepared-statement cache), inside the caller's transaction. */
export const writeTables = (statement: (sql: string) => Database.Statement, tables: readonly TableWrites[]): void => {
  for (const { table, fields, rows, deleted } of tables) {
    const upsert = statement(upsertSql(table, fields));
    for (const row of rows) upsert.run(...row);
    const remove = statement(`DELETE FROM ${table} WHERE id = ?`);
    for (const id of deleted) remove.run(id);
  }
};
