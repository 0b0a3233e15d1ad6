import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

/**
 * The gateway's methods live at fixed paths (`/api/reg2reg`), served whatever the HTTP method.
 * Express finds a route by testing each router's layers in turn, and a router that has none for
 * the path hands over on the next turn of the event loop (`setImmediate`): `/api/reg2reg` went
 * through five routers and about twenty patterns before its own. Here a fixed path is one Map
 * lookup, made before the routers.
 *
 * The routers keep every route, so what the lookup does not serve exactly (`/API/reg2reg`, a
 * trailing `/`) is routed as before, to the same handler. The lookup is consulted before the
 * routers, so it must only hold paths no earlier router catches with a pattern: the route
 * modules register their fixed paths in the order app.ts mounts them, and the first wins, as
 * in Express.
 */
export class FixedPaths {
  private readonly handlers = new Map<string, RequestHandler>();

  /** `router.all(paths, handler)`, and each path kept for `dispatch`. */
  all(router: Router, paths: string | readonly string[], handler: RequestHandler): void {
    const list = typeof paths === 'string' ? [paths] : [...paths];
    router.all(list, handler);
    for (const path of list) {
      if (!this.handlers.has(path)) this.handlers.set(path, handler);
    }
  }

  /**
   * Serves a request whose path is one of the fixed paths, as Express would (a rejected promise
   * goes to the error handlers); anything else goes on to the routers.
   */
  readonly dispatch = (req: Request, res: Response, next: NextFunction): void => {
    const handler = this.handlers.get(req.path);
    if (handler === undefined) {
      next();
      return;
    }
    try {
      const result: unknown = handler(req, res, next);
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          next(error ?? new Error('Rejected promise'));
        });
      }
    } catch (error) {
      next(error);
    }
  };
}
