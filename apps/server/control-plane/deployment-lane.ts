import { NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeploymentItem, DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { assertInScope } from '../access/principal.request';
import type { ReadConsistency } from '../infrastructure/consistency';

/** A deployment by id (404 if unknown), after the read models caught up and the caller's scope was checked. */
export const deploymentInScope = async (
  reads: { deployments: DeploymentQueries; consistency: ReadConsistency },
  id: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<DeploymentItem> => {
  await reads.consistency.catchUp(reply);
  const deployment = await reads.deployments.get(id);
  if (!deployment) throw new NotFoundException(`No deployment with id ${id}`);
  assertInScope(request, deployment);
  return deployment;
};
