import type { UpcasterRegistry } from '../serializer';

/**
 * Upcasters of Shiplog's stored events. Every event type is at schema version 1 so far; when a payload
 * changes shape, bump `current` for its type here and add the upcaster from the old version, with a spec
 * that feeds it the old JSON (see serializer.spec.ts).
 */
export const SHIPLOG_UPCASTERS: UpcasterRegistry = {};
