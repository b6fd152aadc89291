/** How a read model document is laid out in its SQLite table: shared by the read store and its rebuild writer thread. */

export const fieldColumn = (field: string) => `f_${field}`;

/** A document's field as its column stores it: what json_extract would give (objects as JSON text). */
export const columnValue = (value: unknown): string | number | null =>
  value === undefined || value === null ? null : typeof value === 'boolean' ? Number(value) : typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);

/** Inserts or replaces a document: `id`, its JSON, then one value per column field. */
export const upsertSql = (table: string, fields: readonly string[]): string =>
  `INSERT INTO ${table} (id, doc${fields.map((f) => `, ${fieldColumn(f)}`).join('')}) VALUES (?, ?${', ?'.repeat(fields.length)})` +
  ` ON CONFLICT (id) DO UPDATE SET doc = excluded.doc${fields.map((f) => `, ${fieldColumn(f)} = excluded.${fieldColumn(f)}`).join('')}`;

/** A document as a row for upsertSql's statement. */
export const upsertRow = (doc: { id: string } & Record<string, unknown>, fields: readonly string[]): (string | number | null)[] => [
  doc.id,
  JSON.stringify(doc),
  ...fields.map((f) => columnValue(doc[f])),
];
