import type { ReadStore } from '../read-store.port';
import { VARIABLES, type VariableView } from './variables.projection';

export class VariableQueries {
  constructor(private readonly readStore: ReadStore) {}

  /** All variables of an environment; with `product`, the environment-wide ones and that product's. */
  async list(environment: string, product?: string): Promise<VariableView[]> {
    const rows = await this.readStore.find<VariableView>(VARIABLES, { where: { environment }, orderBy: [['name', 'asc'], ['id', 'asc']] });
    return product === undefined ? rows : rows.filter((row) => row.product === null || row.product === product);
  }
}
