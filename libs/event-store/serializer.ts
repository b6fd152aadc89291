/** Lifts a payload stored at schema version `from` to version `from + 1`. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** Per event type: the version new events are written at, and one upcaster per older version. */
export type UpcasterRegistry = Readonly<Record<string, { current: number; upcasters: Readonly<Record<number, Upcaster>> }>>;

export type EventSerializer = {
  currentVersion(type: string): number;
  /** Applies upcasters in order until the payload is at the current version. */
  upcast(type: string, schemaVersion: number, data: Record<string, unknown>): { schemaVersion: number; data: Record<string, unknown> };
};

export const createSerializer = (registry: UpcasterRegistry): EventSerializer => ({
  currentVersion: (type) => registry[type]?.current ?? 1,
  upcast(type, schemaVersion, data) {
    const entry = registry[type];
    let version = schemaVersion;
    let payload = data;
    while (entry && version < entry.current) {
      const lift = entry.upcasters[version];
      if (!lift) throw new Error(`No upcaster for ${type} from schema version ${version}`);
      payload = lift(payload);
      version += 1;
    }
    return { schemaVersion: version, data: payload };
  },
});
