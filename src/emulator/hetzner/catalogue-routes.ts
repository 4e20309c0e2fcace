import type { FastifyInstance } from 'fastify';
import { queryOf } from '../http-util.js';
import { IMAGES, LOCATIONS, SERVER_TYPES } from './catalogue.js';
import { hzNotFound } from './http.js';
import { imageView, locationView, pageOf, serverTypeView } from './views.js';

/** Locations, server types (prices per location) and images, each with `name` filters and pages. */
export function catalogueRoutes(app: FastifyInstance): void {
  app.get('/v1/locations', async (req) => {
    const q = queryOf(req);
    const name = q.get('name');
    const page = pageOf(
      LOCATIONS.filter((l) => name === null || l.name === name),
      q,
    );
    return { locations: page.items.map(locationView), meta: page.meta };
  });

  app.get('/v1/server_types', async (req) => {
    const q = queryOf(req);
    const name = q.get('name');
    const page = pageOf(
      SERVER_TYPES.filter((t) => name === null || t.name === name),
      q,
    );
    return { server_types: page.items.map(serverTypeView), meta: page.meta };
  });

  app.get('/v1/images', async (req) => {
    const q = queryOf(req);
    const name = q.get('name');
    const types = q.getAll('type');
    const page = pageOf(
      IMAGES.filter((i) => (name === null || i.name === name) && (types.length === 0 || types.includes(i.type))),
      q,
    );
    return { images: page.items.map(imageView), meta: page.meta };
  });

  app.get<{ Params: { id: string } }>('/v1/images/:id', async (req) => {
    const image = IMAGES.find((i) => String(i.id) === req.params.id);
    if (!image) throw hzNotFound();
    return { image: imageView(image) };
  });
}
