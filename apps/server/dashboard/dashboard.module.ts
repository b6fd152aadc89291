import { Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../cli/package-info';
import { StreamController } from './stream.controller';

/** The dashboard's build (apps/web → dist/web by `npm run build`). */
export const webRoot = (): string => join(packageRoot(__dirname) ?? process.cwd(), 'dist', 'web');

/**
 * The web dashboard: its static build at `/` (only `/` renders index.html and only the built files are served, so
 * every other path keeps its API answer or problem+json 404) and the live stream it follows. The static files hold
 * no secrets; everything the dashboard shows comes from the API with the user's token.
 */
@Module({})
export class DashboardModule {
  static forRoot(): DynamicModule {
    const root = webRoot();
    const built = existsSync(join(root, 'index.html'));
    return {
      module: DashboardModule,
      imports: built ? [ServeStaticModule.forRoot({ rootPath: root, renderPath: '/', serveStaticOptions: { fallthrough: true, index: false } })] : [],
      controllers: [StreamController],
    };
  }
}
