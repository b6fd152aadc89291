import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ACCESS_METADATA } from './access.decorator';

export type DeclaredRoute = { controller: string; handler: string; method: number; path: string; access: unknown };

/** Every route of the app with its @Access declaration (undefined when missing). */
export const routesOf = (discovery: DiscoveryService, scanner: MetadataScanner): DeclaredRoute[] =>
  discovery.getControllers().flatMap(({ instance, metatype }) => {
    if (!instance || !metatype) return [];
    const prefix = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
    const prototype = Object.getPrototypeOf(instance) as object;
    return scanner.getAllMethodNames(prototype).flatMap((name) => {
      const handler = (prototype as Record<string, unknown>)[name] as object;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) return [];
      return [{ controller: metatype.name, handler: name, method: Reflect.getMetadata(METHOD_METADATA, handler) as number, path: `/${[prefix, path].filter((p) => p && p !== '/').join('/')}`, access: Reflect.getMetadata(ACCESS_METADATA, handler) }];
    });
  });

/** Refuses to start an app with a route that does not declare who may call it: closed by default, loudly. */
@Injectable()
export class RouteAccessCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    const undeclared = routesOf(this.discovery, this.scanner).filter((route) => route.access === undefined);
    if (undeclared.length > 0) {
      throw new Error(`Routes without @Access(...): ${undeclared.map((r) => `${r.controller}.${r.handler} (${r.path})`).join(', ')}`);
    }
  }
}
