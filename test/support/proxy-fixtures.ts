import type { ProjectRouting } from '../../src/proxy/proxy.model.js'
import { DEFAULT_SETTINGS, type Settings } from '../../src/settings/settings.types.js'

export const FIXTURE_SETTINGS: Settings = { ...DEFAULT_SETTINGS, letsencrypt_email: 'ops@example.com' }

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

/** A project using every middleware type, every TLS mode, every path rule, priorities and a health check. */
export const FIXTURE_PROJECT: ProjectRouting = {
  projectId: id(1),
  projectName: 'shop',
  middlewares: [
    { id: id(101), name: 'gzip', type: 'compress', config: { excludedContentTypes: ['text/event-stream'] } },
    {
      id: id(102),
      name: 'secure',
      type: 'headers',
      config: { customResponseHeaders: { 'X-Frame-Options': 'DENY' }, stsSeconds: 31536000, contentTypeNosniff: true },
    },
    { id: id(103), name: 'strip-api', type: 'strip-prefix', config: { prefixes: ['/api'] } },
    { id: id(104), name: 'limit', type: 'rate-limit', config: { average: 100, burst: 50, period: '1s' } },
    {
      id: id(105),
      name: 'auth',
      type: 'basic-auth',
      config: {
        users: [{ username: 'admin', hash: '$2y$10$abcdefghijklmnopqrstuuJ0Hq6z5Zk3Zb8Y0cQ9dT1m2n3o4p5q6' }],
        realm: 'shop',
      },
    },
    {
      id: id(106),
      name: 'office',
      type: 'ip-allow-list',
      config: { sourceRange: ['10.0.0.0/8', '192.168.1.7'], rejectStatusCode: 404 },
    },
    {
      id: id(107),
      name: 'www',
      type: 'redirect-regex',
      config: { regex: '^https?://www\\.example\\.com/(.*)', replacement: 'https://example.com/${1}', permanent: true },
    },
    { id: id(108), name: 'v2', type: 'add-prefix', config: { prefix: '/v2' } },
    { id: id(109), name: 'to-https', type: 'redirect-scheme', config: { scheme: 'https', permanent: true } },
    { id: id(110), name: 'unused', type: 'compress', config: {} },
  ],
  domains: [
    {
      id: id(201),
      fullDomain: 'app.example.com',
      tlsMode: 'acme',
      certResolver: null,
      active: true,
      routes: [
        {
          id: id(301),
          target: { type: 'service', serviceId: id(401), composeService: 'web', port: 8080 },
          path: '/',
          pathMatch: 'prefix',
          priority: null,
          middlewareIds: [id(101), id(102)],
          healthCheck: { path: '/healthz', interval: '10s' },
          active: true,
        },
        {
          id: id(302),
          target: { type: 'url', url: 'http://10.0.0.5:3000' },
          path: '/api',
          pathMatch: 'prefix',
          priority: 100,
          middlewareIds: [id(103), id(104), id(105)],
          healthCheck: null,
          active: true,
        },
        {
          id: id(303),
          target: { type: 'service', serviceId: id(401), composeService: 'admin', port: 9000 },
          path: '/admin/login',
          pathMatch: 'exact',
          priority: 200,
          middlewareIds: [id(106), id(107)],
          healthCheck: null,
          active: true,
        },
        {
          id: id(304),
          target: { type: 'url', url: 'http://10.0.0.9' },
          path: '/off',
          pathMatch: 'prefix',
          priority: null,
          middlewareIds: [],
          healthCheck: null,
          active: false,
        },
      ],
    },
    {
      id: id(202),
      fullDomain: '*.preview.example.com',
      tlsMode: 'none',
      certResolver: null,
      active: true,
      routes: [
        {
          id: id(305),
          target: { type: 'url', url: 'http://preview:80' },
          path: '/',
          pathMatch: 'prefix',
          priority: 1,
          middlewareIds: [id(108), id(109)],
          healthCheck: null,
          active: true,
        },
      ],
    },
    {
      id: id(204),
      fullDomain: 'intranet.shop.internal',
      tlsMode: 'internal',
      certResolver: null,
      active: true,
      routes: [
        {
          id: id(307),
          target: { type: 'url', url: 'http://10.0.0.7:8080' },
          path: '/',
          pathMatch: 'prefix',
          priority: null,
          middlewareIds: [],
          healthCheck: null,
          active: true,
        },
      ],
    },
    {
      id: id(203),
      fullDomain: 'old.example.com',
      tlsMode: 'none',
      certResolver: null,
      active: false,
      routes: [
        {
          id: id(306),
          target: { type: 'url', url: 'http://old' },
          path: '/',
          pathMatch: 'prefix',
          priority: null,
          middlewareIds: [],
          healthCheck: null,
          active: true,
        },
      ],
    },
  ],
}
