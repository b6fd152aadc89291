import { artifactsProjection } from '../../../libs/read-models/artifacts/artifacts.projection';
import { buildsProjection } from '../../../libs/read-models/builds/builds.projection';
import { catalogProjection } from '../../../libs/read-models/catalog/catalog.projection';
import { deploymentsProjection } from '../../../libs/read-models/deployments/deployments.projection';
import { variablesProjection } from '../../../libs/read-models/environments/variables.projection';
import type { Projection } from '../../../libs/read-models/projection';

/** Every projection the server runs. */
export const PROJECTIONS: readonly Projection[] = [deploymentsProjection, buildsProjection, catalogProjection, variablesProjection, artifactsProjection];
